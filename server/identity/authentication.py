"""Authentication: logins and session tokens, and who is behind a bearer token.

:func:`resolve_token` runs on every request (one prebuilt statement); :func:`principal_for_user`
rebuilds a caller for work done later on a user's behalf. Revoking tokens is
:mod:`server.identity.service`'s. Services flush; the caller commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.security import SESSION_TOKEN_PREFIX, new_token, token_digest, verify_password
from server.core.types import utcnow
from server.identity.bots import active_bot_token
from server.identity.models import AuthToken, Organization, User
from server.identity.service import Principal, audit, revoke_tokens


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
    await revoke_tokens(
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
