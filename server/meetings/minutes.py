"""Minutes: sections per agenda item (Markdown notes, versions, full history), decisions, and
the minutes as one document (state, approvals, delegations still to approve).

Minutes can be written once the meeting is ``in_progress`` (also ``held``, ``minutes_review``
and ``approved``), by participants other than observers. Every change goes through
``_begin_change`` and ``_finish_change``, which withdraw approvals or open the next amendment
by the rules of :mod:`server.meetings.approvals` (where delegations approve). Offline edits
that could not be merged are kept in :mod:`server.meetings.conflict_copies`; minutes files
(upload -> proposal -> confirm) are in :mod:`server.meetings.uploads`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Conflict, InvalidInput, check_version
from server.core.types import utcnow
from server.discussion.markdown import render_markdown
from server.identity.service import Principal
from server.meetings import service as meetings
from server.meetings.access import MeetingAccess, access, delegation_ids
from server.meetings.models import (
    AgendaItem,
    Approval,
    Decision,
    Meeting,
    MinutesRevision,
    MinutesSection,
)
from server.meetings.schemas import (
    ApprovalRead,
    DecisionCreate,
    DecisionRead,
    MinutesPut,
    MinutesRead,
    MinutesRevisionRead,
    MinutesWriteResult,
    SectionPut,
    SectionRead,
)
from server.meetings.service import meeting_scope

WRITABLE_STATUSES = frozenset({"in_progress", "held", "minutes_review", "approved"})


# ---- reading ----------------------------------------------------------------------------


def section_read(section: MinutesSection) -> SectionRead:
    return SectionRead.model_validate(section.model_dump())


def decision_read(decision: Decision) -> DecisionRead:
    return DecisionRead.model_validate(decision.model_dump())


def approval_read(approval: Approval) -> ApprovalRead:
    return ApprovalRead.model_validate(approval.model_dump())


async def _sections(session: AsyncSession, meeting_id: int) -> list[MinutesSection]:
    rows = await session.execute(
        select(MinutesSection)
        .where(col(MinutesSection.meeting_id) == meeting_id)
        .order_by(col(MinutesSection.id))
    )
    return list(rows.scalars())


async def active_approvals(session: AsyncSession, meeting: Meeting) -> list[Approval]:
    rows = await session.execute(
        select(Approval)
        .where(
            col(Approval.meeting_id) == meeting.id,
            col(Approval.amendment) == meeting.minutes_amendment,
            col(Approval.withdrawn_at).is_(None),
        )
        .order_by(col(Approval.id))
    )
    return list(rows.scalars())


async def minutes_read(session: AsyncSession, meeting: Meeting) -> MinutesRead:
    assert meeting.id is not None
    order = {i.id: n for n, i in enumerate(await meetings.agenda_items(session, meeting.id))}
    sections = sorted(
        await _sections(session, meeting.id),
        key=lambda s: -1 if s.agenda_item_id is None else order.get(s.agenda_item_id, 10**6),
    )
    decisions = await session.execute(
        select(Decision).where(col(Decision.meeting_id) == meeting.id).order_by(col(Decision.id))
    )
    approvals = await active_approvals(session, meeting)
    delegations = await delegation_ids(session, meeting.id)
    approved_orgs = {a.organization_id for a in approvals}
    if meeting.approved_amendment == meeting.minutes_amendment:
        state = "approved"
    elif approvals:
        state = "in_review"
    else:
        state = "draft"
    return MinutesRead(
        meeting_id=meeting.id,
        status=meeting.status,
        version=meeting.minutes_version,
        amendment=meeting.minutes_amendment,
        state=state,
        sections=[section_read(s) for s in sections],
        decisions=[decision_read(d) for d in decisions.scalars()],
        approvals=[approval_read(a) for a in approvals],
        pending_organization_ids=[o for o in delegations if o not in approved_orgs],
        approved_amendment=meeting.approved_amendment,
    )


async def get_minutes(session: AsyncSession, principal: Principal, meeting_id: int) -> MinutesRead:
    return await minutes_read(session, (await access(session, principal, meeting_id)).meeting)


async def history(
    session: AsyncSession, principal: Principal, meeting_id: int
) -> list[MinutesRevisionRead]:
    await access(session, principal, meeting_id)
    rows = await session.execute(
        select(MinutesRevision)
        .where(col(MinutesRevision.meeting_id) == meeting_id)
        .order_by(col(MinutesRevision.id))
    )
    return [MinutesRevisionRead.model_validate(r.model_dump()) for r in rows.scalars()]


# ---- the effect of a change on approvals ------------------------------------------------


class _Effects:
    def __init__(self) -> None:
        self.withdrawn: list[Approval] = []
        self.amendment_opened = False


async def _begin_change(
    session: AsyncSession,
    acc: MeetingAccess,
    actor: int,
    reason: str,
    *,
    client_id: str | None,
    mutation_id: str | None,
) -> _Effects:
    """Check that the caller may change the minutes now, withdraw approvals or open an
    amendment, and bump the minutes version."""
    acc.require_editor()
    meeting = acc.meeting
    if meeting.status not in WRITABLE_STATUSES:
        raise Conflict(
            f"Minutes cannot be written while the meeting is {meeting.status}.",
            code="minutes_not_open",
        )
    effects = _Effects()
    if meeting.approved_amendment == meeting.minutes_amendment:
        meeting.minutes_amendment += 1
        effects.amendment_opened = True
    else:
        now = utcnow()
        for approval in await active_approvals(session, meeting):
            approval.withdrawn_at = now
            approval.withdrawn_reason = f"minutes changed: {reason}"[:200]
            approval.version += 1
            session.add(approval)
            effects.withdrawn.append(approval)
    meeting.minutes_version += 1
    await meetings.touch(session, meeting)
    for approval in effects.withdrawn:
        await record_approval(session, approval, "updated", actor, client_id, mutation_id)
    return effects


async def _finish_change(
    session: AsyncSession,
    acc: MeetingAccess,
    actor: int,
    effects: _Effects,
    reason: str,
    *,
    client_id: str | None,
    mutation_id: str | None,
) -> MinutesWriteResult:
    meeting = acc.meeting
    assert meeting.id is not None
    withdrawn = [approval_read(a) for a in effects.withdrawn]
    await changes.record(
        session,
        scope=meeting_scope(meeting.id),
        entity="minutes",
        entity_id=meeting.id,
        op="updated",
        version=meeting.minutes_version,
        data={
            "meeting_id": meeting.id,
            "version": meeting.minutes_version,
            "amendment": meeting.minutes_amendment,
            "reason": reason,
            "withdrawn_approvals": [a.model_dump(mode="json") for a in withdrawn],
            "amendment_opened": effects.amendment_opened,
        },
        actor_id=actor,
        client_id=client_id,
        mutation_id=mutation_id,
    )
    await meetings.reindex(session, meeting)
    read = await minutes_read(session, meeting)
    return MinutesWriteResult(
        **read.model_dump(),
        withdrawn_approvals=withdrawn,
        amendment_opened=effects.amendment_opened,
    )


async def record_approval(
    session: AsyncSession,
    approval: Approval,
    op: str,
    actor: int,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> None:
    assert approval.id is not None
    await changes.record(
        session,
        scope=meeting_scope(approval.meeting_id),
        entity="minutes_approval",
        entity_id=approval.id,
        op=op,
        version=approval.version,
        data={"meeting_id": approval.meeting_id, **approval_read(approval).model_dump(mode="json")},
        actor_id=actor,
        client_id=client_id,
        mutation_id=mutation_id,
    )


# ---- sections ---------------------------------------------------------------------------


async def agenda_item_of(session: AsyncSession, meeting_id: int, item_id: int | None) -> None:
    if item_id is None:
        return
    item = await session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting_id:
        raise InvalidInput(
            f"Agenda item {item_id} is not on this meeting's agenda.",
            code="unknown_agenda_item",
            errors=[{"field": "agenda_item_id", "message": "not an item of this meeting"}],
        )


async def find_section(
    session: AsyncSession, meeting_id: int, agenda_item_id: int | None
) -> MinutesSection | None:
    query = select(MinutesSection).where(col(MinutesSection.meeting_id) == meeting_id)
    if agenda_item_id is None:
        query = query.where(col(MinutesSection.agenda_item_id).is_(None))
    else:
        query = query.where(col(MinutesSection.agenda_item_id) == agenda_item_id)
    return (await session.execute(query)).scalar_one_or_none()


async def _write_section(
    session: AsyncSession,
    acc: MeetingAccess,
    actor: int,
    data: SectionPut,
    client_id: str | None,
    mutation_id: str | None,
) -> MinutesSection:
    meeting = acc.meeting
    assert meeting.id is not None
    section = await find_section(session, meeting.id, data.agenda_item_id)
    translations = data.translations.as_dict()
    if section is None:
        check_version(0, data.base_version if data.base_version else None, {})
        section = MinutesSection(
            meeting_id=meeting.id,
            agenda_item_id=data.agenda_item_id,
            notes=data.notes,
            notes_html=render_markdown(data.notes),
            notes_lang=data.notes_lang,
            translations=translations,
            updated_by=actor,
        )
        op = "created"
    else:
        section.notes = data.notes
        section.notes_html = render_markdown(data.notes)
        section.notes_lang = data.notes_lang
        section.translations = translations
        section.updated_by = actor
        section.updated_at = utcnow()
        section.version += 1
        op = "updated"
    session.add(section)
    await session.flush()
    assert section.id is not None
    session.add(
        MinutesRevision(
            meeting_id=meeting.id,
            section_id=section.id,
            agenda_item_id=section.agenda_item_id,
            version=section.version,
            minutes_version=meeting.minutes_version,
            amendment=meeting.minutes_amendment,
            notes=section.notes,
            notes_lang=section.notes_lang,
            translations=dict(section.translations),
            edited_by=actor,
        )
    )
    await session.flush()
    await changes.record(
        session,
        scope=meeting_scope(meeting.id),
        entity="minutes_section",
        entity_id=section.id,
        op=op,
        version=section.version,
        data={"meeting_id": meeting.id, **section_read(section).model_dump(mode="json")},
        actor_id=actor,
        client_id=client_id,
        mutation_id=mutation_id,
    )
    return section


async def _check_sections(
    session: AsyncSession, meeting_id: int, sections: list[SectionPut]
) -> None:
    seen: set[int | None] = set()
    for data in sections:
        if data.agenda_item_id in seen:
            raise InvalidInput(
                "Each agenda item may appear once.",
                code="duplicate_section",
                errors=[{"field": "sections", "message": "duplicate agenda_item_id"}],
            )
        seen.add(data.agenda_item_id)
        await agenda_item_of(session, meeting_id, data.agenda_item_id)
        current = await find_section(session, meeting_id, data.agenda_item_id)
        if data.base_version is not None:
            check_version(
                current.version if current else 0,
                data.base_version,
                section_read(current).model_dump(mode="json") if current else {},
            )


async def update_section(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    data: SectionPut,
    expected_version: int | None = None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MinutesWriteResult:
    """The ``minutes.update_section`` mutation: one section; ``expected_version`` (or
    ``data.base_version``) is the section's version, 0 for a section not written yet."""
    acc = await access(session, principal, meeting_id)
    if expected_version is not None:
        data = data.model_copy(update={"base_version": expected_version})
    await _check_sections(session, meeting_id, [data])
    effects = await _begin_change(
        session, acc, principal.user_id, "section", client_id=client_id, mutation_id=mutation_id
    )
    await _write_section(session, acc, principal.user_id, data, client_id, mutation_id)
    return await _finish_change(
        session,
        acc,
        principal.user_id,
        effects,
        "section",
        client_id=client_id,
        mutation_id=mutation_id,
    )


