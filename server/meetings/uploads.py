"""Minutes files: a secretary uploads DOCX, PDF, HWPX or Markdown; the extracted sections are
proposed against the agenda; confirming writes them as the minutes (through
:mod:`server.meetings.minutes`, so approvals and history follow the same rules)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.changes import service as changes
from server.core.errors import AppError, Conflict, InvalidInput, NotFound
from server.core.files import client_filename, max_file_bytes, sniff_content_type, store_blob
from server.identity.service import Principal
from server.meetings import minutes
from server.meetings import service as meetings
from server.meetings.access import access
from server.meetings.extraction import ExtractionError, extract, map_sections_to_agenda
from server.meetings.models import MinutesUpload
from server.meetings.schemas import (
    MAX_NOTES_CHARS,
    MinutesPut,
    MinutesWriteResult,
    ProposedSection,
    SectionPut,
    UploadConfirm,
    UploadRead,
)
from server.meetings.service import meeting_scope


def upload_read(upload: MinutesUpload) -> UploadRead:
    proposal = upload.proposal
    return UploadRead(
        id=upload.id or 0,
        meeting_id=upload.meeting_id,
        filename=upload.filename,
        content_type=upload.content_type,
        kind=upload.kind,
        size=upload.size,
        sha256=upload.sha256,
        status=upload.status,
        title=proposal.get("title"),
        warnings=list(proposal.get("warnings", [])),
        sections=[ProposedSection.model_validate(s) for s in proposal.get("sections", [])],
        created_at=upload.created_at,
    )


async def upload(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    filename: str,
    data: bytes,
    *,
    data_dir: Path,
    max_upload_bytes: int,
) -> UploadRead:
    """Keep the file, extract its sections and propose which agenda item each belongs to.
    Nothing of the minutes changes until the proposal is confirmed. A refused file writes
    nothing (not even the blob)."""
    acc = await access(session, principal, meeting_id)
    acc.require_editor()
    if acc.meeting.status not in minutes.WRITABLE_STATUSES:
        raise Conflict(
            f"Minutes cannot be written while the meeting is {acc.meeting.status}.",
            code="minutes_not_open",
        )
    name = client_filename(filename, "minutes")
    try:
        document = await asyncio.to_thread(
            extract, data, name, max_bytes=max_file_bytes(max_upload_bytes)
        )
    except ExtractionError as error:
        raise AppError(
            f"The file was refused: {error.detail}.",
            code=error.code,
            status=413 if error.code == "file_too_large" else 422,
        ) from None
    items = await meetings.agenda_items(session, meeting_id)
    mapping = map_sections_to_agenda(document.sections, [i.title for i in items])
    sections = [
        ProposedSection(
            index=n,
            heading=s.heading,
            level=s.level,
            text=s.text,
            agenda_item_id=items[m.agenda_index].id if m.agenda_index is not None else None,
            method=m.method,
            score=m.score,
        )
        for n, (s, m) in enumerate(zip(document.sections, mapping, strict=True))
    ]
    digest = await asyncio.to_thread(store_blob, data_dir, data)
    record = MinutesUpload(
        meeting_id=meeting_id,
        uploader_id=principal.user_id,
        filename=name,
        content_type=sniff_content_type(data),
        kind=document.kind,
        size=len(data),
        sha256=digest,
        proposal={
            "title": document.title,
            "warnings": document.warnings,
            "sections": [s.model_dump(mode="json") for s in sections],
        },
    )
    session.add(record)
    await session.flush()
    assert record.id is not None
    read = upload_read(record)
    await changes.record(
        session,
        scope=meeting_scope(meeting_id),
        entity="minutes_upload",
        entity_id=record.id,
        op="created",
        version=record.version,
        data=read.model_dump(mode="json", exclude={"sections"}),
        actor_id=principal.user_id,
    )
    return read


async def get_upload(
    session: AsyncSession, principal: Principal, meeting_id: int, upload_id: int
) -> MinutesUpload:
    await access(session, principal, meeting_id)
    record = await session.get(MinutesUpload, upload_id)
    if record is None or record.meeting_id != meeting_id:
        raise NotFound(f"No upload {upload_id} in meeting {meeting_id}.")
    return record


def _compose(sections: list[dict[str, Any]]) -> str:
    """The notes of one agenda item from its sections: the first heading is the item itself;
    deeper headings stay as Markdown headings."""
    parts: list[str] = []
    for n, section in enumerate(sections):
        heading = section.get("heading")
        if heading and (n > 0 or section.get("agenda_item_id") is None):
            parts.append(f"#### {heading}")
        if section.get("text"):
            parts.append(str(section["text"]))
    return "\n\n".join(parts)


async def confirm_upload(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    upload_id: int,
    data: UploadConfirm,
    expected_version: int | None,
) -> MinutesWriteResult:
    """Apply an upload's proposal (or the secretary's reassignment) to the minutes."""
    record = await get_upload(session, principal, meeting_id, upload_id)
    if record.status != "proposed":
        raise Conflict(f"Upload {upload_id} was already applied.", code="upload_already_applied")
    sections: list[dict[str, Any]] = [dict(s) for s in record.proposal.get("sections", [])]
    if data.assignments is not None:
        for assignment in data.assignments:
            if assignment.section_index >= len(sections):
                raise InvalidInput(
                    f"No section {assignment.section_index} in this upload.",
                    code="unknown_section",
                    errors=[{"field": "assignments", "message": "section_index out of range"}],
                )
            await minutes.agenda_item_of(session, meeting_id, assignment.agenda_item_id)
            sections[assignment.section_index]["agenda_item_id"] = assignment.agenda_item_id
    grouped: dict[int | None, list[dict[str, Any]]] = {}
    for section in sections:
        grouped.setdefault(section.get("agenda_item_id"), []).append(section)
    composed = [(item_id, _compose(parts)) for item_id, parts in grouped.items()]
    too_long = [item_id for item_id, text in composed if len(text) > MAX_NOTES_CHARS]
    if too_long:
        # Checked here: the proposal is ours, so a too-long section must be a clear 422 for
        # the secretary (split it across agenda items), not a validation crash.
        raise InvalidInput(
            f"Sections for agenda items {too_long} exceed {MAX_NOTES_CHARS} characters.",
            code="section_too_long",
            errors=[{"field": "assignments", "message": f"over {MAX_NOTES_CHARS} characters"}],
        )
    puts = [
        SectionPut(agenda_item_id=item_id, notes=text, notes_lang=data.notes_lang)
        for item_id, text in composed
        if text.strip()
    ]
    if not puts:
        raise InvalidInput("The upload has no text to apply.", code="empty_document")
    result = await minutes.put_minutes(
        session,
        principal,
        meeting_id,
        MinutesPut(sections=puts),
        expected_version,
        reason=f"upload {upload_id}",
    )
    record.status = "applied"
    record.version += 1
    session.add(record)
    await session.flush()
    await changes.record(
        session,
        scope=meeting_scope(meeting_id),
        entity="minutes_upload",
        entity_id=upload_id,
        op="updated",
        version=record.version,
        data=upload_read(record).model_dump(mode="json", exclude={"sections"}),
        actor_id=principal.user_id,
    )
    return result
