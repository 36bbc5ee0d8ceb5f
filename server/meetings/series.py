"""Meeting series: a recurring body (a joint committee, the annual meeting of Seoul's sister and
friendly cities) with its member partnerships from the directory.

Administrators create and edit series; every signed-in person (or a bot with
``meetings:read``) sees a series, but its page lists only the meetings the reader may see, and
only their decisions and open action items. Series changes are recorded in the ``platform``
scope, like the directory they belong with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Forbidden, InvalidInput, NotFound, check_version
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.directory import partnerships as directory_partnerships
from server.discussion import service as discussion
from server.identity.service import Principal
from server.meetings.access import visible_meeting_ids
from server.meetings.actions import action_read
from server.meetings.minutes import decision_read
from server.meetings.models import ActionItem, Decision, Meeting, MeetingSeries, SeriesPartnership
from server.meetings.schemas import (
    SeriesCreate,
    SeriesMeeting,
    SeriesPage,
    SeriesRead,
    SeriesUpdate,
    SeriesYear,
)

SCOPE = "platform"


def _require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("Only administrators manage meeting series.", code="admin_required")


def _require_reader(principal: Principal) -> None:
    if not principal.has_scope("meetings:read"):
        raise Forbidden("This token lacks the meetings:read scope.", code="missing_scope")


async def partnership_ids(session: AsyncSession, series_id: int) -> list[int]:
    rows = await session.execute(
        select(col(SeriesPartnership.partnership_id))
        .where(col(SeriesPartnership.series_id) == series_id)
        .order_by(col(SeriesPartnership.partnership_id))
    )
    return [int(i) for i in rows.scalars()]


async def series_read(session: AsyncSession, series: MeetingSeries) -> SeriesRead:
    assert series.id is not None
    return SeriesRead(
        **series.model_dump(exclude={"translations"}),
        translations=dict(series.translations),
        partnership_ids=await partnership_ids(session, series.id),
    )


async def _record(session: AsyncSession, series: MeetingSeries, op: str, actor: int) -> SeriesRead:
    assert series.id is not None
    read = await series_read(session, series)
    await changes.record(
        session,
        scope=SCOPE,
        entity="meeting_series",
        entity_id=series.id,
        op=op,
        version=series.version,
        data=read.model_dump(mode="json"),
        actor_id=actor,
    )
    return read


async def _check_partnerships(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    unique = sorted(set(ids))
    missing = []
    for partnership_id in unique:
        try:
            await directory_partnerships.get_partnership(session, partnership_id)
        except NotFound:
            missing.append(partnership_id)
    if missing:
        raise InvalidInput(
            f"Unknown partnerships: {missing}.",
            code="unknown_partnership",
            errors=[{"field": "partnership_ids", "message": f"unknown ids {missing}"}],
        )
    return unique


async def _set_partnerships(session: AsyncSession, series_id: int, ids: list[int]) -> None:
    await session.execute(
        delete(SeriesPartnership).where(col(SeriesPartnership.series_id) == series_id)
    )
    for partnership_id in ids:
        session.add(SeriesPartnership(series_id=series_id, partnership_id=partnership_id))
    await session.flush()


async def create_series(
    session: AsyncSession, principal: Principal, data: SeriesCreate
) -> SeriesRead:
    _require_admin(principal)
    ids = await _check_partnerships(session, data.partnership_ids)
    if data.channel_id is not None:
        await discussion.access(session, principal, data.channel_id)
    series = MeetingSeries(
        name=data.name,
        name_lang=data.name_lang,
        translations=data.translations.as_dict(),
        description=data.description,
        channel_id=data.channel_id,
        created_by=principal.user_id,
    )
    session.add(series)
    await session.flush()
    assert series.id is not None
    await _set_partnerships(session, series.id, ids)
    return await _record(session, series, "created", principal.user_id)


async def get_series_row(
    session: AsyncSession, principal: Principal, series_id: int
) -> MeetingSeries:
    _require_reader(principal)
    series = await session.get(MeetingSeries, series_id)
    if series is None:
        raise NotFound(f"No meeting series {series_id}.")
    return series


async def update_series(
    session: AsyncSession,
    principal: Principal,
    series_id: int,
    data: SeriesUpdate,
    expected_version: int | None,
) -> SeriesRead:
    _require_admin(principal)
    series = await get_series_row(session, principal, series_id)
    check_version(
        series.version,
        expected_version,
        (await series_read(session, series)).model_dump(mode="json"),
    )
    fields = data.model_dump(exclude_unset=True, exclude={"translations", "partnership_ids"})
    for name, value in fields.items():
        if value is not None:
            setattr(series, name, value)
    if data.translations is not None:
        series.translations = data.translations.as_dict()
    if data.partnership_ids is not None:
        await _set_partnerships(
            session, series_id, await _check_partnerships(session, data.partnership_ids)
        )
    series.version += 1
    series.updated_at = utcnow()
    session.add(series)
    await session.flush()
    return await _record(session, series, "updated", principal.user_id)


async def list_series(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int | None
) -> tuple[list[SeriesRead], str | None]:
    _require_reader(principal)
    rows, next_cursor = await keyset_page(
        session, select(MeetingSeries), col(MeetingSeries.id), cursor, limit
    )
    return [await series_read(session, s) for s in rows], next_cursor


async def series_page(session: AsyncSession, principal: Principal, series_id: int) -> SeriesPage:
    """Every meeting of the series the reader may see, oldest first, with their decisions and
    open action items; ``years`` sums them per calendar year (UTC) of the meeting's start."""
    series = await get_series_row(session, principal, series_id)
    query = (
        select(Meeting)
        .where(col(Meeting.series_id) == series_id)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )
    if not principal.is_admin:
        query = query.where(col(Meeting.id).in_(await visible_meeting_ids(session, principal)))
    meetings = list((await session.execute(query)).scalars())
    ids = [m.id for m in meetings if m.id is not None]
    order = {meeting_id: index for index, meeting_id in enumerate(ids)}
    decisions = list(
        (await session.execute(select(Decision).where(col(Decision.meeting_id).in_(ids)))).scalars()
    )
    decisions.sort(key=lambda d: (order[d.meeting_id], d.id or 0))
    items = list(
        (
            await session.execute(
                select(ActionItem).where(
                    col(ActionItem.meeting_id).in_(ids), col(ActionItem.status) == "open"
                )
            )
        ).scalars()
    )
    items.sort(key=lambda a: (a.due_date is None, a.due_date, a.id or 0))
    year_of = {m.id: m.starts_at.year for m in meetings}
    meetings_per_year = Counter(year_of.values())
    decisions_per_year = Counter(year_of[d.meeting_id] for d in decisions)
    return SeriesPage(
        series=await series_read(session, series),
        years=[
            SeriesYear(year=y, meetings=meetings_per_year[y], decisions=decisions_per_year[y])
            for y in sorted(meetings_per_year)
        ],
        meetings=[
            SeriesMeeting(
                id=m.id or 0,
                title=m.title,
                translations=dict(m.translations),
                status=m.status,
                starts_at=m.starts_at,
                timezone=m.timezone,
                year=m.starts_at.year,
            )
            for m in meetings
        ],
        decisions=[decision_read(d) for d in decisions],
        open_action_items=[action_read(a) for a in items],
    )
