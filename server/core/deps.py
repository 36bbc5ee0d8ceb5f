"""Request-scoped dependencies shared by every domain's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.config import Settings
from server.core.db import Database

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once when the route returns, before the response
    is sent: a client told "saved" can rely on it. After-commit hooks (publishing new changes)
    run only once the commit succeeded."""
    db: Database = request.app.state.db
    async with db.transaction(write=request.method not in _READ_METHODS) as session:
        session.info.update(request.app.state.session_info)
        yield session


# scope="function": the commit above runs when the route returns, not after the response.
SessionDep = Annotated[AsyncSession, Depends(db_session, scope="function")]


async def get_settings_dep(request: Request) -> Settings:
    # async: FastAPI would run a plain function in its thread pool, a thread hop per request.
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


# ``If-Match: <version>`` on updates (412 with the current state when stale).
IfMatch = Annotated[int | None, Header(alias="If-Match")]
# ``limit`` of a cursor-paginated list.
Limit = Annotated[int | None, Query(ge=1, le=200)]
