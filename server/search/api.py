"""GET /search: ranked, highlighted hits among what the caller may see."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from server.core.deps import SessionDep
from server.discussion import service as discussion
from server.identity.permissions import require
from server.identity.service import Principal
from server.search import service
from server.search.models import SearchHit

router = APIRouter(tags=["search"])
Reader = Annotated[Principal, Depends(require("messages:read"))]
_KINDS = {
    "messages": ("message", "thread"),
    "meetings": ("meeting",),
    "all": ("message", "thread", "meeting"),
}


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]


@router.get("/search", response_model=SearchResults)
async def search(
    principal: Reader,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    kind: Literal["messages", "meetings", "all"] = "all",
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
) -> SearchResults:
    channel_ids = await discussion.visible_channel_ids(session, principal)
    hits = await service.search(
        session, q, kinds=_KINDS[kind], channel_ids=channel_ids, limit=limit
    )
    return SearchResults(query=q, items=hits)
