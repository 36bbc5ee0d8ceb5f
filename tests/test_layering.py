"""Imports go one way: a domain builds on the domains before it and never on those after it,
so that each can be read, tested and changed without the ones above it."""

from __future__ import annotations

import ast
from pathlib import Path

from server.domains import DOMAINS

SERVER = Path(__file__).resolve().parents[1] / "server"
# core is below every domain; realtime and dashboard sit on top of them and own no tables.
LAYERS: tuple[str, ...] = ("core", *DOMAINS, "realtime", "dashboard")
# The composition root and the commands wire every domain together.
TOP_LEVEL = {"app", "cli", "demo", "domains"}


def _imports(path: Path) -> set[str]:
    """Every ``server.…`` module that ``path`` imports, with ``from x import api`` spelt out."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("server."))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("server."):
            module = str(node.module)
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names if a.name == "api")
    return found


def _modules() -> list[tuple[str, Path]]:
    return [
        (path.relative_to(SERVER).parts[0], path)
        for path in sorted(SERVER.rglob("*.py"))
        if len(path.relative_to(SERVER).parts) > 1
    ]


def test_every_server_package_has_a_place_in_the_layers() -> None:
    packages = {p.name for p in SERVER.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(LAYERS)
    assert {p.stem for p in SERVER.glob("*.py")} - {"__init__"} == TOP_LEVEL


def test_domains_import_only_the_layers_below_them() -> None:
    wrong: list[str] = []
    for package, path in _modules():
        allowed = set(LAYERS[: LAYERS.index(package) + 1])
        if path.name == "api.py":
            # Routes may compose any domain's services (search filters hits by the rules of
            # discussion and meetings), but they are never imported themselves.
            allowed = set(LAYERS)
        for module in _imports(path):
            target = module.split(".")[1]
            if target not in allowed:
                wrong.append(f"{path.relative_to(SERVER)} imports {module}")
    assert wrong == []


def test_only_the_app_imports_routes() -> None:
    wrong = [
        f"{path.relative_to(SERVER)} imports {module}"
        for _, path in _modules()
        for module in _imports(path)
        if module.endswith(".api") and module.split(".")[1] != path.relative_to(SERVER).parts[0]
    ]
    assert wrong == []
