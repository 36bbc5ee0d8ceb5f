"""Action items: owner, delegation, due date, status, the decision they came from.

They are follow-up, not minutes text: creating or closing one does not withdraw approvals.
Open items carry over: a meeting's list also shows the open items of earlier meetings (by
start time) of the same channel, marked ``carried_over``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Conflict, Forbidden, InvalidInput, NotFound, check_version
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.identity import service as identity
from server.identity.service import Principal
from server.meetings.access import MeetingAccess, access, visible_meeting_ids
from server.meetings.models import ActionItem, Decision, Meeting
from server.meetings.schemas import ActionItemCreate, ActionItemRead, ActionItemUpdate
from server.meetings.service import meeting_scope

CREATOR_STATUSES = frozenset({"scheduled", "in_progress", "held", "minutes_review", "approved"})


def today() -> date:
    return datetime.now(UTC).date()


def action_read(item: ActionItem, *, carried_over: bool = False) -> ActionItemRead:
    overdue = item.status == "open" and item.due_date is not None and item.due_date < today()
    return ActionItemRead.model_validate(
        {**item.model_dump(), "overdue": overdue, "carried_over": carried_over}
    )


async def _record(
    session: AsyncSession,
    item: ActionItem,
    op: str,
    actor: int,
    client_id: str | None,
    mutation_id: str | None,
) -> None:
    assert item.id is not None
    await changes.record(
        session,
        scope=meeting_scope(item.meeting_id),
        entity="action_item",
        entity_id=item.id,
        op=op,
        version=item.version,
        data=action_read(item).model_dump(mode="json"),
        actor_id=actor,
        client_id=client_id,
        mutation_id=mutation_id,
    )


async def _check_refs(
    session: AsyncSession,
    acc: MeetingAccess,
    owner_id: int | None,
    organization_id: int | None,
    decision_id: int | None,
    agenda_item_id: int | None,
) -> None:
    if owner_id is not None and not await identity.users_by_ids(session, [owner_id]):
        raise InvalidInput(
            f"No user {owner_id}.",
            code="unknown_user",
            errors=[{"field": "owner_id", "message": "unknown user"}],
        )
    if organization_id is not None and organization_id not in acc.organization_ids:
        raise InvalidInput(
            f"Organization {organization_id} is not a delegation of this meeting.",
            code="unknown_delegation",
            errors=[{"field": "organization_id", "message": "not a delegation"}],
        )
    if decision_id is not None:
        decision = await session.get(Decision, decision_id)
        if decision is None or decision.meeting_id != acc.meeting_id:
            raise InvalidInput(
                f"Decision {decision_id} is not one of this meeting's.",
                code="unknown_decision",
                errors=[{"field": "decision_id", "message": "not a decision of this meeting"}],
            )
    if agenda_item_id is not None:
        from server.meetings.models import AgendaItem

        item = await session.get(AgendaItem, agenda_item_id)
        if item is None or item.meeting_id != acc.meeting_id:
            raise InvalidInput(
                f"Agenda item {agenda_item_id} is not on this meeting's agenda.",
                code="unknown_agenda_item",
                errors=[{"field": "agenda_item_id", "message": "not an item of this meeting"}],
            )


async def create_action_item(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    data: ActionItemCreate,
    expected_version: int | None = None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> ActionItemRead:
    """The ``action_item.create`` mutation; ``expected_version`` (when given) is the meeting
    version the client saw."""
    acc = await access(session, principal, meeting_id)
    acc.require_editor()
    if acc.meeting.status not in CREATOR_STATUSES:
        raise Conflict(
            f"Action items cannot be added while the meeting is {acc.meeting.status}.",
            code="meeting_not_open",
        )
    if expected_version is not None:
        check_version(acc.meeting.version, expected_version, {"version": acc.meeting.version})
    organization_id = data.organization_id
    if organization_id is None and data.owner_id is not None:
        owner = (await identity.users_by_ids(session, [data.owner_id])).get(data.owner_id)
        if owner is not None and owner.organization_id in acc.organization_ids:
            organization_id = owner.organization_id
    await _check_refs(
        session, acc, data.owner_id, organization_id, data.decision_id, data.agenda_item_id
    )
    if data.decision_id is not None and data.agenda_item_id is None:
        decision = await session.get(Decision, data.decision_id)
        agenda_item_id = decision.agenda_item_id if decision else None
    else:
        agenda_item_id = data.agenda_item_id
    item = ActionItem(
        meeting_id=meeting_id,
        agenda_item_id=agenda_item_id,
        decision_id=data.decision_id,
        title=data.title,
        title_lang=data.title_lang,
        translations=data.translations.as_dict(),
        owner_id=data.owner_id,
        organization_id=organization_id,
        due_date=data.due_date,
        created_by=principal.user_id,
    )
    session.add(item)
    await session.flush()
    await _record(session, item, "created", principal.user_id, client_id, mutation_id)
    return action_read(item)


async def update_action_item(
    session: AsyncSession,
    principal: Principal,
    item_id: int,
    data: ActionItemUpdate,
    expected_version: int | None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> ActionItemRead:
    """The ``action_item.update`` mutation: the owner may change the status; chairs and
    secretaries (and the item's creator) may change everything."""
    item = await session.get(ActionItem, item_id)
    if item is None:
        raise NotFound(f"No action item {item_id}.")
    try:
        acc = await access(session, principal, item.meeting_id)
    except NotFound:
        raise NotFound(f"No action item {item_id}.") from None
    values = data.model_dump(exclude_unset=True)
    is_owner = item.owner_id == principal.user_id
    may_edit = acc.can_manage or item.created_by == principal.user_id
    if not may_edit and not (is_owner and set(values) <= {"status"}):
        raise Forbidden(
            "Only the owner (status) or the meeting's chairs and secretaries may change "
            "this action item.",
            code="not_action_item_editor",
        )
    check_version(item.version, expected_version, action_read(item).model_dump(mode="json"))
    await _check_refs(
        session, acc, values.get("owner_id"), values.get("organization_id"), None, None
    )
    if "translations" in values:
        values["translations"] = data.translations.as_dict() if data.translations else {}
    for name, value in values.items():
        if value is None and name in ("title", "status"):
            continue
        setattr(item, name, value)
    item.version += 1
    item.updated_at = utcnow()
    session.add(item)
    await session.flush()
    await _record(session, item, "updated", principal.user_id, client_id, mutation_id)
    return action_read(item)


async def meeting_action_items(
    session: AsyncSession, principal: Principal, meeting_id: int
) -> list[ActionItemRead]:
    """The meeting's own items, then open items carried over from earlier meetings of the
    same channel that the caller may see."""
    acc = await access(session, principal, meeting_id)
    own = await session.execute(
        select(ActionItem)
        .where(col(ActionItem.meeting_id) == meeting_id)
        .order_by(col(ActionItem.id))
    )
    result = [action_read(i) for i in own.scalars()]
    meeting = acc.meeting
    if meeting.channel_id is not None:
        earlier = select(col(Meeting.id)).where(
            col(Meeting.channel_id) == meeting.channel_id,
            col(Meeting.starts_at) < meeting.starts_at,
            col(Meeting.id) != meeting_id,
        )
        visible = await visible_meeting_ids(session, principal)
        carried = await session.execute(
            select(ActionItem)
            .where(
                col(ActionItem.meeting_id).in_(earlier),
                col(ActionItem.meeting_id).in_(visible),
                col(ActionItem.status) == "open",
            )
            .order_by(col(ActionItem.id))
        )
        result += [action_read(i, carried_over=True) for i in carried.scalars()]
    return result


async def list_action_items(
    session: AsyncSession,
    principal: Principal,
    *,
    owner_id: int | None,
    organization_id: int | None,
    status: str | None,
    overdue: bool | None,
    cursor: str | None,
    limit: int | None,
) -> tuple[list[ActionItemRead], str | None]:
    """Action items of the meetings the caller may see, filtered."""
    visible = await visible_meeting_ids(session, principal)
    query = select(ActionItem).where(col(ActionItem.meeting_id).in_(visible))
    if owner_id is not None:
        query = query.where(col(ActionItem.owner_id) == owner_id)
    if organization_id is not None:
        query = query.where(col(ActionItem.organization_id) == organization_id)
    if status is not None:
        query = query.where(col(ActionItem.status) == status)
    if overdue is True:
        query = query.where(col(ActionItem.status) == "open", col(ActionItem.due_date) < today())
    elif overdue is False:
        query = query.where(
            or_(
                col(ActionItem.status) != "open",
                col(ActionItem.due_date).is_(None),
                col(ActionItem.due_date) >= today(),
            )
        )
    rows, next_cursor = await keyset_page(session, query, col(ActionItem.id), cursor, limit)
    return [action_read(i) for i in rows], next_cursor


async def counts_by_organization(
    session: AsyncSession, principal: Principal
) -> list[tuple[int | None, int, int]]:
    """(organization id, open items, overdue items) over the meetings the caller may see."""
    ids = await visible_meeting_ids(session, principal)
    if not ids:
        return []
    overdue = func.sum(
        case(
            (and_(col(ActionItem.due_date).is_not(None), col(ActionItem.due_date) < today()), 1),
            else_=0,
        )
    )
    rows = await session.execute(
        select(col(ActionItem.organization_id), func.count(), overdue)
        .where(col(ActionItem.meeting_id).in_(ids), col(ActionItem.status) == "open")
        .group_by(col(ActionItem.organization_id))
        .order_by(col(ActionItem.organization_id))
    )
    return [
        (None if org is None else int(org), int(n), int(late or 0)) for org, n, late in rows.all()
    ]
