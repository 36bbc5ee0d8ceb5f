"""Rules for the exchange directory. Services flush; the caller commits.

Every write appends to the change log (scope ``platform``: every signed-in person may read the
directory) in the same transaction, and administrators' writes leave an audit entry. CSV
import and export live in ``server.directory.csvio``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound, check_version
from server.core.i18n import Translations
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.directory.models import (
    DEFAULT_NAME_LANG,
    City,
    CityCreate,
    CityRead,
    CityUpdate,
    Counterpart,
    CounterpartCreate,
    CounterpartRead,
    CounterpartUpdate,
    GlossaryTerm,
    GlossaryTermCreate,
    GlossaryTermRead,
    OrganizationCity,
    OrganizationCityRead,
    Partnership,
    PartnershipCreate,
    PartnershipRead,
    PartnershipUpdate,
    Region,
    RegionCreate,
    RegionRead,
    Sector,
    SectorCreate,
    SectorRead,
)
from server.identity import service as identity
from server.identity.service import Principal

PLATFORM_SCOPE = identity.PLATFORM_SCOPE
MEMBER_COUNTRY = "KR"  # Seoul and the other Korean cities
PARTNER_COUNTRY = "CN"  # their Chinese sister and friendly cities
Page = tuple[list[Any], str | None]


def _require_admin(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an administrator may do this.", code="admin_required")


def _invalid(detail: str, code: str, field: str, message: str | None = None) -> InvalidInput:
    return InvalidInput(detail, code=code, errors=[{"field": field, "message": message or detail}])


def name_translations(
    name_lang: str, translations: Translations | dict[str, str]
) -> dict[str, str]:
    """The translations of a name, without the original language (that is ``name`` itself)."""
    values = translations.as_dict() if isinstance(translations, Translations) else translations
    return {lang: text for lang, text in values.items() if text and lang != name_lang}


async def _record(
    session: AsyncSession,
    entity: str,
    entity_id: int,
    op: str,
    version: int,
    data: dict[str, Any],
    actor_id: int | None,
) -> None:
    await changes.record(
        session,
        scope=PLATFORM_SCOPE,
        entity=entity,
        entity_id=entity_id,
        op=op,
        version=version,
        data=data,
        actor_id=actor_id,
    )


async def _audit(
    session: AsyncSession,
    actor: Principal,
    action: str,
    ip: str | None,
    target_type: str,
    target_id: int | None,
    **details: Any,
) -> None:
    await identity.audit(
        session,
        action,
        actor_id=actor.user_id,
        ip=ip,
        target_type=target_type,
        target_id=target_id,
        **details,
    )


# ---- reads ------------------------------------------------------------------------------


def region_read(region: Region) -> RegionRead:
    return RegionRead.model_validate(region, from_attributes=True)


def city_read(city: City) -> CityRead:
    return CityRead.model_validate(city, from_attributes=True)


def partnership_read(partnership: Partnership) -> PartnershipRead:
    return PartnershipRead.model_validate(partnership, from_attributes=True)


def sector_read(sector: Sector) -> SectorRead:
    return SectorRead.model_validate(sector, from_attributes=True)


def counterpart_read(counterpart: Counterpart) -> CounterpartRead:
    return CounterpartRead.model_validate(counterpart, from_attributes=True)


def glossary_read(term: GlossaryTerm) -> GlossaryTermRead:
    assert term.id is not None
    terms = {"ko": term.ko, "zh-Hans": term.zh_hans, "en": term.en}
    return GlossaryTermRead(
        id=term.id,
        terms={lang: text for lang, text in terms.items() if text},
        note=term.note,
        sector_id=term.sector_id,
        version=term.version,
    )


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


# ---- regions ----------------------------------------------------------------------------


async def create_region(
    session: AsyncSession, actor: Principal, data: RegionCreate, ip: str | None
) -> Region:
    _require_admin(actor)
    region = await create_region_unchecked(session, data, actor_id=actor.user_id)
    await _audit(session, actor, "region.created", ip, "region", region.id, name=region.name)
    return region


async def create_region_unchecked(
    session: AsyncSession, data: RegionCreate, *, actor_id: int | None = None
) -> Region:
    """Create without a permission check: for the demo loader, and the caller above."""
    taken = await session.execute(
        select(col(Region.id)).where(
            col(Region.country) == data.country, col(Region.name) == data.name
        )
    )
    if taken.first() is not None:
        raise Conflict(
            f"The region {data.name!r} already exists in {data.country}.", code="region_exists"
        )
    name_lang = data.name_lang or DEFAULT_NAME_LANG[data.country]
    region = Region(
        name=data.name,
        name_lang=name_lang,
        translations=name_translations(name_lang, data.translations),
        country=data.country,
        kind=data.kind,
    )
    session.add(region)
    await session.flush()
    assert region.id is not None
    await _record(session, "region", region.id, "created", 1, _dump(region_read(region)), actor_id)
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
) -> Page:
    query = select(Region)
    if country:
        query = query.where(col(Region.country) == country)
    if kind:
        query = query.where(col(Region.kind) == kind)
    return await keyset_page(session, query, Region.id, cursor, limit)


# ---- cities -----------------------------------------------------------------------------


async def _check_region(session: AsyncSession, region_id: int | None, country: str) -> None:
    if region_id is None:
        return
    region = await session.get(Region, region_id)
    if region is None:
        raise _invalid(f"No region {region_id}.", "unknown_region", "region_id")
    if region.country != country:
        raise _invalid(
            f"The region {region.name} is in {region.country}, not {country}.",
            "region_country_mismatch",
            "region_id",
        )


async def _ensure_city_name_free(
    session: AsyncSession, country: str, region_id: int | None, name: str, exclude_id: int | None
) -> None:
    query = select(col(City.id)).where(
        col(City.country) == country,
        col(City.name) == name,
        col(City.region_id).is_(None) if region_id is None else col(City.region_id) == region_id,
    )
    if exclude_id is not None:
        query = query.where(col(City.id) != exclude_id)
    if (await session.execute(query)).first() is not None:
        raise Conflict(
            f"A city named {name!r} already exists in this country and region.",
            code="city_exists",
        )


async def create_city(
    session: AsyncSession, actor: Principal, data: CityCreate, ip: str | None
) -> City:
    _require_admin(actor)
    city = await create_city_unchecked(session, data, actor_id=actor.user_id)
    await _audit(session, actor, "city.created", ip, "city", city.id, name=city.name)
    return city


async def create_city_unchecked(
    session: AsyncSession, data: CityCreate, *, actor_id: int | None = None
) -> City:
    await _check_region(session, data.region_id, data.country)
    await _ensure_city_name_free(session, data.country, data.region_id, data.name, None)
    name_lang = data.name_lang or DEFAULT_NAME_LANG[data.country]
    city = City(
        name=data.name,
        name_lang=name_lang,
        translations=name_translations(name_lang, data.translations),
        country=data.country,
        region_id=data.region_id,
    )
    session.add(city)
    await session.flush()
    assert city.id is not None
    await _record(session, "city", city.id, "created", 1, _dump(city_read(city)), actor_id)
    return city


async def get_city(session: AsyncSession, city_id: int) -> City:
    city = await session.get(City, city_id)
    if city is None:
        raise NotFound(f"No city {city_id}.")
    return city


async def list_cities(
    session: AsyncSession,
    *,
    cursor: str | None,
    limit: int | None,
    country: str | None = None,
    region_id: int | None = None,
) -> Page:
    query = select(City)
    if country:
        query = query.where(col(City.country) == country)
    if region_id is not None:
        query = query.where(col(City.region_id) == region_id)
    return await keyset_page(session, query, City.id, cursor, limit)


async def update_city(
    session: AsyncSession,
    actor: Principal,
    city_id: int,
    data: CityUpdate,
    ip: str | None,
    expected_version: int | None = None,
) -> City:
    _require_admin(actor)
    city = await get_city(session, city_id)
    check_version(city.version, expected_version, _dump(city_read(city)))
    fields = data.model_dump(exclude_unset=True)
    if "name" in fields and fields["name"] is None:
        raise _invalid("A city needs a name.", "invalid_input", "name")
    name = fields.get("name", city.name)
    region_id = fields.get("region_id", city.region_id)
    if "region_id" in fields:
        await _check_region(session, region_id, city.country)
    if name != city.name or region_id != city.region_id:
        await _ensure_city_name_free(session, city.country, region_id, name, city.id)
    name_lang = fields.get("name_lang") or city.name_lang
    translations = data.translations if data.translations is not None else dict(city.translations)
    city.name = name
    city.region_id = region_id
    city.name_lang = name_lang
    city.translations = name_translations(name_lang, translations)
    city.version += 1
    city.updated_at = utcnow()
    session.add(city)
    await session.flush()
    await _record(
        session, "city", city_id, "updated", city.version, _dump(city_read(city)), actor.user_id
    )
    await _audit(session, actor, "city.updated", ip, "city", city_id, fields=sorted(fields))
    return city


# ---- partnerships -----------------------------------------------------------------------


async def _check_partner_cities(
    session: AsyncSession, member_city_id: int, partner_city_id: int
) -> None:
    for field, city_id, country in (
        ("member_city_id", member_city_id, MEMBER_COUNTRY),
        ("partner_city_id", partner_city_id, PARTNER_COUNTRY),
    ):
        city = await session.get(City, city_id)
        if city is None:
            raise _invalid(f"No city {city_id}.", "unknown_city", field)
        if city.country != country:
            raise _invalid(
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
    _require_admin(actor)
    partnership = await create_partnership_unchecked(session, data, actor_id=actor.user_id)
    await _audit(
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
    await _record(
        session,
        "partnership",
        partnership.id,
        "created",
        1,
        _dump(partnership_read(partnership)),
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
) -> Page:
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
    _require_admin(actor)
    partnership = await get_partnership(session, partnership_id)
    check_version(partnership.version, expected_version, _dump(partnership_read(partnership)))
    fields = data.model_dump(exclude_unset=True)
    for name in ("kind", "status", "notes"):
        if name in fields and fields[name] is None:
            raise _invalid(f"{name} cannot be null.", "invalid_input", name)
    if fields.get("status") not in (None, "ended") and partnership.status == "ended":
        await _ensure_no_open_partnership(
            session, partnership.member_city_id, partnership.partner_city_id, partnership_id
        )
    for name, value in fields.items():
        setattr(partnership, name, value)
    partnership.version += 1
    partnership.updated_at = utcnow()
    session.add(partnership)
    await session.flush()
    await _record(
        session,
        "partnership",
        partnership_id,
        "updated",
        partnership.version,
        _dump(partnership_read(partnership)),
        actor.user_id,
    )
    await _audit(
        session,
        actor,
        "partnership.updated",
        ip,
        "partnership",
        partnership_id,
        fields=sorted(fields),
    )
    return partnership


# ---- sectors ----------------------------------------------------------------------------


async def create_sector(
    session: AsyncSession, actor: Principal, data: SectorCreate, ip: str | None
) -> Sector:
    _require_admin(actor)
    taken = await session.execute(select(col(Sector.id)).where(col(Sector.code) == data.code))
    if taken.first() is not None:
        raise Conflict(f"The sector code {data.code!r} is taken.", code="sector_exists")
    sector = Sector(
        code=data.code,
        name=data.name,
        name_lang=data.name_lang,
        translations=name_translations(data.name_lang, data.translations),
    )
    session.add(sector)
    await session.flush()
    assert sector.id is not None
    await _record(
        session, "sector", sector.id, "created", 1, _dump(sector_read(sector)), actor.user_id
    )
    await _audit(session, actor, "sector.created", ip, "sector", sector.id, code=sector.code)
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


async def list_sectors(session: AsyncSession, *, cursor: str | None, limit: int | None) -> Page:
    return await keyset_page(session, select(Sector), Sector.id, cursor, limit)


# ---- organizations' cities --------------------------------------------------------------


async def organization_city(session: AsyncSession, organization_id: int) -> int | None:
    row = await session.get(OrganizationCity, organization_id)
    return None if row is None else row.city_id


async def get_organization_city(
    session: AsyncSession, organization_id: int
) -> OrganizationCityRead:
    await identity.get_organization(session, organization_id)
    row = await session.get(OrganizationCity, organization_id)
    if row is None:
        return OrganizationCityRead(organization_id=organization_id, city_id=None, version=0)
    return OrganizationCityRead(
        organization_id=organization_id, city_id=row.city_id, version=row.version
    )


async def organizations_in_city(session: AsyncSession, city_id: int) -> list[int]:
    rows = await session.execute(
        select(col(OrganizationCity.organization_id))
        .where(col(OrganizationCity.city_id) == city_id)
        .order_by(col(OrganizationCity.organization_id))
    )
    return list(rows.scalars().all())


async def set_organization_city(
    session: AsyncSession,
    actor: Principal | None,
    organization_id: int,
    city_id: int | None,
    ip: str | None,
) -> OrganizationCityRead:
    """Link an organization to its city (``None`` unlinks it); ``actor=None`` for the demo
    loader. The organization itself belongs to identity and is left untouched."""
    if actor is not None:
        _require_admin(actor)
    await identity.get_organization(session, organization_id)
    if city_id is not None and await session.get(City, city_id) is None:
        raise _invalid(f"No city {city_id}.", "unknown_city", "city_id")
    row = await session.get(OrganizationCity, organization_id)
    actor_id = actor.user_id if actor else None
    if row is None and city_id is None:
        return OrganizationCityRead(organization_id=organization_id, city_id=None, version=0)
    if row is not None and row.city_id == city_id:
        return OrganizationCityRead(
            organization_id=organization_id, city_id=city_id, version=row.version
        )
    if city_id is None:
        assert row is not None
        version = row.version + 1
        await session.execute(
            delete(OrganizationCity).where(col(OrganizationCity.organization_id) == organization_id)
        )
        result = OrganizationCityRead(
            organization_id=organization_id, city_id=None, version=version
        )
        op = "deleted"
    else:
        if row is None:
            row = OrganizationCity(organization_id=organization_id, city_id=city_id)
            op = "created"
        else:
            row.city_id = city_id
            row.version += 1
            row.updated_at = utcnow()
            op = "updated"
        session.add(row)
        await session.flush()
        result = OrganizationCityRead(
            organization_id=organization_id, city_id=city_id, version=row.version
        )
    await _record(
        session, "organization_city", organization_id, op, result.version, _dump(result), actor_id
    )
    if actor is not None:
        await _audit(
            session,
            actor,
            "organization.city_set",
            ip,
            "organization",
            organization_id,
            city_id=city_id,
        )
    return result


# ---- counterparts -----------------------------------------------------------------------


async def check_official(session: AsyncSession, user_id: int, country: str, field: str) -> None:
    """A counterpart holder is an active person of an organization of ``country``."""
    try:
        user = await identity.get_user(session, user_id)
    except NotFound:
        raise _invalid(f"No user {user_id}.", "unknown_user", field) from None
    if user.is_bot or not user.is_active:
        raise _invalid(f"User {user_id} is not an active official.", "not_an_official", field)
    org_country = None
    if user.organization_id is not None:
        org_country = (await identity.get_organization(session, user.organization_id)).country
    if org_country != country:
        side = "Korean" if country == "KR" else "Chinese"
        raise _invalid(
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
        raise _invalid(f"No partnership {partnership_id}.", "unknown_partnership", "partnership_id")
    if partnership.status == "ended":
        raise Conflict(f"The partnership {partnership_id} has ended.", code="partnership_ended")
    if await session.get(Sector, sector_id) is None:
        raise _invalid(f"No sector {sector_id}.", "unknown_sector", "sector_id")


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
    await _record(
        session,
        "counterpart",
        counterpart.id,
        "created",
        1,
        _dump(counterpart_read(counterpart)),
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
    await _record(
        session,
        "counterpart",
        counterpart.id,
        "updated",
        counterpart.version,
        _dump(counterpart_read(counterpart)),
        actor_id,
    )


async def create_counterpart(
    session: AsyncSession, actor: Principal | None, data: CounterpartCreate, ip: str | None
) -> Counterpart:
    """Pair two officials for a sector of a partnership (``actor=None``: the demo loader)."""
    if actor is not None:
        _require_admin(actor)
    await _check_slot(session, data.partnership_id, data.sector_id)
    await check_official(session, data.kr_user_id, "KR", "kr_user_id")
    await check_official(session, data.cn_user_id, "CN", "cn_user_id")
    current = await current_counterpart(session, data.partnership_id, data.sector_id)
    if current is not None:
        raise Conflict(
            f"This sector of the partnership already has a counterpart pair ({current.id}); "
            "change its holders with PATCH.",
            code="counterpart_exists",
            current=_dump(counterpart_read(current)),
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
        await _audit(
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
    _require_admin(actor)
    counterpart = await get_counterpart(session, counterpart_id)
    check_version(counterpart.version, expected_version, _dump(counterpart_read(counterpart)))
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
    await _audit(
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
    _require_admin(actor)
    counterpart = await get_counterpart(session, counterpart_id)
    check_version(counterpart.version, expected_version, _dump(counterpart_read(counterpart)))
    if counterpart.ended_at is not None:
        raise Conflict(
            f"The counterpart pair {counterpart_id} has already ended.", code="counterpart_ended"
        )
    await _end_counterpart(session, counterpart, utcnow(), actor.user_id)
    await _audit(session, actor, "counterpart.ended", ip, "counterpart", counterpart_id)
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
) -> Page:
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
) -> Page:
    """Every holding of the slot (partnership, sector) that ``counterpart_id`` belongs to,
    oldest first: who held it when."""
    counterpart = await get_counterpart(session, counterpart_id)
    query: Select[Any] = select(Counterpart).where(
        col(Counterpart.partnership_id) == counterpart.partnership_id,
        col(Counterpart.sector_id) == counterpart.sector_id,
    )
    return await keyset_page(session, query, Counterpart.id, cursor, limit)


# ---- glossary ---------------------------------------------------------------------------


async def create_glossary_term(
    session: AsyncSession, actor: Principal | None, data: GlossaryTermCreate, ip: str | None
) -> GlossaryTerm:
    if actor is not None:
        _require_admin(actor)
    terms = {k: v.strip() for k, v in data.terms.as_dict().items() if v.strip()}
    if len(terms) < 2:
        raise _invalid(
            "A glossary entry needs the term in at least two of ko, zh-Hans and en.",
            "glossary_needs_two_languages",
            "terms",
        )
    if data.sector_id is not None and await session.get(Sector, data.sector_id) is None:
        raise _invalid(f"No sector {data.sector_id}.", "unknown_sector", "sector_id")
    term = GlossaryTerm(
        ko=terms.get("ko"),
        zh_hans=terms.get("zh-Hans"),
        en=terms.get("en"),
        note=data.note,
        sector_id=data.sector_id,
    )
    session.add(term)
    await session.flush()
    assert term.id is not None
    actor_id = actor.user_id if actor else None
    await _record(
        session, "glossary_term", term.id, "created", 1, _dump(glossary_read(term)), actor_id
    )
    if actor is not None:
        await _audit(session, actor, "glossary_term.created", ip, "glossary_term", term.id)
    return term


async def list_glossary(
    session: AsyncSession,
    *,
    cursor: str | None,
    limit: int | None,
    q: str | None = None,
    sector_id: int | None = None,
) -> Page:
    query = select(GlossaryTerm)
    if q:
        needle = q.strip().lower()
        query = query.where(
            or_(
                *(
                    func.lower(col(column)).contains(needle, autoescape=True)
                    for column in (GlossaryTerm.ko, GlossaryTerm.zh_hans, GlossaryTerm.en)
                )
            )
        )
    if sector_id is not None:
        query = query.where(col(GlossaryTerm.sector_id) == sector_id)
    return await keyset_page(session, query, GlossaryTerm.id, cursor, limit)


def problem_for(exc: AppError) -> str:
    """The detail of a service error, as a CSV import reports it beside a line."""
    errors: Sequence[dict[str, Any]] = exc.extra.get("errors") or []
    return errors[0]["message"] if errors else exc.detail


# ---- figures for the dashboard ----------------------------------------------------------


async def cities_of_organizations(
    session: AsyncSession, organization_ids: Sequence[int]
) -> dict[int, City]:
    """Each linked organization's city (organizations without a city are left out)."""
    if not organization_ids:
        return {}
    rows = await session.execute(
        select(col(OrganizationCity.organization_id), City)
        .join(City, col(City.id) == col(OrganizationCity.city_id))
        .where(col(OrganizationCity.organization_id).in_(list(organization_ids)))
    )
    return {int(org): city for org, city in rows.all()}


async def partnerships_per_sector(session: AsyncSession) -> list[tuple[Sector, int]]:
    """Every sector with the number of partnerships that have a current counterpart pair in it."""
    per_sector = (
        select(
            col(Counterpart.sector_id),
            func.count(func.distinct(col(Counterpart.partnership_id))).label("n"),
        )
        .where(col(Counterpart.ended_at).is_(None))
        .group_by(col(Counterpart.sector_id))
        .subquery()
    )
    rows = await session.execute(
        select(Sector, per_sector.c.n)
        .outerjoin(per_sector, per_sector.c.sector_id == col(Sector.id))
        .order_by(col(Sector.id))
    )
    return [(sector, int(n or 0)) for sector, n in rows.all()]
