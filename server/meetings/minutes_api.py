"""Routes for the minutes of a meeting: sections and their history, conflict copies,
decisions, approvals, minutes files (upload, proposal, confirm, download) and the Markdown and
DOCX exports. Included in :mod:`server.meetings.api`'s router."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response, UploadFile
from fastapi.responses import FileResponse

from server.core.db import Database
from server.core.deps import IfMatch, SessionDep, SettingsDep, client_ip
from server.core.files import blob_path
from server.core.types import Id
from server.identity import service as identity
from server.identity.idempotency import IdempotencyDep
from server.identity.permissions import require
from server.identity.service import Principal
from server.meetings import access, approvals, conflict_copies, export, minutes, service, uploads
from server.meetings.schemas import (
    ApproveRequest,
    DecisionCreate,
    DecisionRead,
    MinutesPut,
    MinutesRead,
    MinutesRevisionRead,
    MinutesWriteResult,
    SectionRead,
    UploadConfirm,
    UploadRead,
)

router = APIRouter()
Reader = Annotated[Principal, Depends(require("meetings:read"))]
Writer = Annotated[Principal, Depends(require("minutes:write"))]


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


@router.get("/meetings/{meeting_id}/minutes/history", response_model=list[MinutesRevisionRead])
async def minutes_history(
    meeting_id: Id, principal: Reader, session: SessionDep
) -> list[MinutesRevisionRead]:
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
    return await conflict_copies.resolve_conflict_copy(
        session, principal, section_id, copy_id, if_match
    )


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
    return await approvals.approve(
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
    acc = await access.access(session, principal, meeting_id)
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
