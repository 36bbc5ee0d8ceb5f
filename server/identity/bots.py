"""Bots: accounts without a password that act through one scoped token, limited to chosen
channels; the token can be rotated or revoked at once. Services flush; the caller commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import Conflict, InvalidInput, NotFound
from server.core.pagination import keyset_page
from server.core.security import BOT_TOKEN_PREFIX, new_token, token_digest
from server.core.types import utcnow
from server.identity import service
from server.identity.models import BOT_SCOPES, AuthToken, BotCreate, BotRead, User
from server.identity.service import Principal


async def create_bot(
    session: AsyncSession, actor: Principal, data: BotCreate, ip: str | None
) -> tuple[User, str, AuthToken]:
    service.require_admin(actor)
    unknown = sorted(set(data.scopes) - set(BOT_SCOPES))
    if unknown:
        raise InvalidInput(
            f"Unknown scopes: {', '.join(unknown)}.",
            code="unknown_scope",
            errors=[{"field": "scopes", "message": f"allowed: {', '.join(BOT_SCOPES)}"}],
        )
    await service.ensure_organization(session, data.organization_id)
    user = await _new_bot_user(session, data.name, data.organization_id, actor.user_id)
    assert user.id is not None
    token = new_token(BOT_TOKEN_PREFIX)
    auth_token = AuthToken(
        user_id=user.id,
        kind="bot",
        token_hash=token_digest(token),
        scopes=sorted(set(data.scopes)),
        channel_ids=None if data.channel_ids is None else sorted(set(data.channel_ids)),
    )
    session.add(auth_token)
    await session.flush()
    await service.record_user(session, user, "created", actor.user_id)
    await service.audit(
        session,
        "token.issued",
        actor_id=actor.user_id,
        ip=ip,
        target_type="user",
        target_id=user.id,
        kind="bot",
        scopes=auth_token.scopes,
        channel_ids=auth_token.channel_ids,
    )
    return user, token, auth_token


async def _new_bot_user(
    session: AsyncSession, name: str, organization_id: int | None, created_by: int | None
) -> User:
    base = "bot-" + "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:30]
    username = base if len(base) > 4 else f"{base}-bot"
    suffix = 1
    while (
        await session.execute(select(col(User.id)).where(col(User.username) == username))
    ).first():
        suffix += 1
        username = f"{base[:34]}-{suffix}"
    user = User(
        username=username,
        display_name=name,
        organization_id=organization_id,
        is_bot=True,
        created_by=created_by,
    )
    session.add(user)
    await session.flush()
    return user


async def create_integration_user(
    session: AsyncSession, name: str, organization_id: int | None, created_by: int
) -> User:
    """A bot account without a token, the author of what an integration (an incoming
    webhook) posts: its messages are marked as a bot's."""
    user = await _new_bot_user(session, name, organization_id, created_by)
    await service.record_user(session, user, "created", created_by)
    return user


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


async def _get_bot(session: AsyncSession, bot_id: int) -> User:
    user = await session.get(User, bot_id)
    if user is None or not user.is_bot:
        raise NotFound(f"No bot {bot_id}.")
    return user


async def bot_read(session: AsyncSession, user: User) -> BotRead:
    assert user.id is not None
    latest = await latest_bot_token(session, user.id)
    active = await active_bot_token(session, user.id)
    return BotRead(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        organization_id=user.organization_id,
        is_active=user.is_active,
        scopes=(latest.scopes or []) if latest else [],
        channel_ids=latest.channel_ids if latest else None,
        token_issued_at=latest.created_at if latest else None,
        last_used_at=latest.last_used_at if latest else None,
        has_active_token=active is not None,
    )


async def get_bot(session: AsyncSession, actor: Principal, bot_id: int) -> BotRead:
    service.require_admin(actor)
    return await bot_read(session, await _get_bot(session, bot_id))


async def list_bots(
    session: AsyncSession, actor: Principal, *, cursor: str | None, limit: int | None
) -> tuple[list[BotRead], str | None]:
    service.require_admin(actor)
    rows, next_cursor = await keyset_page(
        session, select(User).where(col(User.is_bot).is_(True)), User.id, cursor, limit
    )
    return [await bot_read(session, u) for u in rows], next_cursor


async def rotate_bot_token(
    session: AsyncSession, actor: Principal, bot_id: int, ip: str | None
) -> tuple[str, AuthToken]:
    """A new token with the same scopes and channels; the old one stops working at once."""
    service.require_admin(actor)
    user = await _get_bot(session, bot_id)
    if not user.is_active:
        raise Conflict(f"Bot {bot_id} is deactivated.", code="bot_deactivated")
    latest = await latest_bot_token(session, bot_id)
    if latest is None:
        raise Conflict(f"Bot {bot_id} has no token to rotate.", code="no_bot_token")
    revoked = await service.revoke_user_tokens(session, bot_id, kind="bot", actor_id=actor.user_id)
    token = new_token(BOT_TOKEN_PREFIX)
    auth_token = AuthToken(
        user_id=bot_id,
        kind="bot",
        token_hash=token_digest(token),
        scopes=list(latest.scopes or []),
        channel_ids=None if latest.channel_ids is None else list(latest.channel_ids),
    )
    session.add(auth_token)
    await session.flush()
    await service.audit(
        session,
        "token.rotated",
        actor_id=actor.user_id,
        ip=ip,
        target_type="user",
        target_id=bot_id,
        revoked_token_ids=revoked,
        token_id=auth_token.id,
    )
    return token, auth_token


async def revoke_bot_token(
    session: AsyncSession, actor: Principal, bot_id: int, ip: str | None
) -> None:
    """Refuse the bot's token from now on (until an administrator rotates a new one)."""
    service.require_admin(actor)
    await _get_bot(session, bot_id)
    revoked = await service.revoke_user_tokens(session, bot_id, kind="bot", actor_id=actor.user_id)
    await service.audit(
        session,
        "token.revoked",
        actor_id=actor.user_id,
        ip=ip,
        target_type="user",
        target_id=bot_id,
        revoked_token_ids=revoked,
    )
