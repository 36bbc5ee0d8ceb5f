"""Rules for the exchange directory. Services flush; the caller commits.

Every write appends to the change log (scope ``platform``: every signed-in person may read the
directory) in the same transaction, and administrators' writes leave an audit entry. CSV
import and export live in ``server.directory.csvio``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import delete, func, select
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
    OrganizationCity,
    OrganizationCityRead,
    Region,
    Sector,
)
from server.identity import organizations
from server.identity import service as identity
from server.identity.service import Principal

PLATFORM_SCOPE = identity.PLATFORM_SCOPE
MEMBER_COUNTRY = "KR"  # Seoul and the other Korean cities
PARTNER_COUNTRY = "CN"  # their Chinese sister and friendly cities
Page = tuple[list[Any], str | None]


def require_admin(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an administrator may do this.", code="admin_required")


def invalid(detail: str, code: str, field: str, message: str | None = None) -> InvalidInput:
    return InvalidInput(detail, code=code, errors=[{"field": field, "message": message or detail}])


def name_translations(
    name_lang: str, translations: Translations | dict[str, str]
) -> dict[str, str]:
    """The translations of a name, without the original language (that is ``name`` itself)."""
    values = translations.as_dict() if isinstance(translations, Translations) else translations
    return {lang: text for lang, text in values.items() if text and lang != name_lang}


async def record(
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


async def audit(
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


# ---- edits in place ---------------------------------------------------------------------


class Named(Protocol):
    """A row whose name is kept in its original language beside its translations."""

    name: str
    name_lang: str
    translations: dict[str, str]


class NameChange(Protocol):
    """The name fields of a PATCH body; ``None`` keeps what is stored (``name`` cannot be set
    to null, see ``NotNull``)."""

    @property
    def name(self) -> str | None: ...
    @property
    def name_lang(self) -> str | None: ...
    @property
    def translations(self) -> Translations | None: ...


class Versioned(Protocol):
    """A row that a PATCH edits in place, one version at a time."""

    id: int | None
    version: int
    updated_at: datetime


Row = TypeVar("Row", bound=Versioned)


def renamed(row: Named, change: NameChange) -> dict[str, Any]:
    """``name``, ``name_lang`` and ``translations`` of ``row`` after ``change`` (translations,
    when sent, replace them all).

    A new ``name_lang`` alone makes the translation in that language the name, and keeps the
    old name as the translation in its own language, so that no text is lost."""
    name = change.name if change.name is not None else row.name
    name_lang = change.name_lang or row.name_lang
    texts = (
        change.translations.as_dict() if change.translations is not None else dict(row.translations)
    )
    if name_lang != row.name_lang and change.name is None:
        name = texts.get(name_lang) or ""
        if not name:
            raise invalid(
                f"Give the name in {name_lang} (as name or as its translation) to make "
                f"{name_lang} the original language.",
                "name_required",
                "name",
            )
        texts.setdefault(row.name_lang, row.name)
    return {
        "name": name,
        "name_lang": name_lang,
        "translations": name_translations(name_lang, texts),
    }


def unchanged(row: object, values: Mapping[str, Any]) -> bool:
    """Whether ``row`` holds ``values`` already. A PATCH that changes nothing answers the row as
    it is and writes nothing: no new version, no change row, no audit entry (so clients that
    resend the same form do not wake every subscriber)."""
    return all(getattr(row, name) == value for name, value in values.items())


async def save_update(
    session: AsyncSession,
    actor: Principal,
    row: Row,
    values: Mapping[str, Any],
    *,
    entity: str,
    read: Callable[[Row], BaseModel],
    ip: str | None,
    fields: Iterable[str],
) -> None:
    """Writes ``values`` as the next version of ``row``, records the change (``data``: the
    row as ``read`` shows it) and audits ``<entity>.updated`` with the ``fields`` sent."""
    for name, value in values.items():
        setattr(row, name, value)
    row.version += 1
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    assert row.id is not None
    await record(session, entity, row.id, "updated", row.version, dump(read(row)), actor.user_id)
    await audit(session, actor, f"{entity}.updated", ip, entity, row.id, fields=sorted(fields))


# ---- reads ------------------------------------------------------------------------------


def city_read(city: City) -> CityRead:
    return CityRead.model_validate(city, from_attributes=True)


def dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


# ---- cities -----------------------------------------------------------------------------


async def _check_region(session: AsyncSession, region_id: int | None, country: str) -> None:
    if region_id is None:
        return
    region = await session.get(Region, region_id)
    if region is None:
        raise invalid(f"No region {region_id}.", "unknown_region", "region_id")
    if region.country != country:
        raise invalid(
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
            errors=[{"field": "name", "message": "already exists in this country and region"}],
        )


async def create_city(
    session: AsyncSession, actor: Principal, data: CityCreate, ip: str | None
) -> City:
    require_admin(actor)
    city = await create_city_unchecked(session, data, actor_id=actor.user_id)
    await audit(session, actor, "city.created", ip, "city", city.id, name=city.name)
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
    await record(session, "city", city.id, "created", 1, dump(city_read(city)), actor_id)
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
    require_admin(actor)
    city = await get_city(session, city_id)
    check_version(city.version, expected_version, dump(city_read(city)))
    values = renamed(city, data)
    if "region_id" in data.model_fields_set:
        await _check_region(session, data.region_id, city.country)
        values["region_id"] = data.region_id
    if unchanged(city, values):
        return city
    name, region_id = values["name"], values.get("region_id", city.region_id)
    if name != city.name or region_id != city.region_id:
        await _ensure_city_name_free(session, city.country, region_id, name, city.id)
    await save_update(
        session,
        actor,
        city,
        values,
        entity="city",
        read=city_read,
        ip=ip,
        fields=data.model_fields_set,
    )
    return city


# ---- organizations' cities --------------------------------------------------------------


async def organization_city(session: AsyncSession, organization_id: int) -> int | None:
    row = await session.get(OrganizationCity, organization_id)
    return None if row is None else row.city_id


async def get_organization_city(
    session: AsyncSession, organization_id: int
) -> OrganizationCityRead:
    await organizations.get_organization(session, organization_id)
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
        require_admin(actor)
    await organizations.get_organization(session, organization_id)
    if city_id is not None and await session.get(City, city_id) is None:
        raise invalid(f"No city {city_id}.", "unknown_city", "city_id")
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
    await record(
        session, "organization_city", organization_id, op, result.version, dump(result), actor_id
    )
    if actor is not None:
        await audit(
            session,
            actor,
            "organization.city_set",
            ip,
            "organization",
            organization_id,
            city_id=city_id,
        )
    return result


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
