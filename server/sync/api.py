"""Offline sync routes: ``GET /sync/pull`` and ``POST /sync/push`` (see docs/sync.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from server.core.db import Database, run_after_commit
from server.core.deps import SessionDep
from server.identity.permissions import CurrentPrincipal
from server.sync import service
from server.sync.models import PullResponse, PushRequest, PushResponse

router = APIRouter(tags=["sync"])


@router.get("/sync/pull", response_model=PullResponse)
async def pull(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    since: Annotated[
        str | None, Query(description="the cursor of the last pull; 0 at first")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PULL_LIMIT)] = service.DEFAULT_PULL_LIMIT,
) -> Response:
    cursor = service.parse_cursor(since)
    body = await service.pull(request.app.state.db, session, principal, cursor, limit)
    return Response(body, media_type="application/json")


@router.post("/sync/push", response_model=PushResponse)
async def push(
    request: Request, body: PushRequest, principal: CurrentPrincipal, session: SessionDep
) -> PushResponse:
    db: Database = request.app.state.db

    async def commit() -> None:
        # The batch commits chunk by chunk (see service.push); publish each chunk's changes,
        # and let other writers in between chunks.
        await session.commit()
        await run_after_commit(session)
        await db.let_others_write()

    return PushResponse(results=await service.push(session, principal, body, commit=commit))
