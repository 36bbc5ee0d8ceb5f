"""Routes for meetings, delegations, participants, agenda, minutes (files, approvals,
exports), action items and the iCalendar export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse

from server.core.db import Database
from server.core.deps import IfMatch, Limit, SessionDep, SettingsDep, client_ip
from server.core.errors import InvalidInput
from server.core.files import blob_path
from server.core.pagination import Page
from server.core.types import MAX_ID, Id
from server.identity import service as identity
from server.identity.idempotency import IdempotencyDep
from server.identity.permissions import require
from server.identity.service import Principal
from server.meetings import actions, agenda, export, minutes, series, service, uploads
from server.meetings.models import (
    ActionItemCreate,
    ActionItemRead,
    ActionItemUpdate,
    ActionStatus,
    AgendaCreate,
    AgendaItemRead,
    AgendaReorder,
    AgendaUpdate,
    ApproveRequest,
    DecisionCreate,
    DecisionRead,
    DelegationAdd,
    MeetingCreate,
    MeetingRead,
    MeetingUpdate,
    MinutesPut,
    MinutesRead,
    MinutesWriteResult,
    ParticipantIn,
    ParticipantRead,
    ParticipantUpdate,
    RevisionRead,
    SectionRead,
    SeriesCreate,
    SeriesPage,
    SeriesRead,
    SeriesUpdate,
    UploadConfirm,
    UploadRead,
)

router = APIRouter(tags=["meetings"])
Reader = Annotated[Principal, Depends(require("meetings:read"))]
Writer = Annotated[Principal, Depends(require("minutes:write"))]
ActionWriter = Annotated[Principal, Depends(require("action_items:write"))]


async def _audit(
    request: Request, principal: Principal, action: str, meeting_id: int, **details: Any
) -> None:
    """Audit a read (download, export) in its own write transaction: the request's session
    is a read-only one."""
    db: Database = request.app.state.db
    async with db.transaction() as session:
        await identity.audit(
            session,
            action,
            actor_id=principal.user_id,
            ip=client_ip(request),
            target_type="meeting",
            target_id=meeting_id,
            **details,
        )


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
    return await service.add_delegation(session, principal, meeting_id, body.organization_id)


@router.post("/meetings/{meeting_id}/participants", status_code=201, response_model=ParticipantRead)
async def add_participant(
    meeting_id: Id, body: ParticipantIn, principal: Writer, session: SessionDep
) -> ParticipantRead:
    return await service.add_participant(session, principal, meeting_id, body.user_id, body.role)


@router.patch("/meetings/{meeting_id}/participants/{user_id}", response_model=ParticipantRead)
async def update_participant(
    meeting_id: Id,
    user_id: Id,
    body: ParticipantUpdate,
    principal: Reader,
    session: SessionDep,
    if_match: IfMatch = None,
) -> ParticipantRead:
    return await service.set_attendance(
        session, principal, meeting_id, user_id, body.attendance, if_match, role=body.role
    )


@router.delete("/meetings/{meeting_id}/participants/{user_id}", status_code=204)
async def remove_participant(
    meeting_id: Id, user_id: Id, principal: Writer, session: SessionDep
) -> None:
    await service.remove_participant(session, principal, meeting_id, user_id)


@router.get(
    "/meetings/{meeting_id}/ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
async def meeting_ics(
    meeting_id: Id, request: Request, principal: Reader, session: SessionDep
) -> Response:
    acc = await service.access(session, principal, meeting_id)
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
    await service.access(session, principal, meeting_id)
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


# ---- minutes ----------------------------------------------------------------------------


@router.get("/meetings/{meeting_id}/minutes", response_model=MinutesRead)
async def get_minutes(meeting_id: Id, principal: Reader, session: SessionDep) -> MinutesRead:
    return await minutes.get_minutes(session, principal, meeting_id)


@router.put("/meetings/{meeting_id}/minutes", response_model=MinutesWriteResult)
async def put_minutes(
    meeting_id: Id,
    body: MinutesPut,
    principal: Writer,
    session: SessionDep,
    if_match: IfMatch = None,
) -> MinutesWriteResult:
    return await minutes.put_minutes(session, principal, meeting_id, body, if_match)


@router.get("/meetings/{meeting_id}/minutes/history", response_model=list[RevisionRead])
async def minutes_history(
    meeting_id: Id, principal: Reader, session: SessionDep
) -> list[RevisionRead]:
    return await minutes.history(session, principal, meeting_id)


@router.delete("/minutes-sections/{section_id}/conflicts/{copy_id}", response_model=SectionRead)
async def resolve_conflict_copy(
    section_id: Id,
    copy_id: Id,
    principal: Writer,
    session: SessionDep,
    if_match: IfMatch = None,
) -> SectionRead:
    """Dismiss an offline edit kept as a conflict copy (after merging it by hand)."""
    return await minutes.resolve_conflict_copy(session, principal, section_id, copy_id, if_match)


@router.post("/meetings/{meeting_id}/decisions", status_code=201, response_model=DecisionRead)
async def create_decision(
    meeting_id: Id,
    body: DecisionCreate,
    principal: Writer,
    session: SessionDep,
    idem: IdempotencyDep,
    if_match: IfMatch = None,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    decision, _ = await minutes.create_decision(session, principal, meeting_id, body, if_match)
    return await idem.remember(principal, 201, decision)


@router.post("/meetings/{meeting_id}/minutes/approve", response_model=MinutesRead)
async def approve_minutes(
    meeting_id: Id,
    request: Request,
    principal: Writer,
    session: SessionDep,
    body: ApproveRequest | None = None,
    if_match: IfMatch = None,
) -> MinutesRead:
    return await minutes.approve(
        session,
        principal,
        meeting_id,
        body.organization_id if body else None,
        if_match,
        ip=client_ip(request),
    )


@router.post("/meetings/{meeting_id}/minutes/upload", status_code=201, response_model=UploadRead)
async def upload_minutes(
    meeting_id: Id,
    file: UploadFile,
    principal: Writer,
    session: SessionDep,
    settings: SettingsDep,
) -> UploadRead:
    data = await file.read()
    return await uploads.upload(
        session,
        principal,
        meeting_id,
        file.filename or "minutes",
        data,
        data_dir=settings.data_dir,
        max_upload_bytes=settings.max_upload_bytes,
    )


@router.get("/meetings/{meeting_id}/minutes/uploads/{upload_id}", response_model=UploadRead)
async def get_upload(
    meeting_id: Id, upload_id: Id, principal: Reader, session: SessionDep
) -> UploadRead:
    return uploads.upload_read(await uploads.get_upload(session, principal, meeting_id, upload_id))


@router.post(
    "/meetings/{meeting_id}/minutes/uploads/{upload_id}/confirm",
    response_model=MinutesWriteResult,
)
async def confirm_upload(
    meeting_id: Id,
    upload_id: Id,
    principal: Writer,
    session: SessionDep,
    body: UploadConfirm | None = None,
    if_match: IfMatch = None,
) -> MinutesWriteResult:
    return await uploads.confirm_upload(
        session, principal, meeting_id, upload_id, body or UploadConfirm(), if_match
    )


@router.get(
    "/meetings/{meeting_id}/minutes/uploads/{upload_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def download_upload(
    meeting_id: Id,
    upload_id: Id,
    request: Request,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
) -> FileResponse:
    record = await uploads.get_upload(session, principal, meeting_id, upload_id)
    await _audit(
        request,
        principal,
        "minutes.downloaded",
        meeting_id,
        upload_id=upload_id,
        sha256=record.sha256,
    )
    return FileResponse(
        blob_path(settings.data_dir, record.sha256),
        media_type=record.content_type,
        filename=record.filename,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )


_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "/meetings/{meeting_id}/minutes/export",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                _DOCX: {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
async def export_minutes(
    meeting_id: Id,
    request: Request,
    principal: Reader,
    session: SessionDep,
    format: Literal["md", "docx"] = "md",
) -> Response:
    acc = await service.access(session, principal, meeting_id)
    read = await minutes.minutes_read(session, acc.meeting)
    items = await service.agenda_items(session, meeting_id)
    await _audit(
        request,
        principal,
        "minutes.exported",
        meeting_id,
        format=format,
        minutes_version=read.version,
        amendment=read.amendment,
    )
    name = f"minutes-{meeting_id}-v{read.version}"
    if format == "docx":
        return Response(
            export.minutes_docx(acc.meeting, read, items),
            media_type=_DOCX,
            headers={"Content-Disposition": f'attachment; filename="{name}.docx"'},
        )
    return Response(
        export.minutes_markdown(acc.meeting, read, items),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.md"'},
    )


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
