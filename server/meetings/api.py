"""Routes for meetings, delegations, participants, agenda, action items, meeting series and
the iCalendar export; the minutes' routes (files, approvals, exports) are in
:mod:`server.meetings.minutes_api`, included here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from server.core.deps import IfMatch, Limit, SessionDep
from server.core.errors import InvalidInput
from server.core.pagination import Page
from server.core.types import MAX_ID, Id
from server.identity.idempotency import IdempotencyDep
from server.identity.permissions import require
from server.identity.service import Principal
from server.meetings import (
    access,
    actions,
    agenda,
    export,
    minutes_api,
    participants,
    series,
    service,
)
from server.meetings.schemas import (
    ActionItemCreate,
    ActionItemRead,
    ActionItemUpdate,
    ActionStatus,
    AgendaCreate,
    AgendaItemRead,
    AgendaReorder,
    AgendaUpdate,
    DelegationAdd,
    MeetingCreate,
    MeetingRead,
    MeetingUpdate,
    ParticipantIn,
    ParticipantRead,
    ParticipantUpdate,
    SeriesCreate,
    SeriesPage,
    SeriesRead,
    SeriesUpdate,
)

router = APIRouter(tags=["meetings"])
Reader = Annotated[Principal, Depends(require("meetings:read"))]
Writer = Annotated[Principal, Depends(require("minutes:write"))]
ActionWriter = Annotated[Principal, Depends(require("action_items:write"))]


# ---- meetings ---------------------------------------------------------------------------


@router.post("/meetings", status_code=201, response_model=MeetingRead)
async def create_meeting(
    body: MeetingCreate, principal: Writer, session: SessionDep, idem: IdempotencyDep
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    meeting = await service.create_meeting(session, principal, body)
    return await idem.remember(
        principal, 201, await service.get_meeting(session, principal, meeting.id)
    )


@router.get("/meetings", response_model=Page[MeetingRead])
async def list_meetings(
    principal: Reader,
    session: SessionDep,
    channel_id: Id | None = None,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[MeetingRead]:
    items, next_cursor = await service.list_meetings(
        session, principal, cursor=cursor, limit=limit, channel_id=channel_id
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/meetings/{meeting_id}", response_model=MeetingRead)
async def get_meeting(meeting_id: Id, principal: Reader, session: SessionDep) -> MeetingRead:
    return await service.get_meeting(session, principal, meeting_id)


@router.patch("/meetings/{meeting_id}", response_model=MeetingRead)
async def update_meeting(
    meeting_id: Id,
    body: MeetingUpdate,
    principal: Writer,
    session: SessionDep,
    if_match: IfMatch = None,
) -> MeetingRead:
    return await service.update_meeting(session, principal, meeting_id, body, if_match)


@router.post("/meetings/{meeting_id}/delegations", status_code=201, response_model=MeetingRead)
async def add_delegation(
    meeting_id: Id, body: DelegationAdd, principal: Writer, session: SessionDep
) -> MeetingRead:
    return await participants.add_delegation(session, principal, meeting_id, body.organization_id)


@router.post("/meetings/{meeting_id}/participants", status_code=201, response_model=ParticipantRead)
async def add_participant(
    meeting_id: Id, body: ParticipantIn, principal: Writer, session: SessionDep
) -> ParticipantRead:
    return await participants.add_participant(
        session, principal, meeting_id, body.user_id, body.role
    )


@router.patch("/meetings/{meeting_id}/participants/{user_id}", response_model=ParticipantRead)
async def update_participant(
    meeting_id: Id,
    user_id: Id,
    body: ParticipantUpdate,
    principal: Reader,
    session: SessionDep,
    if_match: IfMatch = None,
) -> ParticipantRead:
    return await participants.set_attendance(
        session, principal, meeting_id, user_id, body.attendance, if_match, role=body.role
    )


@router.delete("/meetings/{meeting_id}/participants/{user_id}", status_code=204)
async def remove_participant(
    meeting_id: Id, user_id: Id, principal: Writer, session: SessionDep
) -> None:
    await participants.remove_participant(session, principal, meeting_id, user_id)


@router.get(
    "/meetings/{meeting_id}/ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
async def meeting_ics(
    meeting_id: Id, request: Request, principal: Reader, session: SessionDep
) -> Response:
    acc = await access.access(session, principal, meeting_id)
    data = await export.meeting_ics(session, acc.meeting, request.url.hostname or "gyoryu")
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting_id}.ics"'},
    )


# ---- agenda -----------------------------------------------------------------------------


@router.post("/meetings/{meeting_id}/agenda", status_code=201, response_model=AgendaItemRead)
async def create_agenda_item(
    meeting_id: Id,
    body: AgendaCreate,
    principal: Writer,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    item = await agenda.create_agenda_item(session, principal, meeting_id, body)
    return await idem.remember(principal, 201, item)


@router.get("/meetings/{meeting_id}/agenda", response_model=list[AgendaItemRead])
async def list_agenda(
    meeting_id: Id, principal: Reader, session: SessionDep
) -> list[AgendaItemRead]:
    await access.access(session, principal, meeting_id)
    return [service.agenda_read(i) for i in await service.agenda_items(session, meeting_id)]


@router.put("/meetings/{meeting_id}/agenda/order", response_model=list[AgendaItemRead])
async def reorder_agenda(
    meeting_id: Id,
    body: AgendaReorder,
    principal: Writer,
    session: SessionDep,
    if_match: IfMatch = None,
) -> list[AgendaItemRead]:
    return await agenda.reorder_agenda(session, principal, meeting_id, body.item_ids, if_match)


@router.patch("/agenda-items/{item_id}", response_model=AgendaItemRead)
async def update_agenda_item(
    item_id: Id,
    body: AgendaUpdate,
    principal: Writer,
    session: SessionDep,
    if_match: IfMatch = None,
) -> AgendaItemRead:
    return await agenda.update_agenda_item(session, principal, item_id, body, if_match)


@router.delete("/agenda-items/{item_id}", status_code=204)
async def delete_agenda_item(
    item_id: Id, principal: Writer, session: SessionDep, if_match: IfMatch = None
) -> None:
    await agenda.delete_agenda_item(session, principal, item_id, if_match)


# ---- minutes: their routes are in minutes_api.py, included here to keep the routes' order

router.include_router(minutes_api.router)


# ---- action items -----------------------------------------------------------------------


@router.post("/meetings/{meeting_id}/action-items", status_code=201, response_model=ActionItemRead)
async def create_action_item(
    meeting_id: Id,
    body: ActionItemCreate,
    principal: ActionWriter,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    item = await actions.create_action_item(session, principal, meeting_id, body)
    return await idem.remember(principal, 201, item)


@router.get("/meetings/{meeting_id}/action-items", response_model=list[ActionItemRead])
async def meeting_action_items(
    meeting_id: Id, principal: Reader, session: SessionDep
) -> list[ActionItemRead]:
    return await actions.meeting_action_items(session, principal, meeting_id)


@router.get("/action-items", response_model=Page[ActionItemRead])
async def list_action_items(
    principal: Reader,
    session: SessionDep,
    owner: Annotated[str | None, Query(pattern=r"^(me|[1-9][0-9]{0,9})$")] = None,
    organization_id: Id | None = None,
    status: ActionStatus | None = None,
    overdue: bool | None = None,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[ActionItemRead]:
    owner_id = None if owner is None else principal.user_id if owner == "me" else int(owner)
    if owner_id is not None and owner_id > MAX_ID:
        raise InvalidInput(
            f"No user can have the id {owner}.",
            errors=[{"field": "owner", "message": f"me, or a user id up to {MAX_ID}"}],
        )
    items, next_cursor = await actions.list_action_items(
        session,
        principal,
        owner_id=owner_id,
        organization_id=organization_id,
        status=status,
        overdue=overdue,
        cursor=cursor,
        limit=limit,
    )
    return Page(items=items, next_cursor=next_cursor)


@router.patch("/action-items/{item_id}", response_model=ActionItemRead)
async def update_action_item(
    item_id: Id,
    body: ActionItemUpdate,
    principal: ActionWriter,
    session: SessionDep,
    if_match: IfMatch = None,
) -> ActionItemRead:
    return await actions.update_action_item(session, principal, item_id, body, if_match)


# ---- meeting series ---------------------------------------------------------------------


@router.post("/meeting-series", status_code=201, response_model=SeriesRead)
async def create_series(
    body: SeriesCreate, principal: Reader, session: SessionDep, idem: IdempotencyDep
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    return await idem.remember(principal, 201, await series.create_series(session, principal, body))


@router.get("/meeting-series", response_model=Page[SeriesRead])
async def list_series(
    principal: Reader, session: SessionDep, cursor: str | None = None, limit: Limit = None
) -> Page[SeriesRead]:
    items, next_cursor = await series.list_series(session, principal, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/meeting-series/{series_id}", response_model=SeriesPage)
async def series_page(series_id: Id, principal: Reader, session: SessionDep) -> SeriesPage:
    """The series with every meeting, decision and open action item the reader may see."""
    return await series.series_page(session, principal, series_id)


@router.patch("/meeting-series/{series_id}", response_model=SeriesRead)
async def update_series(
    series_id: Id,
    body: SeriesUpdate,
    principal: Reader,
    session: SessionDep,
    if_match: IfMatch = None,
) -> SeriesRead:
    return await series.update_series(session, principal, series_id, body, if_match)
