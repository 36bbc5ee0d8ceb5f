"""Rules for organizations, users, logins and tokens (bots: :mod:`server.identity.bots`).
Services flush; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Conflict, Forbidden, InvalidInput, NotFound, check_version
from server.core.pagination import keyset_page
from server.core.security import (
    SESSION_TOKEN_PREFIX,
    hash_password,
    new_token,
    password_problem,
    token_digest,
    verify_password,
)
from server.core.types import utcnow
from server.identity.models import (
    AuditEntry,
    AuthToken,
    Organization,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    User,
    UserCreate,
    UserRead,
    UserUpdate,
)

PLATFORM_SCOPE = "platform"  # what every signed-in person may see: organizations, people
# A change of this entity in ``user:{id}`` says a token was revoked (logout, rotate, revoke,
# deactivation): the realtime hub closes that token's WebSockets.
ACCESS_TOKEN_ENTITY = "access_token"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, and with which token's limits."""

    user_id: int
    username: str
    role: str
    organization_id: int | None
    is_bot: bool
    token_id: int
    scopes: frozenset[str] | None  # None: a person's session, all scopes
    channel_ids: frozenset[int] | None  # None: no channel allow-list

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" and not self.is_bot

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def may_use_channel(self, channel_id: int) -> bool:
        return self.channel_ids is None or channel_id in self.channel_ids

    def require_channel(self, channel_id: int) -> None:
        if not self.may_use_channel(channel_id):
            raise Forbidden(
                f"This token is not allowed in channel {channel_id}.", code="channel_not_allowed"
            )


# ---- audit ------------------------------------------------------------------------------


async def audit(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None,
    ip: str | None,
    target_type: str | None = None,
    target_id: int | str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEntry(
            action=action,
            actor_id=actor_id,
            ip=ip,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            details=details,
        )
    )
    await session.flush()


async def list_audit(
    session: AsyncSession, *, cursor: str | None, limit: int | None, action: str | None = None
) -> tuple[list[AuditEntry], str | None]:
    query = select(AuditEntry)
    if action:
        query = query.where(col(AuditEntry.action) == action)
    return await keyset_page(session, query, AuditEntry.id, cursor, limit, descending=True)


# ---- organizations ----------------------------------------------------------------------


def organization_read(org: Organization) -> OrganizationRead:
    return OrganizationRead.model_validate(org, from_attributes=True)


async def _record_org(
    session: AsyncSession, org: Organization, op: str, actor_id: int | None
) -> None:
    assert org.id is not None
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


# ---- users ------------------------------------------------------------------------------


def user_read(user: User) -> UserRead:
    return UserRead.model_validate(user, from_attributes=True)


async def record_user(session: AsyncSession, user: User, op: str, actor_id: int | None) -> None:
    assert user.id is not None
    await changes.record(
        session,
        scope=PLATFORM_SCOPE,
        entity="user",
        entity_id=user.id,
        op=op,
        version=user.version,
        data=user_read(user).model_dump(mode="json"),
        actor_id=actor_id,
    )


async def _ensure_username_free(session: AsyncSession, username: str) -> None:
    taken = await session.execute(select(col(User.id)).where(col(User.username) == username))
    if taken.first() is not None:
        raise Conflict(f"The username {username!r} is taken.", code="username_taken")


async def ensure_organization(session: AsyncSession, org_id: int | None) -> None:
    if org_id is not None and await session.get(Organization, org_id) is None:
        raise InvalidInput(
            f"No organization {org_id}.",
            code="unknown_organization",
            errors=[{"field": "organization_id", "message": "unknown organization"}],
        )


async def create_user(
    session: AsyncSession, actor: Principal | None, data: UserCreate, ip: str | None
) -> User:
    """Create a person; ``actor=None`` only for the CLI and demo loader."""
    if actor is not None:
        require_admin(actor)
    weakness = password_problem(data.password, data.username)
    if weakness:
        raise InvalidInput(
            weakness, code="weak_password", errors=[{"field": "password", "message": weakness}]
        )
    await _ensure_username_free(session, data.username)
    await ensure_organization(session, data.organization_id)
    user = User(
        username=data.username,
        display_name=data.display_name,
        locale=data.locale,
        timezone=data.timezone,
        organization_id=data.organization_id,
        role=data.role,
        password_hash=hash_password(data.password),
        created_by=actor.user_id if actor else None,
    )
    session.add(user)
    await session.flush()
    actor_id = actor.user_id if actor else None
    await record_user(session, user, "created", actor_id)
    await audit(
        session,
        "user.created",
        actor_id=actor_id,
        ip=ip,
        target_type="user",
        target_id=user.id,
        username=user.username,
        role=user.role,
    )
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


