"""The dashboard: numbers across the directory, meetings and discussions, for charts.

It only reads, through each domain's service, so every figure counts only what the reader
may see: meetings they may open, channels they may read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from server.dashboard.models import (
    ChannelMonth,
    CityYear,
    Dashboard,
    OrganizationActionItems,
    SectorPartnerships,
)
from server.directory import service as directory
from server.discussion import service as discussion
from server.identity import organizations
from server.identity.service import Principal
from server.meetings import actions
from server.meetings import service as meetings

PARTNER_COUNTRY = "CN"


def _months_back(now: datetime, months: int) -> datetime:
    """The first instant of the month ``months - 1`` months before ``now``'s month."""
    index = now.year * 12 + now.month - 1 - (months - 1)
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


async def _meetings_per_partner_city_year(
    session: AsyncSession, principal: Principal
) -> list[CityYear]:
    rows = await meetings.delegations_by_year(session, principal)
    cities = await directory.cities_of_organizations(session, [org for _, org, _ in rows])
    # A meeting counts once per city, however many of its delegations come from there.
    seen: dict[tuple[int, int], set[int]] = defaultdict(set)
    for meeting_id, org_id, year in rows:
        city = cities.get(org_id)
        if city is not None and city.id is not None and city.country == PARTNER_COUNTRY:
            seen[(city.id, year)].add(meeting_id)
    by_id = {city.id: city for city in cities.values()}
    return [
        CityYear(
            city_id=city_id,
            city_name=by_id[city_id].name,
            translations=dict(by_id[city_id].translations),
            year=year,
            meetings=len(ids),
        )
        for (city_id, year), ids in sorted(seen.items())
    ]


async def _action_items_per_organization(
    session: AsyncSession, principal: Principal
) -> list[OrganizationActionItems]:
    counts = await actions.counts_by_organization(session, principal)
    orgs = await organizations.organizations_by_ids(
        session, [org for org, _, _ in counts if org is not None]
    )
    return [
        OrganizationActionItems(
            organization_id=org,
            organization_name=orgs[org].name if org is not None and org in orgs else "",
            open=open_items,
            overdue=overdue,
        )
        for org, open_items, overdue in counts
    ]


async def _activity_per_channel_month(
    session: AsyncSession, principal: Principal, since: datetime
) -> list[ChannelMonth]:
    counts = await discussion.message_counts_by_month(session, principal, since)
    names = await discussion.channel_names(session, sorted({c for c, _, _ in counts}))
    return [
        ChannelMonth(channel_id=c, channel_name=names.get(c, ""), month=m, messages=n)
        for c, m, n in counts
    ]


async def _partnerships_per_sector(session: AsyncSession) -> list[SectorPartnerships]:
    return [
        SectorPartnerships(
            sector_id=sector.id or 0,
            code=sector.code,
            name=sector.name,
            translations=dict(sector.translations),
            partnerships=n,
        )
        for sector, n in await directory.partnerships_per_sector(session)
    ]


async def dashboard(
    session: AsyncSession, principal: Principal, *, months: int, now: datetime | None = None
) -> Dashboard:
    now = now or datetime.now(UTC)
    return Dashboard(
        generated_at=now,
        months=months,
        meetings_per_partner_city_year=await _meetings_per_partner_city_year(session, principal),
        action_items_per_organization=await _action_items_per_organization(session, principal),
        activity_per_channel_month=await _activity_per_channel_month(
            session, principal, _months_back(now, months)
        ),
        partnerships_per_sector=await _partnerships_per_sector(session),
    )
