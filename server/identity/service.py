"""Rules for people's accounts, and what every identity module shares: the :class:`Principal`
(who is calling), the audit log, and revoking a user's tokens (a password change or a
deactivation does it too). Services flush; the caller commits.

Organizations: :mod:`server.identity.organizations`; logins, sessions and the caller behind a
bearer token: :mod:`server.identity.authentication`; bots: :mod:`server.identity.bots`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.db import after_commit
from server.core.errors import Conflict, Forbidden, InvalidInput, NotFound, check_version
from server.core.pagination import keyset_page
from server.core.security import hash_password, password_problem
from server.core.types import utcnow
from server.identity.models import (
    AuditEntry,
    AuthToken,
    Organization,
    User,
    UserCreate,
    UserRead,
    UserUpdate,
)

PLATFORM_SCOPE = "platform"  # what every signed-in person may see: organizations, people
# A change of this entity in ``user:{id}`` says a token was revoked (logout, rotate, revoke,
# deactivation): the realtime hub closes that token's WebSockets.
ACCESS_TOKEN_ENTITY = "access_token"
# The app puts a hook under this key into each session's info: it forgets who cached tokens
# stand for (server/identity/token_cache.py), run after a commit that may have changed it.
CREDENTIALS_CHANGED_KEY = "credentials_changed"


def credentials_changed(session: AsyncSession) -> None:
    """Who some token stands for changes when this session commits (a revoked token, an
    updated user or organization): forget cached tokens then, before the caller is answered."""
    hook = session.info.get(CREDENTIALS_CHANGED_KEY)
    if hook is not None:
        after_commit(session, hook, once=True)


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


# ---- users ------------------------------------------------------------------------------


def user_read(user: User) -> UserRead:
    return UserRead.model_validate(user, from_attributes=True)


async def record_user(session: AsyncSession, user: User, op: str, actor_id: int | None) -> None:
    assert user.id is not None
    credentials_changed(session)
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
    :func:`server.identity.authentication.resolve_token`) are not read again."""
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


@dataclass(frozen=True, slots=True)
class UserCard:
    """What a message or a list shows of a person: read without loading the whole user."""

    id: int
    username: str
    display_name: str
    is_bot: bool


# Built once: every posted message and every page of messages reads its authors.
_USER_CARDS = select(
    col(User.id), col(User.username), col(User.display_name), col(User.is_bot)
).where(col(User.id).in_(bindparam("ids", expanding=True)))


async def user_cards(session: AsyncSession, ids: Iterable[int]) -> dict[int, UserCard]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(_USER_CARDS, {"ids": wanted})
    return {
        user_id: UserCard(user_id, username, display_name, is_bot)
        for user_id, username, display_name, is_bot in rows
        if user_id is not None  # (never: the primary key)
    }


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


# ---- token revocation -------------------------------------------------------------------


async def revoke_user_tokens(
    session: AsyncSession, user_id: int, kind: str | None = None, actor_id: int | None = None
) -> list[int]:
    conditions = [] if kind is None else [col(AuthToken.kind) == kind]
    return await revoke_tokens(session, user_id, conditions, actor_id)


async def revoke_tokens(
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
    credentials_changed(session)
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


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


# ---- helpers ----------------------------------------------------------------------------


def require_admin(actor: Principal) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an administrator may do this.", code="admin_required")