async def users_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, User]:
    """Users by id; those this session has loaded already (the caller, see
    :func:`resolve_token`) are not read again."""
    found: dict[int, User] = {}
    missing: set[int] = set()
    for user_id in set(ids):
        loaded = session.identity_map.get(session.identity_key(User, user_id))
        if isinstance(loaded, User) and not sa_inspect(loaded).expired_attributes:
            found[user_id] = loaded
        else:
            missing.add(user_id)
    if missing:
        rows = await session.execute(select(User).where(col(User.id).in_(missing)))
        found.update((u.id, u) for u in rows.scalars() if u.id is not None)
    return found


async def users_by_usernames(session: AsyncSession, usernames: Iterable[str]) -> list[User]:
    wanted = {u.lower() for u in usernames}
    if not wanted:
        return []
    rows = await session.execute(select(User).where(col(User.username).in_(wanted)))
    return list(rows.scalars())


async def list_users(
    session: AsyncSession, *, cursor: str | None, limit: int | None
) -> tuple[list[User], str | None]:
    return await keyset_page(session, select(User), User.id, cursor, limit)


async def update_user(
    session: AsyncSession,
    actor: Principal,
    user_id: int,
    data: UserUpdate,
    ip: str | None,
    expected_version: int | None = None,
) -> User:
    user = await get_user(session, user_id)
    fields = data.model_dump(exclude_unset=True)
    changed = sorted(fields)
    self_service = {"display_name", "locale", "timezone", "password"}
    if not actor.is_admin and (actor.user_id != user_id or not set(fields) <= self_service):
        raise Forbidden("Only an administrator may change this.", code="admin_required")
    check_version(user.version, expected_version, user_read(user).model_dump(mode="json"))
    if "organization_id" in fields:
        await ensure_organization(session, fields["organization_id"])
    if "password" in fields:
        password = fields.pop("password")
        weakness = password_problem(password, user.username)
        if weakness:
            raise InvalidInput(
                weakness, code="weak_password", errors=[{"field": "password", "message": weakness}]
            )
        user.password_hash = hash_password(password)
        await revoke_user_tokens(session, user_id, kind="session", actor_id=actor.user_id)
    for name, value in fields.items():
        setattr(user, name, value)
    user.version += 1
    user.updated_at = utcnow()
    session.add(user)
    await session.flush()
    if fields.get("is_active") is False:
        await revoke_user_tokens(session, user_id, actor_id=actor.user_id)
    await record_user(session, user, "updated", actor.user_id)
    action = "user.deactivated" if fields.get("is_active") is False else "user.updated"
    await audit(
        session,
        action,
        actor_id=actor.user_id,
        ip=ip,
        target_type="user",
        target_id=user.id,
        fields=changed,
    )
    return user


# ---- sessions and tokens ----------------------------------------------------------------


async def login(
    session: AsyncSession, username: str, password: str, ip: str | None, ttl: timedelta
) -> tuple[User, str, datetime] | None:
    """A new session token for valid credentials; None (and an audit entry) otherwise."""
    user = (
        await session.execute(select(User).where(col(User.username) == username.strip().lower()))
    ).scalar_one_or_none()
    usable = user is not None and user.is_active and not user.is_bot
    # Always one argon2 verification, so the answer takes as long for unknown users.
    ok = verify_password(password, user.password_hash if usable and user else None) and usable
    if usable and user is not None and ok and user.organization_id is not None:
        org = await session.get(Organization, user.organization_id)
        ok = org is not None and org.is_active
    if not ok or user is None:
        await audit(
            session,
            "auth.login_failed",
            actor_id=user.id if user else None,
            ip=ip,
            target_type="user",
            username=username[:100],
        )
        return None
    assert user.id is not None
    token, expires_at = await issue_session(session, user.id, ttl)
    await audit(
        session, "auth.login", actor_id=user.id, ip=ip, target_type="user", target_id=user.id
    )
    return user, token, expires_at


async def issue_session(
    session: AsyncSession, user_id: int, ttl: timedelta
) -> tuple[str, datetime]:
    """A new session token for a person whose credentials were already checked."""
    token = new_token(SESSION_TOKEN_PREFIX)
    expires_at = utcnow() + ttl
    session.add(
        AuthToken(
            user_id=user_id, kind="session", token_hash=token_digest(token), expires_at=expires_at
        )
    )
    await session.flush()
    return token, expires_at


async def logout(session: AsyncSession, principal: Principal, ip: str | None) -> None:
    await _revoke_tokens(
        session,
        principal.user_id,
        [col(AuthToken.id) == principal.token_id],
        principal.user_id,
    )
    await audit(
        session,
        "auth.logout",
        actor_id=principal.user_id,
        ip=ip,
        target_type="token",
        target_id=principal.token_id,
    )


# Built once: every request runs it. The organization's flag comes in the same query, so that
# a member of an organization (almost everyone) costs one statement, not two.
_TOKEN_AND_USER = (
    select(AuthToken, User, col(Organization.is_active))
    .join(User, col(User.id) == col(AuthToken.user_id))
    .outerjoin(Organization, col(Organization.id) == col(User.organization_id))
    .where(col(AuthToken.token_hash) == bindparam("digest"))
)


