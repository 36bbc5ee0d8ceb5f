"""The domains of Gyoryu, in dependency order: one list read by the app, by alembic and by
the layering test (tests/test_layering.py), which holds every domain to importing only the
domains before it."""

from __future__ import annotations

import importlib
from types import ModuleType

# Each is a package server.<name> with models.py; those with routes also have api.py.
DOMAINS: tuple[str, ...] = (
    "changes",
    "identity",
    "directory",
    "search",
    "discussion",
    "meetings",
    "integrations",
    "sync",
)


def import_models() -> list[ModuleType]:
    """Import every domain's models so that SQLModel.metadata knows all tables."""
    return [importlib.import_module(f"server.{name}.models") for name in DOMAINS]
