"""Partnerships between a member city and a partner city: one open partnership per pair.

Services flush; the caller commits. Every write is recorded in the change log and audited
(:mod:`server.directory.service`)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import Conflict, NotFound, check_version
from server.core.pagination import keyset_page
from server.directory import service
from server.directory.models import (
    City,
    Partnership,
    PartnershipCreate,
    PartnershipRead,
    PartnershipUpdate,
)
from server.identity.service import Principal


def partnership_read(partnership: Partnership) -> PartnershipRead:
    return PartnershipRead.model_validate(partnership, from_attributes=True)


async def _check_partner_cities(
    session: AsyncSession, member_city_id: int, partner_city_id: int
) -> None:
    for field, city_id, country in (
        ("member_city_id", member_city_id, service.MEMBER_COUNTRY),
        ("partner_city_id", partner_city_id, service.PARTNER_COUNTRY),
    ):
        city = await session.get(City, city_id)
        if city is None:
            raise service.invalid(f"No city {city_id}.", "unknown_city", field)
        if city.country != country:
            raise service.invalid(
                f"{city.name} is in {city.country}; the {field.split('_')[0]} city of a "
                f"partnership must be in {country}.",
                "partnership_country_mismatch",
                field,
            )


async def _ensure_no_open_partnership(
    session: AsyncSession, member_city_id: int, partner_city_id: int, exclude_id: int | None
) -> None:
    query = select(col(Partnership.id)).where(
        col(Partnership.member_city_id) == member_city_id,
        col(Partnership.partner_city_id) == partner_city_id,
        col(Partnership.status) != "ended",
    )
    if exclude_id is not None:
        query = query.where(col(Partnership.id) != exclude_id)
    existing = (await session.execute(query)).scalar_one_or_none()
    if existing is not None:
        raise Conflict(
            f"These cities already have a partnership that has not ended ({existing}).",
            code="partnership_exists",
        )


async def create_partnership(
    session: AsyncSession, actor: Principal, data: PartnershipCreate, ip: str | None
) -> Partnership:
    service.require_admin(actor)
    partnership = await create_partnership_unchecked(session, data, actor_id=actor.user_id)
    await service.audit(
        session,
        actor,
        "partnership.created",
        ip,
        "partnership",
        partnership.id,
        member_city_id=partnership.member_city_id,
        partner_city_id=partnership.partner_city_id,
        kind=partnership.kind,
    )
    return partnership


async def create_partnership_unchecked(
    session: AsyncSession, data: PartnershipCreate, *, actor_id: int | None = None
) -> Partnership:
    await _check_partner_cities(session, data.member_city_id, data.partner_city_id)
    if data.status != "ended":
        await _ensure_no_open_partnership(session, data.member_city_id, data.partner_city_id, None)
    partnership = Partnership(**data.model_dump())
    session.add(partnership)
    await session.flush()
    assert partnership.id is not None
    await service.record(
        session,
        "partnership",
        partnership.id,
        "created",
        1,
        service.dump(partnership_read(partnership)),
        actor_id,
    )
    return partnership


async def get_partnership(session: AsyncSession, partnership_id: int) -> Partnership:
    partnership = await session.get(Partnership, partnership_id)
    if partnership is None:
        raise NotFound(f"No partnership {partnership_id}.")
    return partnership


async def list_partnerships(
    session: AsyncSession,
    *,
    cursor: str | None,
    limit: int | None,
    city_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> service.Page:
    query = select(Partnership)
    if city_id is not None:
        query = query.where(
            or_(
                col(Partnership.member_city_id) == city_id,
                col(Partnership.partner_city_id) == city_id,
            )
        )
    if kind:
        query = query.where(col(Partnership.kind) == kind)
    if status:
        query = query.where(col(Partnership.status) == status)
    return await keyset_page(session, query, Partnership.id, cursor, limit)


async def update_partnership(
    session: AsyncSession,
    actor: Principal,
    partnership_id: int,
    data: PartnershipUpdate,
    ip: str | None,
    expected_version: int | None = None,
) -> Partnership:
    service.require_admin(actor)
    partnership = await get_partnership(session, partnership_id)
    check_version(
        partnership.version, expected_version, service.dump(partnership_read(partnership))
    )
    fields = data.model_dump(exclude_unset=True)
    if service.unchanged(partnership, fields):
        return partnership
    if fields.get("status") not in (None, "ended") and partnership.status == "ended":
        await _ensure_no_open_partnership(
            session, partnership.member_city_id, partnership.partner_city_id, partnership_id
        )
    await service.save_update(
        session,
        actor,
        partnership,
        fields,
        entity="partnership",
        read=partnership_read,
        ip=ip,
        fields=fields,
    )
    return partnership