async def resolve_token(session: AsyncSession, token: str) -> tuple[Principal, AuthToken] | None:
    """The caller behind a bearer token, or None if it is unknown, expired or revoked, or its
    user or organization is deactivated. Checked on every request, so revocation is instant."""
    row = (await session.execute(_TOKEN_AND_USER, {"digest": token_digest(token)})).first()
    if row is None:
        return None
    auth_token, user, organization_active = row
    # Keep the caller's row for the rest of the request: the session's identity map holds
    # objects weakly, and rendering the caller's own message needs it again.
    session.info["caller"] = user
    now = utcnow()
    if auth_token.revoked_at is not None or not user.is_active:
        return None
    if auth_token.expires_at is not None and auth_token.expires_at <= now:
        return None
    if user.organization_id is not None and not organization_active:
        return None
    assert user.id is not None and auth_token.id is not None
    principal = Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        organization_id=user.organization_id,
        is_bot=user.is_bot,
        token_id=auth_token.id,
        scopes=None if auth_token.scopes is None else frozenset(auth_token.scopes),
        channel_ids=None if auth_token.channel_ids is None else frozenset(auth_token.channel_ids),
    )
    return principal, auth_token


async def touch_token(session: AsyncSession, token_id: int) -> None:
    await session.execute(
        update(AuthToken).where(col(AuthToken.id) == token_id).values(last_used_at=utcnow())
    )


async def revoke_user_tokens(
    session: AsyncSession, user_id: int, kind: str | None = None, actor_id: int | None = None
) -> list[int]:
    conditions = [] if kind is None else [col(AuthToken.kind) == kind]
    return await _revoke_tokens(session, user_id, conditions, actor_id)


async def _revoke_tokens(
    session: AsyncSession, user_id: int, conditions: list[Any], actor_id: int | None
) -> list[int]:
    """Revoke the user's live tokens matching ``conditions``; each revocation is a change in
    the user's scope, so every process's realtime hub ends that token's WebSockets at once."""
    rows = await session.execute(
        select(AuthToken).where(
            col(AuthToken.user_id) == user_id, col(AuthToken.revoked_at).is_(None), *conditions
        )
    )
    tokens = list(rows.scalars())
    if not tokens:
        return []
    now = utcnow()
    ids = [t.id for t in tokens if t.id is not None]
    await session.execute(
        update(AuthToken).where(col(AuthToken.id).in_(ids)).values(revoked_at=now)
    )
    for token in tokens:
        assert token.id is not None
        await changes.record(
            session,
            scope=user_scope(user_id),
            entity=ACCESS_TOKEN_ENTITY,
            entity_id=token.id,
            op="updated",
            version=1,
            data={"id": token.id, "user_id": user_id, "kind": token.kind, "revoked_at": now},
            actor_id=actor_id,
        )
    return ids


async def latest_bot_token(session: AsyncSession, bot_id: int) -> AuthToken | None:
    result = await session.execute(
        select(AuthToken)
        .where(col(AuthToken.user_id) == bot_id, col(AuthToken.kind) == "bot")
        .order_by(col(AuthToken.id).desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def active_bot_token(session: AsyncSession, bot_id: int) -> AuthToken | None:
    token = await latest_bot_token(session, bot_id)
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    return token


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


async def principal_for_user(session: AsyncSession, user_id: int) -> Principal | None:
    """Who a user is now, for work done on their behalf later (webhook deliveries): None when
    they or their organization are deactivated, or when a bot has no live token (its
    scopes and channel allow-list come from that token)."""
    user = await session.get(User, user_id)
    if user is None or user.id is None or not user.is_active:
        return None
    if user.organization_id is not None:
        org = await session.get(Organization, user.organization_id)
        if org is None or not org.is_active:
            return None
    scopes: frozenset[str] | None = None
    channel_ids: frozenset[int] | None = None
    token_id = 0
    if user.is_bot:
        token = await active_bot_token(session, user.id)
        if token is None or token.id is None:
            return None
        token_id = token.id
        scopes = frozenset(token.scopes or [])
        channel_ids = None if token.channel_ids is None else frozenset(token.channel_ids)
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        organization_id=user.organization_id,
        is_bot=user.is_bot,
        token_id=token_id,
        scopes=scopes,
        channel_ids=channel_ids,
    )


# ---- helpers ----------------------------------------------------------------------------


def require_admin(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an administrator may do this.", code="admin_required")


async def organizations_by_ids(
    session: AsyncSession, ids: Iterable[int]
) -> dict[int, Organization]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Organization).where(col(Organization.id).in_(wanted)))
    return {org.id: org for org in rows.scalars() if org.id is not None}
