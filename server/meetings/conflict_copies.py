"""Conflict copies: an offline edit of a minutes section that overlapped a newer edit on the
server (see :mod:`server.sync`) is kept as a visible copy on its section until someone merges
it by hand and dismisses it, so that no edit is ever lost silently. Keeping or dismissing a
copy changes neither the notes nor the approvals nor the minutes version."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.changes import service as changes
from server.core.errors import NotFound, check_version
from server.core.types import utcnow
from server.identity.service import Principal
from server.meetings.access import access
from server.meetings.minutes import find_section, section_read
from server.meetings.models import MinutesSection
from server.meetings.schemas import SectionRead
from server.meetings.service import meeting_scope


async def _record_section(
    session: AsyncSession,
    section: MinutesSection,
    actor: int,
    client_id: str | None,
    mutation_id: str | None,
) -> SectionRead:
    assert section.id is not None
    read = section_read(section)
    await changes.record(
        session,
        scope=meeting_scope(section.meeting_id),
        entity="minutes_section",
        entity_id=section.id,
        op="updated",
        version=section.version,
        data={"meeting_id": section.meeting_id, **read.model_dump(mode="json")},
        actor_id=actor,
        client_id=client_id,
        mutation_id=mutation_id,
    )
    return read


async def add_conflict_copy(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    agenda_item_id: int | None,
    notes: str,
    notes_lang: str,
    base_version: int,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> SectionRead:
    """Keep an offline edit that overlapped a newer one as a visible copy on its section.
    The notes themselves (and so approvals and the minutes version) do not change."""
    acc = await access(session, principal, meeting_id)
    acc.require_editor()
    section = await find_section(session, meeting_id, agenda_item_id)
    if section is None:
        raise NotFound(f"No minutes section for agenda item {agenda_item_id}.")
    section.version += 1
    copy = {
        # The section version that holds the copy first: unique within the section.
        "id": section.version,
        "notes": notes,
        "notes_lang": notes_lang,
        "author_id": principal.user_id,
        "base_version": base_version,
        "client_id": client_id,
        "mutation_id": mutation_id,
        "created_at": utcnow().isoformat(),
    }
    # A new list, so that the JSON column is seen as changed.
    section.conflict_copies = [*section.conflict_copies, copy]
    session.add(section)
    await session.flush()
    return await _record_section(session, section, principal.user_id, client_id, mutation_id)


async def resolve_conflict_copy(
    session: AsyncSession,
    principal: Principal,
    section_id: int,
    copy_id: int,
    expected_version: int | None = None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> SectionRead:
    """Dismiss a conflict copy once its text was merged by hand (or found obsolete)."""
    section = await session.get(MinutesSection, section_id)
    if section is None:
        raise NotFound(f"No minutes section {section_id}.")
    try:
        acc = await access(session, principal, section.meeting_id)
    except NotFound:
        raise NotFound(f"No minutes section {section_id}.") from None
    acc.require_editor()
    check_version(section.version, expected_version, section_read(section).model_dump(mode="json"))
    kept = [c for c in section.conflict_copies if c.get("id") != copy_id]
    if len(kept) == len(section.conflict_copies):
        raise NotFound(f"No conflict copy {copy_id} on section {section_id}.")
    section.conflict_copies = kept
    section.version += 1
    session.add(section)
    await session.flush()
    return await _record_section(session, section, principal.user_id, client_id, mutation_id)
