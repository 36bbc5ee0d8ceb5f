"""The agenda of a meeting: ordered items, each with a discussion thread in the meeting's
channel; create, update, reorder, delete (all recorded in ``meeting:{id}``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import AppError, Conflict, InvalidInput, NotFound, check_version
from server.core.types import utcnow
from server.discussion import service as discussion
from server.discussion import threads
from server.discussion.models import ThreadCreate
from server.identity.service import Principal
from server.meetings.access import MeetingAccess, access
from server.meetings.models import ActionItem, AgendaItem, Decision, Meeting, MinutesSection
from server.meetings.schemas import AgendaCreate, AgendaItemRead, AgendaUpdate
from server.meetings.service import (
    agenda_items,
    agenda_read,
    check_users,
    meeting_scope,
    reindex,
    touch,
)


async def _record_agenda(
    session: AsyncSession,
    item: AgendaItem,
    op: str,
    actor: int,
    client_id: str | None,
    mutation_id: str | None,
) -> None:
    assert item.id is not None
    await changes.record(
        session,
        scope=meeting_scope(item.meeting_id),
        entity="agenda_item",
        entity_id=item.id,
        op=op,
        version=item.version,
        data=agenda_read(item).model_dump(mode="json")
        if op != "deleted"
        else {
            "id": item.id,
            "meeting_id": item.meeting_id,
        },
        actor_id=actor,
        client_id=client_id,
        mutation_id=mutation_id,
    )


def _require_agenda_open(meeting: Meeting) -> None:
    if meeting.status in ("approved", "cancelled"):
        raise Conflict(
            f"The agenda of a {meeting.status} meeting cannot change.", code="agenda_closed"
        )


async def _create_thread(
    session: AsyncSession, principal: Principal, meeting: Meeting, title: str
) -> int | None:
    """A discussion thread for an agenda item in the meeting's channel, when the caller may
    write there (otherwise the item has no thread, and the answer says so by thread_id null)."""
    if meeting.channel_id is None:
        return None
    try:
        await discussion.require_writer(session, principal, meeting.channel_id)
    except AppError:
        return None
    thread = await threads.create_thread(
        session, principal, meeting.channel_id, ThreadCreate(title=title[:300])
    )
    return thread.id


async def create_agenda_item(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    data: AgendaCreate,
    expected_version: int | None = None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> AgendaItemRead:
    """The ``agenda.create`` mutation (appends at the end); ``expected_version``, when given,
    is the meeting's agenda_version."""
    acc = await access(session, principal, meeting_id)
    acc.require_manager()
    _require_agenda_open(acc.meeting)
    check_version(
        acc.meeting.agenda_version,
        expected_version,
        {"agenda_version": acc.meeting.agenda_version},
    )
    if data.presenter_id is not None:
        await check_users(session, [data.presenter_id], "presenter_id")
    last = (
        await session.execute(
            select(func.max(col(AgendaItem.position))).where(
                col(AgendaItem.meeting_id) == meeting_id
            )
        )
    ).scalar_one_or_none()
    item = AgendaItem(
        meeting_id=meeting_id,
        position=(last or 0) + 1,
        title=data.title,
        title_lang=data.title_lang,
        translations=data.translations.as_dict(),
        presenter_id=data.presenter_id,
        duration_minutes=data.duration_minutes,
        attachment_ids=data.attachment_ids,
    )
    item.thread_id = await _create_thread(session, principal, acc.meeting, data.title)
    session.add(item)
    acc.meeting.agenda_version += 1
    await touch(session, acc.meeting)
    await _record_agenda(session, item, "created", principal.user_id, client_id, mutation_id)
    await reindex(session, acc.meeting)
    return agenda_read(item)


async def _agenda_item(
    session: AsyncSession, principal: Principal, item_id: int
) -> tuple[AgendaItem, MeetingAccess]:
    item = await session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound(f"No agenda item {item_id}.")
    try:
        acc = await access(session, principal, item.meeting_id)
    except NotFound:
        raise NotFound(f"No agenda item {item_id}.") from None
    return item, acc


