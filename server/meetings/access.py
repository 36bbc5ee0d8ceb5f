"""Who sees a meeting, and what each caller may do in it.

Who sees a meeting: its participants, the members of its delegations' organizations, and
administrators (bots: with ``meetings:read``, by their organization). Everyone else gets 404
for everything of it, search included. Other domains ask here (``can_read_meeting``,
``visible_meeting_ids``) before they show anything of a meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import Forbidden, NotFound
from server.identity.service import Principal
from server.meetings.models import Delegation, Meeting, Participant

MANAGER_ROLES = frozenset({"chair", "secretary"})
EDITOR_ROLES = frozenset({"chair", "secretary", "member", "interpreter"})


@dataclass
class MeetingAccess:
    """What one caller may do in one meeting."""

    meeting: Meeting
    principal: Principal
    role: str | None  # as a participant
    organization_ids: list[int]

    @property
    def meeting_id(self) -> int:
        assert self.meeting.id is not None
        return self.meeting.id

    @property
    def can_manage(self) -> bool:
        return (
            self.role in MANAGER_ROLES
            or self.principal.is_admin
            or self.meeting.created_by == self.principal.user_id
        )

    @property
    def can_edit_minutes(self) -> bool:
        return self.role in EDITOR_ROLES

    def require_manager(self) -> None:
        if not self.can_manage:
            raise Forbidden(
                "Only the meeting's chairs and secretaries may do this.", code="manager_required"
            )

    def require_editor(self) -> None:
        if not self.can_edit_minutes:
            raise Forbidden(
                "Only participants (not observers) may edit the minutes.",
                code="minutes_editor_required",
            )


async def participant_role(session: AsyncSession, meeting_id: int, user_id: int) -> str | None:
    result = await session.execute(
        select(col(Participant.role)).where(
            col(Participant.meeting_id) == meeting_id, col(Participant.user_id) == user_id
        )
    )
    return result.scalar_one_or_none()


async def delegation_ids(session: AsyncSession, meeting_id: int) -> list[int]:
    rows = await session.execute(
        select(col(Delegation.organization_id))
        .where(col(Delegation.meeting_id) == meeting_id)
        .order_by(col(Delegation.id))
    )
    return [int(i) for i in rows.scalars()]


async def access(session: AsyncSession, principal: Principal, meeting_id: int) -> MeetingAccess:
    """The caller's access to a meeting; a meeting they may not see does not exist for them."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or not principal.has_scope("meetings:read"):
        raise NotFound(f"No meeting {meeting_id}.")
    role = await participant_role(session, meeting_id, principal.user_id)
    orgs = await delegation_ids(session, meeting_id)
    visible = (
        role is not None
        or principal.is_admin
        or (principal.organization_id is not None and principal.organization_id in orgs)
    )
    if not visible:
        raise NotFound(f"No meeting {meeting_id}.")
    return MeetingAccess(meeting, principal, role, orgs)


async def can_read_meeting(session: AsyncSession, principal: Principal, meeting_id: int) -> bool:
    """For the realtime hub (``meeting:{id}`` subscriptions) and other domains."""
    try:
        await access(session, principal, meeting_id)
    except NotFound:
        return False
    return True


def visible_condition(principal: Principal) -> Any:
    participant_of = select(col(Participant.meeting_id)).where(
        col(Participant.user_id) == principal.user_id
    )
    conditions = [col(Meeting.id).in_(participant_of)]
    if principal.organization_id is not None:
        delegated = select(col(Delegation.meeting_id)).where(
            col(Delegation.organization_id) == principal.organization_id
        )
        conditions.append(col(Meeting.id).in_(delegated))
    return or_(*conditions)


async def visible_meeting_ids(session: AsyncSession, principal: Principal) -> list[int]:
    """The meetings the caller may see (for search's ``meeting_ids`` filter)."""
    if not principal.has_scope("meetings:read"):
        return []
    query = select(col(Meeting.id))
    if not principal.is_admin:
        query = query.where(visible_condition(principal))
    return [int(i) for i in (await session.execute(query)).scalars() if i is not None]
