"""Counterpart officials: who holds each (partnership, sector) slot, and who held it before.

Services flush; the caller commits. Every write is recorded in the change log and audited
(:mod:`server.directory.service`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import Conflict, NotFound, check_version
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.directory import service
from server.directory.models import (
    Counterpart,
    CounterpartCreate,
    CounterpartRead,
    CounterpartUpdate,
    Partnership,
    Sector,
)
from server.identity import organizations
from server.identity import service as identity
from server.identity.service import Principal


def counterpart_read(counterpart: Counterpart) -> CounterpartRead:
    return CounterpartRead.model_validate(counterpart, from_attributes=True)


async def check_official(session: AsyncSession, user_id: int, country: str, field: str) -> None:
    """A counterpart holder is an active person of an organization of ``country``."""
    try:
        user = await identity.get_user(session, user_id)
    except NotFound:
        raise service.invalid(f"No user {user_id}.", "unknown_user", field) from None
    if user.is_bot or not user.is_active:
        raise service.invalid(
            f"User {user_id} is not an active official.", "not_an_official", field
        )
    org_country = None
    if user.organization_id is not None:
        org_country = (await organizations.get_organization(session, user.organization_id)).country
    if org_country != country:
        side = "Korean" if country == "KR" else "Chinese"
        raise service.invalid(
            f"User {user_id} is not an official of a {side} organization.",
            "official_country_mismatch",
            field,
        )


async def current_counterpart(
    session: AsyncSession, partnership_id: int, sector_id: int
) -> Counterpart | None:
    return (
        await session.execute(
            select(Counterpart).where(
                col(Counterpart.partnership_id) == partnership_id,
                col(Counterpart.sector_id) == sector_id,
                col(Counterpart.ended_at).is_(None),
            )
        )
    ).scalar_one_or_none()


async def _check_slot(session: AsyncSession, partnership_id: int, sector_id: int) -> None:
    partnership = await session.get(Partnership, partnership_id)
    if partnership is None:
        raise service.invalid(
            f"No partnership {partnership_id}.", "unknown_partnership", "partnership_id"
        )
    if partnership.status == "ended":
        raise Conflict(f"The partnership {partnership_id} has ended.", code="partnership_ended")
    if await session.get(Sector, sector_id) is None:
        raise service.invalid(f"No sector {sector_id}.", "unknown_sector", "sector_id")


async def _start_counterpart(
    session: AsyncSession,
    partnership_id: int,
    sector_id: int,
    kr_user_id: int,
    cn_user_id: int,
    *,
    at: datetime,
    previous_id: int | None,
    actor_id: int | None,
) -> Counterpart:
    counterpart = Counterpart(
        partnership_id=partnership_id,
        sector_id=sector_id,
        kr_user_id=kr_user_id,
        cn_user_id=cn_user_id,
        started_at=at,
        previous_id=previous_id,
    )
    session.add(counterpart)
    await session.flush()
    assert counterpart.id is not None
    await service.record(
        session,
        "counterpart",
        counterpart.id,
        "created",
        1,
        service.dump(counterpart_read(counterpart)),
        actor_id,
    )
    return counterpart


async def _end_counterpart(
    session: AsyncSession, counterpart: Counterpart, at: datetime, actor_id: int | None
) -> None:
    assert counterpart.id is not None
    counterpart.ended_at = at
    counterpart.version += 1
    session.add(counterpart)
    await session.flush()
    await service.record(
        session,
        "counterpart",
        counterpart.id,
        "updated",
        counterpart.version,
        service.dump(counterpart_read(counterpart)),
        actor_id,
    )


async def create_counterpart(
    session: AsyncSession, actor: Principal | None, data: CounterpartCreate, ip: str | None
) -> Counterpart:
    """Pair two officials for a sector of a partnership (``actor=None``: the demo loader)."""
    if actor is not None:
        service.require_admin(actor)
    await _check_slot(session, data.partnership_id, data.sector_id)
    await check_official(session, data.kr_user_id, "KR", "kr_user_id")
    await check_official(session, data.cn_user_id, "CN", "cn_user_id")
    current = await current_counterpart(session, data.partnership_id, data.sector_id)
    if current is not None:
        raise Conflict(
            f"This sector of the partnership already has a counterpart pair ({current.id}); "
            "change its holders with PATCH.",
            code="counterpart_exists",
            current=service.dump(counterpart_read(current)),
        )
    counterpart = await _start_counterpart(
        session,
        data.partnership_id,
        data.sector_id,
        data.kr_user_id,
        data.cn_user_id,
        at=utcnow(),
        previous_id=None,
        actor_id=actor.user_id if actor else None,
    )
    if actor is not None:
        await service.audit(
            session,
            actor,
            "counterpart.created",
            ip,
            "counterpart",
            counterpart.id,
            kr_user_id=data.kr_user_id,
            cn_user_id=data.cn_user_id,
        )
    return counterpart


async def get_counterpart(session: AsyncSession, counterpart_id: int) -> Counterpart:
    counterpart = await session.get(Counterpart, counterpart_id)
    if counterpart is None:
        raise NotFound(f"No counterpart pair {counterpart_id}.")
    return counterpart


async def change_counterpart(
    session: AsyncSession,
    actor: Principal,
    counterpart_id: int,
    data: CounterpartUpdate,
    ip: str | None,
    expected_version: int | None = None,
) -> Counterpart:
    """A new holder on either side: the current pair ends now and the next one starts now.
    Answers the new pair (or the current one when nothing changes)."""
    service.require_admin(actor)
    counterpart = await get_counterpart(session, counterpart_id)
    check_version(
        counterpart.version, expected_version, service.dump(counterpart_read(counterpart))
    )
    if counterpart.ended_at is not None:
        raise Conflict(
            f"The counterpart pair {counterpart_id} has ended; change the current one.",
            code="counterpart_ended",
        )
    kr_user_id = data.kr_user_id or counterpart.kr_user_id
    cn_user_id = data.cn_user_id or counterpart.cn_user_id
    if (kr_user_id, cn_user_id) == (counterpart.kr_user_id, counterpart.cn_user_id):
        return counterpart
    if kr_user_id != counterpart.kr_user_id:
        await check_official(session, kr_user_id, "KR", "kr_user_id")
    if cn_user_id != counterpart.cn_user_id:
        await check_official(session, cn_user_id, "CN", "cn_user_id")
    successor = await replace_counterpart(
        session, counterpart, kr_user_id, cn_user_id, actor_id=actor.user_id
    )
    await service.audit(
        session,
        actor,
        "counterpart.changed",
        ip,
        "counterpart",
        successor.id,
        previous_id=counterpart_id,
        kr_user_id=kr_user_id,
        cn_user_id=cn_user_id,
    )
    return successor


async def replace_counterpart(
    session: AsyncSession,
    current: Counterpart,
    kr_user_id: int,
    cn_user_id: int,
    *,
    actor_id: int | None,
) -> Counterpart:
    """End ``current`` and start its successor at the same instant (holders already checked)."""
    now = utcnow()
    await _end_counterpart(session, current, now, actor_id)
    return await _start_counterpart(
        session,
        current.partnership_id,
        current.sector_id,
        kr_user_id,
        cn_user_id,
        at=now,
        previous_id=current.id,
        actor_id=actor_id,
    )


async def end_counterpart(
    session: AsyncSession,
    actor: Principal,
    counterpart_id: int,
    ip: str | None,
    expected_version: int | None = None,
) -> Counterpart:
    """End a pair without a successor (the sector is no longer worked on together)."""
    service.require_admin(actor)
    counterpart = await get_counterpart(session, counterpart_id)
    check_version(
        counterpart.version, expected_version, service.dump(counterpart_read(counterpart))
    )
    if counterpart.ended_at is not None:
        raise Conflict(
            f"The counterpart pair {counterpart_id} has already ended.", code="counterpart_ended"
        )
    await _end_counterpart(session, counterpart, utcnow(), actor.user_id)
    await service.audit(session, actor, "counterpart.ended", ip, "counterpart", counterpart_id)
    return counterpart


async def list_counterparts(
    session: AsyncSession,
    *,
    cursor: str | None,
    limit: int | None,
    partnership_id: int | None = None,
    sector_id: int | None = None,
    user_id: int | None = None,
    include_ended: bool = False,
) -> service.Page:
    query = select(Counterpart)
    if not include_ended:
        query = query.where(col(Counterpart.ended_at).is_(None))
    if partnership_id is not None:
        query = query.where(col(Counterpart.partnership_id) == partnership_id)
    if sector_id is not None:
        query = query.where(col(Counterpart.sector_id) == sector_id)
    if user_id is not None:
        query = query.where(
            or_(col(Counterpart.kr_user_id) == user_id, col(Counterpart.cn_user_id) == user_id)
        )
    return await keyset_page(session, query, Counterpart.id, cursor, limit)


async def counterpart_history(
    session: AsyncSession, counterpart_id: int, *, cursor: str | None, limit: int | None
) -> service.Page:
    """Every holding of the slot (partnership, sector) that ``counterpart_id`` belongs to,
    oldest first: who held it when."""
    counterpart = await get_counterpart(session, counterpart_id)
    query: Select[Any] = select(Counterpart).where(
        col(Counterpart.partnership_id) == counterpart.partnership_id,
        col(Counterpart.sector_id) == counterpart.sector_id,
    )
    return await keyset_page(session, query, Counterpart.id, cursor, limit)
