"""Approvals of the minutes by each delegation, and amendments.

* Each delegation approves once per amendment, by a participant who is its ``chair`` or
  ``secretary`` (their user's organization is the delegation). When every delegation approved,
  a ``minutes_review`` meeting becomes ``approved`` and the minutes are frozen: a snapshot is
  kept, and any later change opens the next amendment (amendment 0 is the original minutes),
  which needs its own approval by every delegation.
* Any change while some (not all) delegations approved the current amendment withdraws those
  approvals; the write's answer lists them under ``withdrawn_approvals`` and the change log has
  a ``minutes_approval`` update for each, plus a ``minutes`` change saying why.

Approving is here; withdrawing approvals and opening an amendment are part of every change of
the minutes (``_begin_change`` in :mod:`server.meetings.minutes`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import Conflict, Forbidden, check_version
from server.identity import service as identity
from server.identity.service import Principal
from server.meetings import service as meetings
from server.meetings.access import access
from server.meetings.minutes import active_approvals, minutes_read, record_approval
from server.meetings.models import Approval, Meeting
from server.meetings.schemas import MinutesRead

APPROVER_ROLES = frozenset({"chair", "secretary"})


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
    active = await active_approvals(session, meeting)
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
    await record_approval(session, approval, "created", principal.user_id)
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
