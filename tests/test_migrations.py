"""The schema exists only through alembic revisions, and they run both ways."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from server.cli import alembic_config
from server.core.db import Database
from server.core.types import utcnow
from server.domains import import_models
from server.search import service as search
from server.search.text import index_terms


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


async def test_search_documents_written_before_0008_stay_searchable_after_it(
    database_url: str,
) -> None:
    """0008 gives PostgreSQL's search documents a stored vector: the documents already there
    must get theirs (and SQLite's, untouched, must still be found)."""

    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0007")
    content = "서울 北京 minutes"
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO search_documents (kind, entity_id, channel_id, title, content,"
                " terms, updated_at) VALUES ('message', 1, 7, '', :content, :terms, :now)"
            ),
            {"content": content, "terms": index_terms(content), "now": utcnow()},
        )
    await engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "heads")

    db = Database(database_url)
    try:
        async with db.session(write=False) as session:
            for query in ("서울", "北京", "minutes"):
                page = await search.search(
                    session, query, kinds=("message",), channel_ids=[7], limit=5
                )
                assert [hit.id for hit in page.hits] == [1], query
    finally:
        await db.dispose()
