"""What the in-process benchmarks share: the app on a fresh, migrated database (SQLite in a
scratch folder, or a PostgreSQL database dropped and created anew, and dropped afterwards),
and timing a GET."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from server.app import create_app
from server.cli import migrate
from server.core.config import Settings

# The server of `make test` and `make bench` (scripts/ensure-services.sh starts it).
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/gyoryu_bench"


@asynccontextmanager
async def fresh_database(url: str, folder: str) -> AsyncIterator[str]:
    """``url`` empty: a new SQLite file in ``folder``. A PostgreSQL URL: the database it names,
    dropped if it exists, created empty, and dropped when the phase ends."""
    if not url:
        yield f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    parsed = make_url(url)
    name = parsed.database
    if not name or not parsed.drivername.startswith("postgresql"):
        raise ValueError(f"Expected a PostgreSQL URL naming a database, not {url!r}")
    server = parsed.set(drivername="postgresql", database="postgres")
    admin = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def app_on_fresh_database(database_url: str, **settings: Any) -> AsyncIterator[FastAPI]:
    """The app, migrated and started, on :func:`fresh_database` (``settings`` override the
    defaults: no demo data, warnings only)."""
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_database(database_url, folder) as url:
            app_settings = Settings(
                database_url=url,
                demo=False,
                data_dir=Path(folder) / "data",
                web_dist=Path(folder) / "no-web",
                log_level="WARNING",
                **settings,
            )
            await asyncio.to_thread(migrate, app_settings)
            app = create_app(app_settings)
            async with app.router.lifespan_context(app):
                yield app


def client(app: FastAPI, token: str, timeout: float = 120) -> httpx.AsyncClient:
    """In-process HTTP to ``app`` as the holder of ``token``."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )


async def time_get(
    http: httpx.AsyncClient, path: str, params: dict[str, Any], repeat: int
) -> tuple[httpx.Response, float, float]:
    """One warm-up GET, then ``repeat`` timed ones: the last response, and the median and
    95th-percentile times in ms."""
    (await http.get(path, params=params)).raise_for_status()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await http.get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    return response, round(statistics.median(timings), 1), round(p95, 1)
