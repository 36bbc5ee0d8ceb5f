"""A fresh, empty database for one benchmark phase: SQLite in a scratch folder, or a
PostgreSQL database dropped and created anew (and dropped afterwards)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url

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
