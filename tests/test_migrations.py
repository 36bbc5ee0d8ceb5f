"""The schema exists only through alembic revisions, and they run both ways."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from server.cli import alembic_config


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
