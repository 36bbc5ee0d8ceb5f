"""Routes for logins, people, organizations, bots and the audit log: parse, authorize, call."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from server.core.deps import IfMatch, SessionDep, SettingsDep, client_ip
from server.core.errors import TooManyRequests, problem
from server.core.pagination import Page
from server.core.ratelimit import RateLimiter
from server.core.types import Id, NulFreeStr
from server.identity import authentication, bots, organizations, service
from server.identity.idempotency import IdempotencyDep
from server.identity.models import (
    AuditEntryRead,
    BotCreate,
    BotCreated,
    BotRead,
    BotTokenIssued,
    LoginRequest,
    LoginResponse,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    UserCreate,
    UserRead,
    UserUpdate,
)
from server.identity.permissions import AdminPrincipal, CurrentPrincipal, require
from server.identity.service import Principal

router = APIRouter(tags=["identity"])
DirectoryReader = Annotated[Principal, Depends(require("directory:read"))]


@router.post("/auth/login", response_model=LoginResponse)
async def login(
    body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    limiter: RateLimiter = request.app.state.rate_limiter
    ip = client_ip(request)
    window = settings.login_limit_window_seconds
    for key, limit in (
        (f"login:user:{body.username.strip().lower()}", settings.login_limit_per_username),
        (f"login:ip:{ip}", settings.login_limit_per_address),
    ):
        wait = await limiter.hit(key, limit, window)
        if wait is not None:
            raise TooManyRequests("Too many login attempts; try again later.", retry_after=wait)
    result = await authentication.login(
        session, body.username, body.password, ip, timedelta(hours=settings.session_ttl_hours)
    )
    if result is None:
        # Returned, not raised, so the failed-login audit entry is committed.
        return problem(401, "invalid_credentials", "The username or password is wrong.")
    user, token, expires_at = result
    payload = LoginResponse(token=token, expires_at=expires_at, user=service.user_read(user))
    return Response(payload.model_dump_json(), media_type="application/json")


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, principal: CurrentPrincipal, session: SessionDep) -> None:
    await authentication.logout(session, principal, client_ip(request))


@router.get("/me", response_model=UserRead)
async def me(principal: CurrentPrincipal, session: SessionDep) -> UserRead:
    return service.user_read(await service.get_user(session, principal.user_id))


@router.post("/organizations", status_code=201, response_model=OrganizationRead)
async def create_organization(
    body: OrganizationCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    org = await organizations.create_organization(session, principal, body, client_ip(request))
    return await idem.remember(principal, 201, organizations.organization_read(org))


@router.get("/organizations", response_model=Page[OrganizationRead])
async def list_organizations(
    _: DirectoryReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> Page[OrganizationRead]:
    rows, next_cursor = await organizations.list_organizations(session, cursor=cursor, limit=limit)
    return Page(items=[organizations.organization_read(o) for o in rows], next_cursor=next_cursor)


@router.get("/organizations/{org_id}", response_model=OrganizationRead)
async def get_organization(org_id: Id, _: DirectoryReader, session: SessionDep) -> OrganizationRead:
    return organizations.organization_read(await organizations.get_organization(session, org_id))


@router.patch("/organizations/{org_id}", response_model=OrganizationRead)
async def update_organization(
    org_id: Id,
    body: OrganizationUpdate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> OrganizationRead:
    org = await organizations.update_organization(
        session, principal, org_id, body, client_ip(request), expected_version=if_match
    )
    return organizations.organization_read(org)


@router.post("/users", status_code=201, response_model=UserRead)
async def create_user(
    body: UserCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    user = await service.create_user(session, principal, body, client_ip(request))
    return await idem.remember(principal, 201, service.user_read(user))


@router.get("/users", response_model=Page[UserRead])
async def list_users(
    _: DirectoryReader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> Page[UserRead]:
    rows, next_cursor = await service.list_users(session, cursor=cursor, limit=limit)
    return Page(items=[service.user_read(u) for u in rows], next_cursor=next_cursor)


@router.get("/users/{user_id}", response_model=UserRead)
async def get_user(user_id: Id, _: DirectoryReader, session: SessionDep) -> UserRead:
    return service.user_read(await service.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserRead)
async def update_user(
    user_id: Id,
    body: UserUpdate,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    if_match: IfMatch = None,
) -> UserRead:
    user = await service.update_user(
        session, principal, user_id, body, client_ip(request), expected_version=if_match
    )
    return service.user_read(user)


@router.post("/bots", status_code=201, response_model=BotCreated)
async def create_bot(
    body: BotCreate,
    request: Request,
    principal: AdminPrincipal,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    user, token, auth_token = await bots.create_bot(session, principal, body, client_ip(request))
    assert user.id is not None
    created = BotCreated(
        id=user.id,
        username=user.username,
        token=token,
        scopes=auth_token.scopes or [],
        channel_ids=auth_token.channel_ids,
    )
    # A repeat of this request must not show the token again: it is only ever shown once.
    redacted = created.model_copy(update={"token": None})
    return await idem.remember(principal, 201, created, stored=redacted)


@router.get("/bots", response_model=Page[BotRead])
async def list_bots(
    principal: AdminPrincipal,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> Page[BotRead]:
    items, next_cursor = await bots.list_bots(session, principal, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/bots/{bot_id}", response_model=BotRead)
async def get_bot(bot_id: Id, principal: AdminPrincipal, session: SessionDep) -> BotRead:
    return await bots.get_bot(session, principal, bot_id)


@router.post("/bots/{bot_id}/rotate", status_code=201, response_model=BotTokenIssued)
async def rotate_bot_token(
    bot_id: Id, request: Request, principal: AdminPrincipal, session: SessionDep
) -> BotTokenIssued:
    token, auth_token = await bots.rotate_bot_token(session, principal, bot_id, client_ip(request))
    return BotTokenIssued(
        id=bot_id,
        token=token,
        scopes=auth_token.scopes or [],
        channel_ids=auth_token.channel_ids,
    )


@router.post("/bots/{bot_id}/revoke", status_code=204)
async def revoke_bot_token(
    bot_id: Id, request: Request, principal: AdminPrincipal, session: SessionDep
) -> None:
    await bots.revoke_bot_token(session, principal, bot_id, client_ip(request))


@router.get("/audit", response_model=Page[AuditEntryRead])
async def list_audit(
    _: AdminPrincipal,
    session: SessionDep,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
    action: NulFreeStr | None = None,
) -> Page[AuditEntryRead]:
    rows, next_cursor = await service.list_audit(session, cursor=cursor, limit=limit, action=action)
    return Page(
        items=[AuditEntryRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
