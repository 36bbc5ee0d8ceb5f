"""Who takes part in a meeting: its delegations (organizations) and its participants (people,
each with a role and an attendance). Chairs and secretaries add and remove them; people answer
their own invitation. Every change is recorded in the meeting's scope, and a participant's
also in their own ``user:{id}`` scope (see :mod:`server.meetings.service`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Conflict, NotFound, check_version
from server.identity import service as identity
from server.identity.service import Principal
from server.meetings.access import access, participant_role
from server.meetings.models import Delegation, Participant
from server.meetings.schemas import MeetingRead, ParticipantRead
from server.meetings.service import (
    check_organizations,
    check_users,
    insert_participant,
    meeting_scope,
    participant_read,
    record_meeting,
    record_participant,
    touch,
    user_scope,
)


async def add_delegation(
    session: AsyncSession, principal: Principal, meeting_id: int, organization_id: int
) -> MeetingRead:
    acc = await access(session, principal, meeting_id)
    acc.require_manager()
    await check_organizations(session, [organization_id])
    if organization_id in acc.organization_ids:
        raise Conflict(
            f"Organization {organization_id} is already a delegation.", code="already_delegation"
        )
    session.add(Delegation(meeting_id=meeting_id, organization_id=organization_id))
    acc.meeting.version += 1
    await touch(session, acc.meeting)
    return await record_meeting(session, acc.meeting, "updated", principal.user_id)


async def add_participant(
    session: AsyncSession, principal: Principal, meeting_id: int, user_id: int, role: str
) -> ParticipantRead:
    acc = await access(session, principal, meeting_id)
    acc.require_manager()
    users = await check_users(session, [user_id], "user_id")
    if await participant_role(session, meeting_id, user_id) is not None:
        raise Conflict(f"User {user_id} is already a participant.", code="already_participant")
    participant = await insert_participant(session, acc.meeting, user_id, role, principal.user_id)
    return participant_read(participant, users[user_id])


async def _participant(session: AsyncSession, meeting_id: int, user_id: int) -> Participant:
    row = (
        await session.execute(
            select(Participant).where(
                col(Participant.meeting_id) == meeting_id, col(Participant.user_id) == user_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"User {user_id} is not a participant of meeting {meeting_id}.")
    return row


async def set_attendance(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    user_id: int,
    attendance: str | None,
    expected_version: int | None,
    *,
    role: str | None = None,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> ParticipantRead:
    """The ``attendance.set`` mutation. People answer their own invitation (accepted,
    declined); chairs and secretaries record anyone's (attended, absent) and change roles."""
    acc = await access(session, principal, meeting_id)
    participant = await _participant(session, meeting_id, user_id)
    own_answer = user_id == principal.user_id and attendance in ("accepted", "declined")
    if role is not None or not own_answer:
        acc.require_manager()
    users = await identity.users_by_ids(session, [user_id])
    check_version(
        participant.version,
        expected_version,
        participant_read(participant, users.get(user_id)).model_dump(mode="json"),
    )
    if attendance is not None:
        participant.attendance = attendance
    if role is not None:
        participant.role = role
    participant.version += 1
    session.add(participant)
    await session.flush()
    await record_participant(
        session,
        acc.meeting,
        participant,
        "updated",
        principal.user_id,
        client_id=client_id,
        mutation_id=mutation_id,
    )
    return participant_read(participant, users.get(user_id))


async def remove_participant(
    session: AsyncSession, principal: Principal, meeting_id: int, user_id: int
) -> None:
    acc = await access(session, principal, meeting_id)
    acc.require_manager()
    participant = await _participant(session, meeting_id, user_id)
    await session.delete(participant)
    await session.flush()
    assert participant.id is not None
    for scope in (meeting_scope(meeting_id), user_scope(user_id)):
        await changes.record(
            session,
            scope=scope,
            entity="meeting_participant",
            entity_id=participant.id,
            op="deleted",
            version=participant.version,
            data={"meeting_id": meeting_id, "user_id": user_id},
            actor_id=principal.user_id,
        )
