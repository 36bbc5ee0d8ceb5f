"""The domains of Gyoryu, in dependency order: one list read by the app and by alembic."""

from __future__ import annotations

import importlib
from types import ModuleType

# Each is a package server.<name> with models.py; those with routes also have api.py.
DOMAINS: tuple[str, ...] = (
    "changes",
    "identity",
    "directory",
    "discussion",
    "search",
    "meetings",
    "integrations",
    "sync",
)


def import_models() -> list[ModuleType]:
    """Import every domain's models so that SQLModel.metadata knows all tables."""
    return [importlib.import_module(f"server.{name}.models") for name in DOMAINS]
