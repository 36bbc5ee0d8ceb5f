"""Shared fixtures: a fresh database built from the migrations for every test, on the backend
named by GYORYU_TEST_DB (``sqlite``, the default, or ``postgres``), and the real app on it.

SQLite: the migrated template file is copied per test. PostgreSQL: a template database is
migrated once per run, and each test gets ``CREATE DATABASE ... TEMPLATE`` of it, dropped after.
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import uuid
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from server.app import create_app
from server.cli import migrate
from server.core.config import Settings
from server.identity import service as identity_service

BACKEND = os.environ.get("GYORYU_TEST_DB", "sqlite")
PG_DSN = os.environ.get("GYORYU_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_HOST_URL = os.environ.get("GYORYU_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")
RUN_ID = uuid.uuid4().hex[:8]
REDIS_HOST_URL = os.environ.get("GYORYU_TEST_REDIS_URL", "redis://127.0.0.1:6379")


def redis_test_url(*, other: bool = False) -> str:
    """A Redis database of this run's own (``other``: a second one, also its own).

    Pub/sub channels are global to a Redis server, so the broker names them after the database
    number; a database per run keeps runs side by side (``make test`` runs the SQLite and the
    PostgreSQL suites at once) from hearing each other's changes. SQLite runs use databases
    1-7 and PostgreSQL runs 8-14, so the two suites of one ``make test`` never meet."""
    first = 1 if BACKEND == "sqlite" else 8
    offset = zlib.crc32(RUN_ID.encode()) % 7
    if other:
        offset = (offset + 1) % 7
    return f"{REDIS_HOST_URL}/{first + offset}"


def pytest_report_header() -> str:
    return f"gyoryu test database backend: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND != "postgres":
        skip = pytest.mark.skip(reason="PostgreSQL-only test (run with GYORYU_TEST_DB=postgres)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


async def _pg_execute(*statements: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the migrations once; yield a SQLite file path or a PostgreSQL database name."""
    if BACKEND == "postgres":
        name = f"gyoryu_tpl_{RUN_ID}"
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
        migrate(Settings(database_url=f"{PG_HOST_URL}/{name}"))
        yield name
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        migrate(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
        yield str(path)


@pytest.fixture(autouse=True, scope="session")
def _hash_each_password_once() -> Iterator[None]:
    """argon2 takes about 0.15 s a hash on the 2-core machine, and almost every test makes
    several users with the same password: hash each password once per run. The hashes are
    still real argon2 hashes, checked by the real verification at login."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            identity_service, "hash_password", functools.lru_cache(identity_service.hash_password)
        )
        yield


@pytest.fixture
async def database_url(template_database: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    if BACKEND == "postgres":
        name = f"gyoryu_t_{RUN_ID}_{uuid.uuid4().hex[:10]}"
        await _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield f"{PG_HOST_URL}/{name}"
        await _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "gyoryu.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        web_dist=tmp_path / "no-web-build",
        demo=False,
        redis_url=None,
        log_level="WARNING",
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class LiveServer:
    def __init__(self, app: FastAPI, server: uvicorn.Server, port: int) -> None:
        self.app = app
        self.server = server
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}/api/v1/ws"


@pytest.fixture
async def live_server(settings: Settings) -> AsyncIterator[LiveServer]:
    """The real app served by uvicorn on a free port, in this test's event loop."""
    application = create_app(settings)
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        log_level="warning",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(application, server, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
