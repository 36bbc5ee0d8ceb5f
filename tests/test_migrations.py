"""The schema exists only through alembic revisions, and they run both ways."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from server.cli import alembic_config
from server.domains import import_models


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def test_upgrade_downgrade_upgrade_round_trip(database_url: str) -> None:
    config = alembic_config(database_url)
    migrated = await _tables(database_url)
    assert {"users", "organizations", "change_log", "audit_log"} <= migrated

    await asyncio.to_thread(command.downgrade, config, "base")
    assert await _tables(database_url) == set()

    await asyncio.to_thread(command.upgrade, config, "heads")
    assert await _tables(database_url) == migrated


async def test_models_and_migrations_describe_the_same_schema(database_url: str) -> None:
    """A model change without its revision (or the reverse) shows up here, on both databases."""
    import_models()
    engine = create_async_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": False}), SQLModel.metadata
            )
        )
    await engine.dispose()
    # What only raw SQL in the revisions manages: SQLite's full-text tables, PostgreSQL's
    # stored search vector and its GIN index.
    raw_sql_only = {"ix_search_documents_terms_vector"}
    relevant = [
        d
        for d in diff
        if not (d[0] == "remove_table" and "fts" in d[1].name)
        and not (d[0] == "remove_index" and d[1].name in raw_sql_only)
        and not (d[0] == "remove_column" and d[3].name == "terms_vector")
    ]
    assert relevant == []