async def update_agenda_item(
    session: AsyncSession,
    principal: Principal,
    item_id: int,
    data: AgendaUpdate,
    expected_version: int | None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> AgendaItemRead:
    """The ``agenda.update`` mutation."""
    item, acc = await _agenda_item(session, principal, item_id)
    acc.require_manager()
    _require_agenda_open(acc.meeting)
    check_version(item.version, expected_version, agenda_read(item).model_dump(mode="json"))
    values = data.model_dump(exclude_unset=True)
    if values.get("presenter_id") is not None:
        await check_users(session, [values["presenter_id"]], "presenter_id")
    if "translations" in values:
        values["translations"] = data.translations.as_dict() if data.translations else {}
    for name, value in values.items():
        if value is None and name not in ("presenter_id", "duration_minutes"):
            continue
        setattr(item, name, value)
    item.version += 1
    item.updated_at = utcnow()
    session.add(item)
    await session.flush()
    await _record_agenda(session, item, "updated", principal.user_id, client_id, mutation_id)
    await reindex(session, acc.meeting)
    return agenda_read(item)


async def reorder_agenda(
    session: AsyncSession,
    principal: Principal,
    meeting_id: int,
    item_ids: Sequence[int],
    expected_version: int | None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> list[AgendaItemRead]:
    """The ``agenda.reorder`` mutation; ``expected_version`` is the meeting's agenda_version,
    and ``item_ids`` must list every item exactly once."""
    acc = await access(session, principal, meeting_id)
    acc.require_manager()
    _require_agenda_open(acc.meeting)
    items = await agenda_items(session, meeting_id)
    check_version(
        acc.meeting.agenda_version,
        expected_version,
        {"agenda_version": acc.meeting.agenda_version, "item_ids": [i.id for i in items]},
    )
    if sorted(item_ids) != sorted(i.id for i in items if i.id is not None):
        raise InvalidInput(
            "item_ids must list every agenda item of the meeting exactly once.",
            code="bad_reorder",
            errors=[{"field": "item_ids", "message": "not a permutation of the agenda"}],
        )
    by_id = {i.id: i for i in items}
    for position, item_id in enumerate(item_ids, start=1):
        item = by_id[item_id]
        if item.position != position:
            item.position = position
            item.version += 1
            session.add(item)
    acc.meeting.agenda_version += 1
    await touch(session, acc.meeting)
    for item in sorted(by_id.values(), key=lambda i: i.position):
        await _record_agenda(session, item, "updated", principal.user_id, client_id, mutation_id)
    return [agenda_read(i) for i in sorted(by_id.values(), key=lambda i: i.position)]


async def delete_agenda_item(
    session: AsyncSession,
    principal: Principal,
    item_id: int,
    expected_version: int | None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> None:
    """The ``agenda.delete`` mutation. An item that already has minutes or decisions is kept
    (409): minutes are a record."""
    item, acc = await _agenda_item(session, principal, item_id)
    acc.require_manager()
    _require_agenda_open(acc.meeting)
    check_version(item.version, expected_version, agenda_read(item).model_dump(mode="json"))
    columns = (
        col(MinutesSection.agenda_item_id),
        col(Decision.agenda_item_id),
        col(ActionItem.agenda_item_id),
    )
    for column in columns:
        used = (await session.execute(select(func.count()).where(column == item_id))).scalar_one()
        if used:
            raise Conflict(
                "This agenda item has minutes, decisions or action items; it cannot be deleted.",
                code="agenda_item_has_minutes",
            )
    await session.delete(item)
    acc.meeting.agenda_version += 1
    await touch(session, acc.meeting)
    await _record_agenda(session, item, "deleted", principal.user_id, client_id, mutation_id)
    await reindex(session, acc.meeting)
