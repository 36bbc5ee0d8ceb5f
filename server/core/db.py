"""Database engines and sessions.

One session per request (or per worker job). Services flush, never commit: the request
dependency commits once, then runs the session's after-commit hooks (the change log uses one
to publish new seqs to the broker), so nothing is published for a write that did not commit.

On SQLite, writers must not start as readers and upgrade later (a WAL snapshot cannot be
upgraded once another writer committed: SQLITE_BUSY without waiting), so write transactions
begin with ``BEGIN IMMEDIATE`` on a second engine; reads use a plain ``BEGIN``.

SQLite calls run on the event loop's thread (:class:`LoopThreadConnection`), not on a thread per
connection: see that class for why and for what keeps long transactions from stalling others.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
import structlog
from sqlalchemy import Table, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import SQLModel

log = structlog.get_logger(__name__)

AfterCommit = Callable[[], Awaitable[None]]


# A transaction running longer than this without awaiting anything else lets the loop run
# (other requests, WebSocket sends) before its next statement.
YIELD_AFTER_SECONDS = 0.02


class LoopThreadConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run at once on the event loop's thread.

    aiosqlite hands every call to the connection's own thread and waits for the answer; that
    round trip (a queue, a thread wake-up, the GIL, a loop wake-up) cost about 0.1 ms of CPU on
    the 2-core machine, several per statement, while an indexed SQLite statement takes a few
    microseconds. Posting a message is a dozen such statements, so half of its CPU went to
    hand-offs (docs/benchmarks.md). Running them in place is safe here because nothing in the
    process waits on SQLite's locks: WAL readers never wait, and this process's writers take
    turns (:meth:`Database.write_turn`) before they begin. Only another
    process writing the same file (a CLI command) can make a statement wait, up to the busy
    timeout. A long transaction (an import) gives the loop a turn every
    ``YIELD_AFTER_SECONDS``, so it delays other requests without stopping them.

    Only ``_execute``, the one method through which aiosqlite runs every call, is replaced;
    connecting and closing still use aiosqlite's thread."""

    _burst_started = 0.0  # when the current run of calls with no loop turn between began
    # Whether the loop has run other work since that run began, i.e. whether the caller
    # really awaited something meanwhile. Told by a callback rather than guessed from the time
    # between calls: on a busy machine the process can be descheduled between two calls of
    # one run, which a time gap would mistake for a turn, and the run would never yield.
    _loop_turned = True

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if self._loop_turned:
            self._begin_run()
        elif time.monotonic() - self._burst_started > YIELD_AFTER_SECONDS:
            await asyncio.sleep(0)  # the loop runs a turn (and the callback), then we go on
            self._begin_run()
        return fn(*args, **kwargs)

    def _begin_run(self) -> None:
        self._burst_started = time.monotonic()
        self._loop_turned = False
        asyncio.get_running_loop().call_soon(self._note_loop_turned)

    def _note_loop_turned(self) -> None:
        self._loop_turned = True


def _loop_thread_connector(path: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    async def connect() -> aiosqlite.Connection:
        # check_same_thread=False: opened on aiosqlite's thread, then used on the loop's.
        connection = LoopThreadConnection(
            partial(sqlite3.connect, path, check_same_thread=False), 64
        )
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connect
        return await connection

    return connect


def _sqlite_engine(url: str, begin: str, pool_size: int = 8, max_overflow: int = 8) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=30,
        async_creator=_loop_thread_connector(make_url(url).database or ":memory:"),
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that our BEGIN is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Database:
    """The engines and session factories of one configured database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            ensure_sqlite_directory(url)
            self.engine = _sqlite_engine(url, "BEGIN")
            # SQLite has one writer at a time anyway. With one pooled write connection, this
            # process's writers wait their turn here instead of in SQLite's busy handler, which
            # sleeps with backoff (up to 100 ms a try): with 8 concurrent writers that was most
            # of each write's latency. The turns are an asyncio.Lock, first come first served:
            # the pool's own queue lets a newcomer take a returned connection before the
            # writer that was woken for it, which sends that one to the back of the line
            # (post latencies of over a second at the 99th percentile under load).
            self.write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE", pool_size=1, max_overflow=0)
            self._write_turns: asyncio.Lock | None = asyncio.Lock()
        else:
            self.engine = create_async_engine(
                url, pool_size=10, max_overflow=20, pool_pre_ping=True
            )
            self.write_engine = self.engine
            self._write_turns = None
        self._read = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._write = async_sessionmaker(
            self.write_engine, class_=AsyncSession, expire_on_commit=False
        )

    def session(self, *, write: bool) -> AsyncSession:
        """A new session; a write session must be used inside :meth:`write_turn`."""
        return (self._write if write else self._read)()

    @asynccontextmanager
    async def write_turn(self) -> AsyncIterator[None]:
        """Wait for this process's turn to write (SQLite; PostgreSQL writers run at once).

        Publishing after the commit happens inside the turn too, so changes reach the broker
        in commit order and the realtime hub has no gaps to fill from the log."""
        if self._write_turns is None:
            yield
            return
        async with self._write_turns:
            yield

    async def let_others_write(self) -> None:
        """Between the committed chunks of a long batch held in one turn: let the writers
        waiting meanwhile go first, then wait for the turn again."""
        turns = self._write_turns
        if turns is None or not turns.locked():
            return
        turns.release()
        await turns.acquire()

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """Commit once at the end (or roll back on error), then run after-commit hooks."""
        async with self.write_turn() if write else contextlib.nullcontext():
            async with self.session(write=write) as session:
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
            await run_after_commit(session)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()


def after_commit(session: AsyncSession, hook: AfterCommit, *, once: bool = False) -> None:
    """Run ``hook`` once the session's transaction has committed (never on rollback);
    ``once``: unless it is to run already."""
    hooks: list[AfterCommit] = session.info.setdefault("after_commit", [])
    if not (once and hook in hooks):
        hooks.append(hook)


async def run_after_commit(session: AsyncSession) -> None:
    """Run the hooks in order. The transaction has committed, so a hook that fails (Redis
    unreachable for a publish) is logged and the others still run: the caller must hear that
    the write was saved, and live clients catch up from the change log (the hub re-reads its
    head every second)."""
    hooks: list[AfterCommit] = session.info.pop("after_commit", [])
    for hook in hooks:
        try:
            await hook()
        except Exception:
            log.exception("after_commit_hook_failed")


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model (SQLModel leaves the class attribute untyped)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file (``var/`` on a fresh clone)."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
