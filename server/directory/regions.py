"""Regions: provinces and province-level cities (Seoul, Gyeonggi-do, Beijing, Guangdong...).

Services flush; the caller commits. Every write is recorded in the change log, and
administrators' writes are audited (:mod:`server.directory.service`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import Conflict, NotFound, check_version
from server.core.pagination import keyset_page
from server.directory import service
from server.directory.models import (
    DEFAULT_NAME_LANG,
    Region,
    RegionCreate,
    RegionRead,
    RegionUpdate,
)
from server.identity.service import Principal


def region_read(region: Region) -> RegionRead:
    return RegionRead.model_validate(region, from_attributes=True)


async def _ensure_region_name_free(
    session: AsyncSession, country: str, name: str, exclude_id: int | None
) -> None:
    query = select(col(Region.id)).where(col(Region.country) == country, col(Region.name) == name)
    if exclude_id is not None:
        query = query.where(col(Region.id) != exclude_id)
    if (await session.execute(query)).first() is not None:
        raise Conflict(
            f"The region {name!r} already exists in {country}.",
            code="region_exists",
            errors=[{"field": "name", "message": "already exists in this country"}],
        )


async def create_region(
    session: AsyncSession, actor: Principal, data: RegionCreate, ip: str | None
) -> Region:
    service.require_admin(actor)
    region = await create_region_unchecked(session, data, actor_id=actor.user_id)
    await service.audit(session, actor, "region.created", ip, "region", region.id, name=region.name)
    return region


async def create_region_unchecked(
    session: AsyncSession, data: RegionCreate, *, actor_id: int | None = None
) -> Region:
    """Create without a permission check: for the demo loader, and the caller above."""
    await _ensure_region_name_free(session, data.country, data.name, None)
    name_lang = data.name_lang or DEFAULT_NAME_LANG[data.country]
    region = Region(
        name=data.name,
        name_lang=name_lang,
        translations=service.name_translations(name_lang, data.translations),
        country=data.country,
        kind=data.kind,
    )
    session.add(region)
    await session.flush()
    assert region.id is not None
    await service.record(
        session, "region", region.id, "created", 1, service.dump(region_read(region)), actor_id
    )
    return region


async def get_region(session: AsyncSession, region_id: int) -> Region:
    region = await session.get(Region, region_id)
    if region is None:
        raise NotFound(f"No region {region_id}.")
    return region


async def list_regions(
    session: AsyncSession,
    *,
    cursor: str | None,
    limit: int | None,
    country: str | None = None,
    kind: str | None = None,
) -> service.Page:
    query = select(Region)
    if country:
        query = query.where(col(Region.country) == country)
    if kind:
        query = query.where(col(Region.kind) == kind)
    return await keyset_page(session, query, Region.id, cursor, limit)


async def update_region(
    session: AsyncSession,
    actor: Principal,
    region_id: int,
    data: RegionUpdate,
    ip: str | None,
    expected_version: int | None = None,
) -> Region:
    """Names and kind; the country stays (its cities must be in it)."""
    service.require_admin(actor)
    region = await get_region(session, region_id)
    check_version(region.version, expected_version, service.dump(region_read(region)))
    values = service.renamed(region, data)
    if data.kind is not None:
        values["kind"] = data.kind
    if service.unchanged(region, values):
        return region
    if values["name"] != region.name:
        await _ensure_region_name_free(session, region.country, values["name"], region.id)
    await service.save_update(
        session,
        actor,
        region,
        values,
        entity="region",
        read=region_read,
        ip=ip,
        fields=data.model_fields_set,
    )
    return region
