"""Minutes: sections per agenda item (Markdown notes, versions, full history), decisions,
approvals by each delegation, and amendments. Minutes files
(upload -> proposal -> confirm) are in :mod:`server.meetings.uploads`.

Approval rules:

* Minutes can be written once the meeting is ``in_progress`` (also ``held``,
  ``minutes_review`` and ``approved``), by participants other than observers.
* Each delegation approves once per amendment, by a participant who is its ``chair`` or
  ``secretary`` (their user's organization is the delegation). When every delegation approved,
  a ``minutes_review`` meeting becomes ``approved`` and the minutes are frozen: a snapshot is
  kept, and any later change opens the next amendment (amendment 0 is the original minutes),
  which needs its own approval by every delegation.
* Any change while some (not all) delegations approved the current amendment withdraws those
  approvals; the write's answer lists them under ``withdrawn_approvals`` and the change log has
  a ``minutes_approval`` update for each, plus a ``minutes`` change saying why.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Conflict, Forbidden, InvalidInput, NotFound, check_version
from server.core.types import utcnow
from server.discussion.markdown import render_markdown
from server.identity import service as identity
from server.identity.service import Principal
from server.meetings import service as meetings
from server.meetings.models import (
    AgendaItem,
    Approval,
    ApprovalRead,
    Decision,
    DecisionCreate,
    DecisionRead,
    Meeting,
    MinutesPut,
    MinutesRead,
    MinutesRevision,
    MinutesSection,
    MinutesWriteResult,
    RevisionRead,
    SectionPut,
    SectionRead,
)
from server.meetings.service import MeetingAccess, access, meeting_scope

WRITABLE_STATUSES = frozenset({"in_progress", "held", "minutes_review", "approved"})
APPROVER_ROLES = frozenset({"chair", "secretary"})


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


async def _active_approvals(session: AsyncSession, meeting: Meeting) -> list[Approval]:
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
    approvals = await _active_approvals(session, meeting)
    delegations = await meetings.delegation_ids(session, meeting.id)
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
) -> list[RevisionRead]:
    await access(session, principal, meeting_id)
    rows = await session.execute(
        select(MinutesRevision)
        .where(col(MinutesRevision.meeting_id) == meeting_id)
        .order_by(col(MinutesRevision.id))
    )
    return [RevisionRead.model_validate(r.model_dump()) for r in rows.scalars()]


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
        for approval in await _active_approvals(session, meeting):
            approval.withdrawn_at = now
            approval.withdrawn_reason = f"minutes changed: {reason}"[:200]
            approval.version += 1
            session.add(approval)
            effects.withdrawn.append(approval)
    meeting.minutes_version += 1
    await meetings.touch(session, meeting)
    for approval in effects.withdrawn:
        await _record_approval(session, approval, "updated", actor, client_id, mutation_id)
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


async def _record_approval(
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


async def _section(
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
    section = await _section(session, meeting.id, data.agenda_item_id)
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
        current = await _section(session, meeting_id, data.agenda_item_id)
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


# ---- conflict copies (offline edits that could not be merged) ---------------------------


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
    section = await _section(session, meeting_id, agenda_item_id)
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


# ---- approvals --------------------------------------------------------------------------


async def require_fully_approved(session: AsyncSession, meeting: Meeting) -> None:
    if meeting.approved_amendment != meeting.minutes_amendment:
        pending = (await minutes_read(session, meeting)).pending_organization_ids
        raise Conflict(
            "The minutes become approved when every delegation approved them.",
            code="minutes_not_approved",
            pending_organization_ids=pending,
        )


async def approve(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    organization_id: int | None,
    expected_version: int | None,
    *,
    ip: str | None = None,
) -> MinutesRead:
    """One delegation approves the current amendment of the minutes (at ``expected_version``,
    the minutes version the approver saw, when given)."""
    acc = await access(session, principal, meeting_id)
    meeting = acc.meeting
    org_id = organization_id if organization_id is not None else principal.organization_id
    if (
        acc.role not in APPROVER_ROLES
        or org_id is None
        or org_id != principal.organization_id
        or org_id not in acc.organization_ids
    ):
        raise Forbidden(
            "Only a chair or secretary of a delegation may approve the minutes for it.",
            code="not_delegation_approver",
        )
    pending_amendment = meeting.approved_amendment != meeting.minutes_amendment
    if meeting.status not in ("minutes_review", "approved") or not pending_amendment:
        raise Conflict(
            "There are no minutes awaiting approval "
            f"(meeting {meeting.status}, amendment {meeting.minutes_amendment}).",
            code="minutes_not_in_review",
        )
    check_version(
        meeting.minutes_version,
        expected_version,
        (await minutes_read(session, meeting)).model_dump(mode="json"),
    )
    active = await _active_approvals(session, meeting)
    if any(a.organization_id == org_id for a in active):
        raise Conflict(
            f"Organization {org_id} already approved this amendment.", code="already_approved"
        )
    approval = Approval(
        meeting_id=meeting_id,
        organization_id=org_id,
        user_id=principal.user_id,
        amendment=meeting.minutes_amendment,
        minutes_version=meeting.minutes_version,
    )
    session.add(approval)
    await session.flush()
    await _record_approval(session, approval, "created", principal.user_id)
    await identity.audit(
        session,
        "minutes.approved",
        actor_id=principal.user_id,
        ip=ip,
        target_type="meeting",
        target_id=meeting_id,
        organization_id=org_id,
        amendment=meeting.minutes_amendment,
        minutes_version=meeting.minutes_version,
    )
    approved_orgs = {a.organization_id for a in active} | {org_id}
    if set(acc.organization_ids) <= approved_orgs:
        meeting.approved_amendment = meeting.minutes_amendment
        read = await minutes_read(session, meeting)
        meeting.approved_snapshot = read.model_dump(mode="json")
        if meeting.status == "minutes_review":
            meeting.status = "approved"
            meeting.version += 1
        await meetings.touch(session, meeting)
        await meetings.record_meeting(session, meeting, "updated", principal.user_id)
    return await minutes_read(session, meeting)
