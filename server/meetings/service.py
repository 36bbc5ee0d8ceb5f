"""Rules of meetings: the meeting itself (its shape with each delegation's local time, create,
update, the status workflow), and recording its changes and its search document.

Every write records a change in the meeting's scope (``meeting:{id}``) in the same
transaction; adding someone also records it in their ``user:{id}`` scope. Who may see and do
what is in ``access.py``, delegations and participants in ``participants.py``, the agenda in
``agenda.py``, minutes in ``minutes.py``, action items in ``actions.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Conflict, Forbidden, InvalidInput, check_version
from server.core.types import utcnow
from server.discussion import service as discussion
from server.identity import service as identity
from server.identity.models import Organization, User
from server.identity.service import Principal
from server.meetings.access import access, delegation_ids, visible_condition
from server.meetings.models import (
    AgendaItem,
    Decision,
    Delegation,
    Meeting,
    MeetingSeries,
    MinutesSection,
    Participant,
)
from server.meetings.schemas import (
    AgendaItemRead,
    LocalTime,
    MeetingCreate,
    MeetingRead,
    MeetingUpdate,
    ParticipantRead,
)
from server.search import service as search

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("scheduled", "cancelled"),
    "scheduled": ("in_progress", "draft", "cancelled"),
    "in_progress": ("held", "cancelled"),
    "held": ("minutes_review",),
    # "approved" is reached when every delegation approved the minutes (see approvals.approve).
    "minutes_review": ("approved",),
    "approved": (),
    "cancelled": (),
}
COUNTRY_TIMEZONES = {"KR": "Asia/Seoul", "CN": "Asia/Shanghai"}
# The creator's role when the request does not list them.
CREATOR_ROLE = "chair"


def meeting_scope(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


# ---- reading ----------------------------------------------------------------------------


def _local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).isoformat()


async def _organizations(session: AsyncSession, ids: Iterable[int]) -> dict[int, Organization]:
    ids = list(ids)
    if not ids:
        return {}
    rows = await session.execute(select(Organization).where(col(Organization.id).in_(ids)))
    return {o.id: o for o in rows.scalars() if o.id is not None}


async def participants(session: AsyncSession, meeting_id: int) -> list[Participant]:
    rows = await session.execute(
        select(Participant)
        .where(col(Participant.meeting_id) == meeting_id)
        .order_by(col(Participant.id))
    )
    return list(rows.scalars())


async def meeting_read(session: AsyncSession, meeting: Meeting) -> MeetingRead:
    assert meeting.id is not None
    org_ids = await delegation_ids(session, meeting.id)
    orgs = await _organizations(session, org_ids)
    people = await participants(session, meeting.id)
    users = await identity.users_by_ids(session, [p.user_id for p in people])
    local_times = []
    for org_id in org_ids:
        org = orgs.get(org_id)
        zone = COUNTRY_TIMEZONES.get(org.country if org else "", meeting.timezone)
        local_times.append(
            LocalTime(
                organization_id=org_id,
                timezone=zone,
                starts_at=_local(meeting.starts_at, zone),
                ends_at=_local(meeting.ends_at, zone),
            )
        )
    return MeetingRead(
        **meeting.model_dump(
            exclude={"approved_amendment", "approved_snapshot", "translations", "status"}
        ),
        translations=dict(meeting.translations),
        status=meeting.status,
        allowed_transitions=list(TRANSITIONS[meeting.status]),
        local_times=local_times,
        organization_ids=org_ids,
        participants=[participant_read(p, users.get(p.user_id)) for p in people],
    )


def participant_read(p: Participant, user: User | None) -> ParticipantRead:
    return ParticipantRead(
        user_id=p.user_id,
        username=user.username if user else "",
        display_name=user.display_name if user else "",
        organization_id=user.organization_id if user else None,
        role=p.role,
        attendance=p.attendance,
        version=p.version,
    )


async def get_meeting(session: AsyncSession, principal: Principal, meeting_id: int) -> MeetingRead:
    return await meeting_read(session, (await access(session, principal, meeting_id)).meeting)


async def list_meetings(
    session: AsyncSession,
    principal: Principal,
    *,
    cursor: str | None,
    limit: int | None,
    channel_id: int | None = None,
) -> tuple[list[MeetingRead], str | None]:
    from server.core.pagination import keyset_page

    if not principal.has_scope("meetings:read"):
        return [], None
    query = select(Meeting)
    if not principal.is_admin:
        query = query.where(visible_condition(principal))
    if channel_id is not None:
        query = query.where(col(Meeting.channel_id) == channel_id)
    rows, next_cursor = await keyset_page(
        session, query, col(Meeting.id), cursor, limit, descending=True
    )
    return [await meeting_read(session, m) for m in rows], next_cursor


# ---- recording --------------------------------------------------------------------------


async def record_meeting(
    session: AsyncSession,
    meeting: Meeting,
    op: str,
    actor: int,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MeetingRead:
    assert meeting.id is not None
    read = await meeting_read(session, meeting)
    await changes.record(
        session,
        scope=meeting_scope(meeting.id),
        entity="meeting",
        entity_id=meeting.id,
        op=op,
        version=meeting.version,
        data=read.model_dump(mode="json"),
        actor_id=actor,
        client_id=client_id,
        mutation_id=mutation_id,
    )
    await reindex(session, meeting)
    return read


async def reindex(session: AsyncSession, meeting: Meeting) -> None:
    """One search document per meeting (title, agenda, minutes, decisions), filed under the
    meeting only (never its channel), so that only those who see the meeting find it."""
    assert meeting.id is not None
    texts: list[str] = [*meeting.translations.values(), meeting.location]
    for item in await agenda_items(session, meeting.id):
        texts += [item.title, *item.translations.values()]
    sections = await session.execute(
        select(MinutesSection).where(col(MinutesSection.meeting_id) == meeting.id)
    )
    for section in sections.scalars():
        texts += [section.notes, *section.translations.values()]
    decisions = await session.execute(
        select(Decision).where(col(Decision.meeting_id) == meeting.id)
    )
    for decision in decisions.scalars():
        texts += [decision.text, *decision.translations.values()]
    await search.index(
        session, "meeting", meeting.id, title=meeting.title, texts=texts, meeting_id=meeting.id
    )


async def touch(session: AsyncSession, meeting: Meeting) -> None:
    meeting.updated_at = utcnow()
    session.add(meeting)
    await session.flush()


# ---- meetings ---------------------------------------------------------------------------


async def check_users(session: AsyncSession, ids: Sequence[int], field: str) -> dict[int, User]:
    known = await identity.users_by_ids(session, ids)
    missing = sorted(set(ids) - set(known))
    if missing:
        raise InvalidInput(
            f"Unknown users: {missing}.",
            code="unknown_user",
            errors=[{"field": field, "message": f"unknown user ids {missing}"}],
        )
    return known


async def check_organizations(session: AsyncSession, ids: Sequence[int]) -> None:
    known = await _organizations(session, ids)
    missing = sorted(set(ids) - set(known))
    if missing:
        raise InvalidInput(
            f"Unknown organizations: {missing}.",
            code="unknown_organization",
            errors=[{"field": "organization_ids", "message": f"unknown ids {missing}"}],
        )


async def _check_series(session: AsyncSession, series_id: int | None) -> None:
    if series_id is not None and await session.get(MeetingSeries, series_id) is None:
        raise InvalidInput(
            f"Unknown meeting series {series_id}.",
            code="unknown_series",
            errors=[{"field": "series_id", "message": "unknown series"}],
        )


async def create_meeting(
    session: AsyncSession,
    principal: Principal,
    data: MeetingCreate,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MeetingRead:
    if principal.is_bot:
        raise Forbidden("Bots cannot create meetings.", code="bots_cannot_create_meetings")
    org_ids = list(dict.fromkeys(data.organization_ids))
    if len(org_ids) < 2:
        raise InvalidInput(
            "A meeting needs at least two delegations.",
            code="too_few_delegations",
            errors=[{"field": "organization_ids", "message": "at least two organizations"}],
        )
    await check_organizations(session, org_ids)
    roles: dict[int, str] = {principal.user_id: CREATOR_ROLE}
    for user_id in data.participant_ids:
        roles.setdefault(user_id, "member")
    for p in data.participants:
        roles[p.user_id] = p.role
    await check_users(session, list(roles), "participants")
    if data.channel_id is not None:
        await discussion.access(session, principal, data.channel_id)
    await _check_series(session, data.series_id)
    meeting = Meeting(
        title=data.title,
        title_lang=data.title_lang,
        translations=data.translations.as_dict(),
        mode=data.mode,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        timezone=data.timezone,
        location=data.location,
        online_url=data.online_url,
        channel_id=data.channel_id,
        series_id=data.series_id,
        created_by=principal.user_id,
    )
    session.add(meeting)
    await session.flush()
    assert meeting.id is not None
    for org_id in org_ids:
        session.add(Delegation(meeting_id=meeting.id, organization_id=org_id))
    await session.flush()
    read = await record_meeting(
        session, meeting, "created", principal.user_id, client_id=client_id, mutation_id=mutation_id
    )
    for user_id, role in roles.items():
        await insert_participant(session, meeting, user_id, role, principal.user_id)
    return read


def _check_transition(meeting: Meeting, target: str) -> None:
    allowed = TRANSITIONS[meeting.status]
    if target not in allowed:
        names = ", ".join(allowed) or "none"
        raise Conflict(
            f"A {meeting.status} meeting cannot become {target}; allowed: {names}.",
            code="invalid_transition",
            status_from=meeting.status,
            status_to=target,
            allowed=list(allowed),
        )


async def update_meeting(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    data: MeetingUpdate,
    expected_version: int | None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MeetingRead:
    """The ``meeting.update`` mutation: fields and/or a status transition."""
    acc = await access(session, principal, meeting_id)
    acc.require_manager()
    meeting = acc.meeting
    check_version(
        meeting.version,
        expected_version,
        (await meeting_read(session, meeting)).model_dump(mode="json"),
    )
    changes_ = data.model_dump(exclude_unset=True)
    status = changes_.pop("status", None)
    if status is not None and status != meeting.status:
        _check_transition(meeting, status)
        if status == "approved":
            from server.meetings import approvals

            await approvals.require_fully_approved(session, meeting)
        meeting.status = status
    if "translations" in changes_:
        changes_["translations"] = data.translations.as_dict() if data.translations else {}
    await _check_series(session, changes_.get("series_id"))
    for name, value in changes_.items():
        if value is None and name not in ("online_url", "series_id"):
            continue
        setattr(meeting, name, value)
    if meeting.ends_at <= meeting.starts_at:
        raise InvalidInput(
            "ends_at must be after starts_at.",
            code="invalid_times",
            errors=[{"field": "ends_at", "message": "must be after starts_at"}],
        )
    meeting.version += 1
    await touch(session, meeting)
    return await record_meeting(
        session, meeting, "updated", principal.user_id, client_id=client_id, mutation_id=mutation_id
    )


# ---- participants' rows and changes (the rules are in participants.py) ------------------


async def insert_participant(
    session: AsyncSession, meeting: Meeting, user_id: int, role: str, actor: int
) -> Participant:
    """Invite someone, recorded in the meeting's scope and theirs; the callers check first."""
    assert meeting.id is not None
    participant = Participant(meeting_id=meeting.id, user_id=user_id, role=role)
    session.add(participant)
    await session.flush()
    await record_participant(session, meeting, participant, "created", actor, notify_user=True)
    return participant


