"""The one permission dependency every route uses: who is calling, with which scopes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.config import Settings
from server.core.db import Database
from server.core.deps import SessionDep, SettingsDep
from server.core.errors import Forbidden, TooManyRequests, Unauthorized
from server.core.ratelimit import RateLimiter
from server.core.types import utcnow
from server.identity import authentication
from server.identity.service import Principal
from server.identity.token_cache import TokenCache

SESSION_COOKIE = "gyoryu_session"
_TOUCH_AFTER = timedelta(minutes=5)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def require(
    scope: str | None = None, *, admin: bool = False, group_commit: bool = False
) -> Callable[..., Awaitable[Principal]]:
    """A dependency that authenticates the bearer token and checks ``scope`` (bots) and
    ``admin`` (people); writes are also rate limited per token. ``group_commit``: the route
    writes through a group commit (server/core/batching.py), so the request has no session of
    its own: it must not hold the write turn that the group will need."""

    async def dependency(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
        return await _authorize(request, session, settings, scope, admin)

    async def before_group_commit(request: Request, settings: SettingsDep) -> Principal:
        # No session of its own: a token seen a moment ago needs no query at all.
        return await _authorize(request, None, settings, scope, admin)

    return before_group_commit if group_commit else dependency


async def _authorize(
    request: Request,
    session: AsyncSession | None,
    settings: Settings,
    scope: str | None,
    admin: bool,
) -> Principal:
    """``session``: the request's, or None when it has none (a short one is opened to read
    a token that is not cached)."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized()
    tokens: TokenCache = request.app.state.token_cache
    cached = tokens.get(token)
    if cached is None:
        generation = tokens.generation
        if session is None:
            db: Database = request.app.state.db
            async with db.transaction(write=False) as reading:
                resolved = await authentication.resolve_token(reading, token)
        else:
            resolved = await authentication.resolve_token(session, token)
        if resolved is None:
            raise Unauthorized("The token is invalid, expired or revoked.", code="invalid_token")
        principal, auth_token = resolved
        last_used_at = auth_token.last_used_at
        tokens.put(token, principal, auth_token.expires_at, last_used_at, generation)
    else:
        principal, last_used_at = cached.principal, cached.last_used_at
    if scope is not None and not principal.has_scope(scope):
        raise Forbidden(f"This token lacks the scope {scope!r}.", code="missing_scope")
    if admin and not principal.is_admin:
        raise Forbidden("Only an administrator may do this.", code="admin_required")
    is_write = request.method not in ("GET", "HEAD", "OPTIONS")
    limiter: RateLimiter = request.app.state.rate_limiter
    if principal.is_bot:
        # Bots also have a budget for every call, reads included, per token.
        wait = await limiter.hit(f"bot:{principal.token_id}", settings.bot_requests_per_minute, 60)
        if wait is not None:
            raise TooManyRequests("Too many requests for this token.", retry_after=wait)
    if is_write:
        wait = await limiter.hit(f"write:{principal.token_id}", settings.write_limit_per_minute, 60)
        if wait is not None:
            raise TooManyRequests("Too many writes; slow down.", retry_after=wait)
    now = utcnow()
    if last_used_at is None or now - last_used_at > _TOUCH_AFTER:
        await _touch(request, session if is_write else None, principal.token_id)
        tokens.touched(token, now)
    request.state.principal = principal
    return principal


async def _touch(request: Request, write_session: Any, token_id: int) -> None:
    # A read request's session cannot write; a write request's session already holds the
    # (SQLite) write lock, so it must do the write itself rather than wait for a second one.
    if write_session is not None:
        await authentication.touch_token(write_session, token_id)
        return
    db: Database = request.app.state.db
    async with db.transaction() as session:
        await authentication.touch_token(session, token_id)


CurrentPrincipal = Annotated[Principal, Depends(require())]
AdminPrincipal = Annotated[Principal, Depends(require(admin=True))]
