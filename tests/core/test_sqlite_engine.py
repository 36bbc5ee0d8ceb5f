"""How this process uses SQLite: statements on the event loop's thread, long transactions that
still let others run, and writers served first come, first served.

These use their own SQLite file whatever the test backend is: the behaviour is SQLite's."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from server.core.db import YIELD_AFTER_SECONDS, Database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}")
    async with db.transaction() as session:
        await session.execute(text("CREATE TABLE numbers (n INTEGER NOT NULL)"))
    yield db
    await db.dispose()


async def test_sqlite_statements_run_on_the_event_loops_thread(sqlite_db: Database) -> None:
    async with sqlite_db.session(write=False) as session:
        raw = await (await session.connection()).get_raw_connection()
        assert raw.driver_connection is not None
        sqlite = raw.driver_connection._conn  # the sqlite3 connection under aiosqlite
        sqlite.create_function("executing_thread", 0, threading.get_ident)
        ident = (await session.execute(text("SELECT executing_thread()"))).scalar_one()
    assert ident == threading.get_ident()


async def test_a_long_transaction_lets_other_tasks_run_between_its_statements(
    sqlite_db: Database,
) -> None:
    ran_during: list[bool] = []
    writing = True

    async def other_task() -> None:
        while writing:
            ran_during.append(True)
            await asyncio.sleep(0)

    async with sqlite_db.transaction() as session:
        ticker = asyncio.create_task(other_task())
        await asyncio.sleep(0)
        ran_during.clear()
        loop = asyncio.get_running_loop()
        started = loop.time()
        statements = 0
        # Back-to-back statements, never awaiting anything else, for several yield periods.
        while loop.time() - started < 5 * YIELD_AFTER_SECONDS:
            await session.execute(text("INSERT INTO numbers (n) VALUES (:n)"), {"n": statements})
            statements += 1
        seen = len(ran_during)
    writing = False
    await ticker
    assert statements > 0
    assert seen >= 2, "the other task never ran while the transaction was writing"


async def test_writers_take_turns_first_come_first_served(sqlite_db: Database) -> None:
    arrived: list[int] = []
    began: list[int] = []

    async def writer(number: int) -> None:
        arrived.append(number)
        async with sqlite_db.transaction() as session:
            for statement in range(3):
                await session.execute(text("INSERT INTO numbers (n) VALUES (:n)"), {"n": number})
                if statement == 0:
                    began.append(number)  # it has the write connection now
                await asyncio.sleep(0)  # a request awaits other things meanwhile

    writers = []
    for number in range(30):
        writers.append(asyncio.create_task(writer(number)))
        await asyncio.sleep(0)  # newcomers keep arriving while others wait
    await asyncio.gather(*writers)
    assert began == arrived


async def test_a_long_batch_lets_waiting_writers_go_between_its_chunks(
    sqlite_db: Database,
) -> None:
    order: list[str] = []

    async def other_writer() -> None:
        async with sqlite_db.transaction() as session:
            await session.execute(text("INSERT INTO numbers (n) VALUES (2)"))
            order.append("other writer")

    async with sqlite_db.write_turn():
        waiting = asyncio.create_task(other_writer())
        await asyncio.sleep(0)
        async with sqlite_db.session(write=True) as session:
            for chunk in range(2):
                await session.execute(text("INSERT INTO numbers (n) VALUES (1)"))
                await session.commit()
                order.append(f"chunk {chunk}")
                await sqlite_db.let_others_write()
    await waiting
    assert order == ["chunk 0", "other writer", "chunk 1"]