async def record_participant(
    session: AsyncSession,
    meeting: Meeting,
    participant: Participant,
    op: str,
    actor: int,
    *,
    notify_user: bool = False,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> None:
    assert meeting.id is not None and participant.id is not None
    user = (await identity.users_by_ids(session, [participant.user_id])).get(participant.user_id)
    data: dict[str, Any] = {
        "meeting_id": meeting.id,
        **participant_read(participant, user).model_dump(mode="json"),
    }
    scopes = [meeting_scope(meeting.id)]
    if notify_user:
        # Their clients learn of the meeting (and subscribe to its scope) from their own scope.
        scopes.append(user_scope(participant.user_id))
        data["meeting"] = (await meeting_read(session, meeting)).model_dump(mode="json")
    for scope in scopes:
        await changes.record(
            session,
            scope=scope,
            entity="meeting_participant",
            entity_id=participant.id,
            op=op,
            version=participant.version,
            data=data,
            actor_id=actor,
            client_id=client_id,
            mutation_id=mutation_id,
        )


# ---- agenda -----------------------------------------------------------------------------


def agenda_read(item: AgendaItem) -> AgendaItemRead:
    return AgendaItemRead.model_validate(item.model_dump())


async def agenda_items(session: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    rows = await session.execute(
        select(AgendaItem)
        .where(col(AgendaItem.meeting_id) == meeting_id)
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
    )
    return list(rows.scalars())


# ---- figures for the dashboard ----------------------------------------------------------


async def delegations_by_year(
    session: AsyncSession, principal: Principal
) -> list[tuple[int, int, int]]:
    """(meeting id, delegation's organization id, year of the start in UTC) over the meetings
    the caller may see, cancelled ones left out."""
    if not principal.has_scope("meetings:read"):
        return []
    query = (
        select(col(Delegation.meeting_id), col(Delegation.organization_id), col(Meeting.starts_at))
        .join(Meeting, col(Meeting.id) == col(Delegation.meeting_id))
        .where(col(Meeting.status) != "cancelled")
    )
    if not principal.is_admin:
        query = query.where(visible_condition(principal))
    rows = (await session.execute(query)).all()
    return [(int(meeting), int(org), starts.year) for meeting, org, starts in rows]
