"""Organizations: the governments and agencies whose people use Gyoryu (a deactivated
organization's members cannot sign in). Services flush; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import NotFound, check_version
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.identity.models import (
    Organization,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
)
from server.identity.service import (
    PLATFORM_SCOPE,
    Principal,
    audit,
    credentials_changed,
    require_admin,
)


def organization_read(org: Organization) -> OrganizationRead:
    return OrganizationRead.model_validate(org, from_attributes=True)


async def _record_org(
    session: AsyncSession, org: Organization, op: str, actor_id: int | None
) -> None:
    assert org.id is not None
    credentials_changed(session)
    await changes.record(
        session,
        scope=PLATFORM_SCOPE,
        entity="organization",
        entity_id=org.id,
        op=op,
        version=org.version,
        data=organization_read(org).model_dump(mode="json"),
        actor_id=actor_id,
    )


async def create_organization(
    session: AsyncSession, actor: Principal, data: OrganizationCreate, ip: str | None
) -> Organization:
    require_admin(actor)
    org = await create_organization_unchecked(session, data, actor_id=actor.user_id)
    await audit(
        session,
        "organization.created",
        actor_id=actor.user_id,
        ip=ip,
        target_type="organization",
        target_id=org.id,
        name=org.name,
    )
    return org


async def create_organization_unchecked(
    session: AsyncSession, data: OrganizationCreate, *, actor_id: int | None = None
) -> Organization:
    """Create without a permission check: for the CLI and demo loader, and the caller above."""
    org = Organization(
        name=data.name,
        name_lang=data.name_lang,
        translations=data.translations.as_dict(),
        country=data.country,
        city=data.city,
    )
    session.add(org)
    await session.flush()
    await _record_org(session, org, "created", actor_id)
    return org


async def get_organization(session: AsyncSession, org_id: int) -> Organization:
    org = await session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"No organization {org_id}.")
    return org


async def list_organizations(
    session: AsyncSession, *, cursor: str | None, limit: int | None
) -> tuple[list[Organization], str | None]:
    return await keyset_page(session, select(Organization), Organization.id, cursor, limit)


async def update_organization(
    session: AsyncSession,
    actor: Principal,
    org_id: int,
    data: OrganizationUpdate,
    ip: str | None,
    expected_version: int | None = None,
) -> Organization:
    require_admin(actor)
    org = await get_organization(session, org_id)
    check_version(org.version, expected_version, organization_read(org).model_dump(mode="json"))
    fields = data.model_dump(exclude_unset=True)
    if "translations" in fields:
        fields["translations"] = data.translations.as_dict() if data.translations else {}
    for name, value in fields.items():
        setattr(org, name, value)
    org.version += 1
    org.updated_at = utcnow()
    session.add(org)
    await session.flush()
    await _record_org(session, org, "updated", actor.user_id)
    await audit(
        session,
        "organization.updated",
        actor_id=actor.user_id,
        ip=ip,
        target_type="organization",
        target_id=org.id,
        fields=sorted(fields),
    )
    return org


async def organizations_by_ids(
    session: AsyncSession, ids: Iterable[int]
) -> dict[int, Organization]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Organization).where(col(Organization.id).in_(wanted)))
    return {org.id: org for org in rows.scalars() if org.id is not None}