async def put_minutes(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    data: MinutesPut,
    expected_version: int | None,
    *,
    reason: str = "edited",
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MinutesWriteResult:
    """PUT /meetings/{id}/minutes: several sections at once; ``expected_version`` is the
    minutes version (If-Match), each section may also carry its own ``base_version``."""
    acc = await access(session, principal, meeting_id)
    acc.require_editor()
    current = acc.meeting.minutes_version
    if expected_version is not None and expected_version != current:
        check_version(
            current,
            expected_version,
            (await minutes_read(session, acc.meeting)).model_dump(mode="json"),
        )
    await _check_sections(session, meeting_id, data.sections)
    effects = await _begin_change(
        session, acc, principal.user_id, reason, client_id=client_id, mutation_id=mutation_id
    )
    for section in data.sections:
        await _write_section(session, acc, principal.user_id, section, client_id, mutation_id)
    return await _finish_change(
        session,
        acc,
        principal.user_id,
        effects,
        reason,
        client_id=client_id,
        mutation_id=mutation_id,
    )


# ---- decisions --------------------------------------------------------------------------


async def create_decision(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    data: DecisionCreate,
    expected_version: int | None = None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> tuple[DecisionRead, MinutesWriteResult]:
    """The ``decision.create`` mutation; ``expected_version`` is the minutes version."""
    acc = await access(session, principal, meeting_id)
    acc.require_editor()
    if expected_version is not None:
        check_version(
            acc.meeting.minutes_version,
            expected_version,
            (await minutes_read(session, acc.meeting)).model_dump(mode="json"),
        )
    await agenda_item_of(session, meeting_id, data.agenda_item_id)
    effects = await _begin_change(
        session, acc, principal.user_id, "decision", client_id=client_id, mutation_id=mutation_id
    )
    decision = Decision(
        meeting_id=meeting_id,
        agenda_item_id=data.agenda_item_id,
        text=data.text,
        text_lang=data.text_lang,
        translations=data.translations.as_dict(),
        amendment=acc.meeting.minutes_amendment,
        created_by=principal.user_id,
    )
    session.add(decision)
    await session.flush()
    assert decision.id is not None
    read = decision_read(decision)
    await changes.record(
        session,
        scope=meeting_scope(meeting_id),
        entity="decision",
        entity_id=decision.id,
        op="created",
        version=decision.version,
        data=read.model_dump(mode="json"),
        actor_id=principal.user_id,
        client_id=client_id,
        mutation_id=mutation_id,
    )
    result = await _finish_change(
        session,
        acc,
        principal.user_id,
        effects,
        "decision",
        client_id=client_id,
        mutation_id=mutation_id,
    )
    return read, result
