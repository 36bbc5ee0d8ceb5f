"""GET /search: ranked, highlighted hits among what the caller may see, a page at a time."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from server.core.deps import SessionDep
from server.core.errors import Forbidden, InvalidInput, NotFound
from server.core.pagination import decode_cursor, encode_cursor
from server.core.types import MAX_ID
from server.discussion import service as discussion
from server.identity.permissions import require
from server.identity.service import Principal
from server.meetings import access as meetings
from server.search import service
from server.search.models import SearchHit

router = APIRouter(tags=["search"])
# Scopes are checked per kind below: a bot with meetings:read only may search meetings.
Reader = Annotated[Principal, Depends(require())]
_KINDS = {
    "messages": ("message", "thread"),
    "meetings": ("meeting",),
    "all": ("message", "thread", "meeting"),
}


# Hits are ranked, so a page is an offset into the ranking (kept in an opaque cursor, like
# every list's); nobody reads past the thousandth hit, and the database ranks them all anyway.
MAX_OFFSET = 1000


class SearchResults(BaseModel):
    query: str
    items: list[SearchHit]
    next_cursor: str | None = None


@router.get("/search", response_model=SearchResults)
async def search(
    principal: Reader,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    kind: Literal["messages", "meetings", "all"] = "all",
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    cursor: str | None = None,
    channel_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="only this channel's messages and threads")
    ] = None,
) -> SearchResults:
    offset = decode_cursor(cursor, MAX_OFFSET) or 0
    if channel_id is not None:
        if kind == "meetings":
            raise InvalidInput(
                "channel_id narrows a search of messages; meetings are not filed in channels.",
                code="bad_filter",
            )
        kind = "messages"
    kinds = _KINDS[kind]
    may_read_messages = "message" in kinds and principal.has_scope("messages:read")
    may_read_meetings = "meeting" in kinds and principal.has_scope("meetings:read")
    if not (may_read_messages or may_read_meetings):
        needed = "messages:read" if kind != "meetings" else "meetings:read"
        raise Forbidden(f"This token lacks the scope {needed!r}.", code="missing_scope")
    channel_ids = (
        await discussion.visible_channel_ids(session, principal) if may_read_messages else []
    )
    if channel_id is not None:
        if channel_id not in channel_ids:  # as for every route: unseen is nonexistent
            raise NotFound(f"No channel {channel_id}.")
        channel_ids = [channel_id]
    # Meetings are indexed under the meeting only, so only those who see it find it.
    meeting_ids = (
        await meetings.visible_meeting_ids(session, principal) if may_read_meetings else []
    )
    page = await service.search(
        session,
        q,
        kinds=kinds,
        channel_ids=channel_ids,
        meeting_ids=meeting_ids,
        limit=limit,
        offset=offset,
    )
    more = page.more and offset + limit < MAX_OFFSET
    next_cursor = encode_cursor(offset + limit) if more else None
    return SearchResults(query=q, items=page.hits, next_cursor=next_cursor)
