"""Sectors of exchange (economy and trade, tourism...): a stable ``code`` and a name in three
languages. The migration seeds the usual ones.

Services flush; the caller commits. Every write is recorded in the change log and audited
(:mod:`server.directory.service`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import Conflict, NotFound, check_version
from server.core.pagination import keyset_page
from server.directory import service
from server.directory.models import Sector, SectorCreate, SectorRead, SectorUpdate
from server.identity.service import Principal


def sector_read(sector: Sector) -> SectorRead:
    return SectorRead.model_validate(sector, from_attributes=True)


async def create_sector(
    session: AsyncSession, actor: Principal, data: SectorCreate, ip: str | None
) -> Sector:
    service.require_admin(actor)
    taken = await session.execute(select(col(Sector.id)).where(col(Sector.code) == data.code))
    if taken.first() is not None:
        raise Conflict(
            f"The sector code {data.code!r} is taken.",
            code="sector_exists",
            errors=[{"field": "code", "message": "already taken by another sector"}],
        )
    sector = Sector(
        code=data.code,
        name=data.name,
        name_lang=data.name_lang,
        translations=service.name_translations(data.name_lang, data.translations),
    )
    session.add(sector)
    await session.flush()
    assert sector.id is not None
    await service.record(
        session, "sector", sector.id, "created", 1, service.dump(sector_read(sector)), actor.user_id
    )
    await service.audit(session, actor, "sector.created", ip, "sector", sector.id, code=sector.code)
    return sector


async def get_sector(session: AsyncSession, sector_id: int) -> Sector:
    sector = await session.get(Sector, sector_id)
    if sector is None:
        raise NotFound(f"No sector {sector_id}.")
    return sector


async def sector_by_code(session: AsyncSession, code: str) -> Sector:
    sector = (
        await session.execute(select(Sector).where(col(Sector.code) == code))
    ).scalar_one_or_none()
    if sector is None:
        raise NotFound(f"No sector {code!r}.")
    return sector


async def list_sectors(
    session: AsyncSession, *, cursor: str | None, limit: int | None
) -> service.Page:
    return await keyset_page(session, select(Sector), Sector.id, cursor, limit)


async def update_sector(
    session: AsyncSession,
    actor: Principal,
    sector_id: int,
    data: SectorUpdate,
    ip: str | None,
    expected_version: int | None = None,
) -> Sector:
    """The names only: the code is how CSV files and clients know the sector."""
    service.require_admin(actor)
    sector = await get_sector(session, sector_id)
    check_version(sector.version, expected_version, service.dump(sector_read(sector)))
    values = service.renamed(sector, data)
    if service.unchanged(sector, values):
        return sector
    await service.save_update(
        session,
        actor,
        sector,
        values,
        entity="sector",
        read=sector_read,
        ip=ip,
        fields=data.model_fields_set,
    )
    return sector
