"""Routes for incoming webhooks (managed per channel; posted to at a secret URL) and outgoing
webhooks with their delivery log: parse, authorize, call the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from server.core.deps import IfMatch, Limit, SessionDep, SettingsDep, client_ip
from server.core.errors import AppError, InvalidInput, NotFound, PayloadTooLarge, TooManyRequests
from server.core.pagination import Page
from server.core.ratelimit import RateLimiter
from server.core.types import Id
from server.identity.idempotency import IdempotencyDep
from server.identity.permissions import require
from server.identity.service import Principal
from server.integrations import incoming, service
from server.integrations.models import (
    DeliveryRead,
    IncomingPayload,
    IncomingPosted,
    IncomingWebhook,
    IncomingWebhookCreate,
    IncomingWebhookCreated,
    IncomingWebhookRead,
    IncomingWebhookUpdate,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(tags=["integrations"])
Manager = Annotated[Principal, Depends(require("webhooks:manage"))]
# Wrong secrets from one address: enough for a misconfigured tool, too few for guessing.
MISSES_PER_MINUTE = 30


# ---- incoming ---------------------------------------------------------------------------


@router.post(
    "/channels/{channel_id}/incoming-webhooks",
    status_code=201,
    response_model=IncomingWebhookCreated,
)
async def create_incoming_webhook(
    channel_id: Id,
    body: IncomingWebhookCreate,
    request: Request,
    principal: Manager,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    hook, secret = await incoming.create_incoming(
        session, principal, channel_id, body, client_ip(request)
    )
    created = _incoming_created(request, hook, secret)
    return await idem.remember(
        principal, 201, created, stored=created.model_copy(update={"url": None})
    )


def _incoming_created(
    request: Request, hook: IncomingWebhook, secret: str
) -> IncomingWebhookCreated:
    url = str(request.base_url).rstrip("/") + incoming.INCOMING_PATH + secret
    return IncomingWebhookCreated(**incoming.incoming_read(hook).model_dump(), url=url)


@router.get("/channels/{channel_id}/incoming-webhooks", response_model=list[IncomingWebhookRead])
async def list_incoming_webhooks(
    channel_id: Id, principal: Manager, session: SessionDep
) -> list[IncomingWebhookRead]:
    hooks = await incoming.list_incoming(session, principal, channel_id)
    return [incoming.incoming_read(h) for h in hooks]


@router.patch("/incoming-webhooks/{hook_id}", response_model=IncomingWebhookRead)
async def update_incoming_webhook(
    hook_id: Id,
    body: IncomingWebhookUpdate,
    request: Request,
    principal: Manager,
    session: SessionDep,
    if_match: IfMatch = None,
) -> IncomingWebhookRead:
    hook = await incoming.update_incoming(
        session, principal, hook_id, body, if_match, client_ip(request)
    )
    return incoming.incoming_read(hook)


@router.post(
    "/incoming-webhooks/{hook_id}/rotate",
    status_code=201,
    response_model=IncomingWebhookCreated,
)
async def rotate_incoming_webhook(
    hook_id: Id,
    request: Request,
    principal: Manager,
    session: SessionDep,
    if_match: IfMatch = None,
) -> IncomingWebhookCreated:
    hook, secret = await incoming.rotate_incoming(
        session, principal, hook_id, if_match, client_ip(request)
    )
    return _incoming_created(request, hook, secret)


@router.post(
    "/hooks/{secret}",
    status_code=201,
    response_model=IncomingPosted,
    responses={404: {"description": "wrong secret"}, 403: {"description": "hook disabled"}},
    # The body is read by hand (size limit first), so it is declared here for the docs.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": IncomingPayload.model_json_schema()}},
        }
    },
)
async def post_to_incoming_webhook(
    secret: str, request: Request, session: SessionDep, settings: SettingsDep
) -> IncomingPosted:
    """Post a message: ``{"text": ..., "thread": id-or-title, "lang": ...}``; only ``text``
    is required. No bearer token: the secret in the URL is the credential."""
    limiter: RateLimiter = request.app.state.rate_limiter
    hook = await incoming.incoming_by_secret(session, secret)
    if hook is None:
        wait = await limiter.hit(f"hook-miss:{client_ip(request)}", MISSES_PER_MINUTE, 60)
        if wait is not None:
            raise TooManyRequests("Too many requests to unknown webhooks.", retry_after=wait)
        raise NotFound(
            "No incoming webhook has this URL: the secret is wrong or was replaced.",
            code="unknown_webhook",
        )
    if not hook.is_active:
        raise AppError(
            "This incoming webhook is disabled; a channel owner can enable it again.",
            code="webhook_disabled",
            status=403,
        )
    wait = await limiter.hit(f"hook:{hook.id}", settings.incoming_webhook_limit_per_minute, 60)
    if wait is not None:
        raise TooManyRequests("Too many posts to this webhook; slow down.", retry_after=wait)
    limit = settings.incoming_webhook_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The payload is over {limit} bytes.", limit=limit)
    raw = await request.body()
    if len(raw) > limit:
        raise PayloadTooLarge(f"The payload is over {limit} bytes.", limit=limit)
    try:
        payload = IncomingPayload.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise AppError(
                'The body must be JSON such as {"text": "..."}.', code="malformed_json"
            ) from None
        raise InvalidInput(
            'The body needs "text"; "thread" and "lang" are optional.',
            errors=[
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ],
        ) from None
    message = await incoming.post_incoming(session, hook, payload)
    return IncomingPosted(
        message_id=message.id, thread_id=message.thread_id, channel_id=message.channel_id
    )


# ---- outgoing ---------------------------------------------------------------------------


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
async def create_webhook(
    body: WebhookCreate,
    request: Request,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    hook = await service.create_webhook(
        session,
        principal,
        body,
        allow_private=settings.webhook_allow_private,
        ip=client_ip(request),
    )
    created = WebhookCreated(**service.webhook_read(hook).model_dump(), secret=hook.secret)
    return await idem.remember(
        principal, 201, created, stored=created.model_copy(update={"secret": None})
    )


@router.get("/webhooks", response_model=Page[WebhookRead])
async def list_webhooks(
    principal: Manager, session: SessionDep, cursor: str | None = None, limit: Limit = None
) -> Page[WebhookRead]:
    items, next_cursor = await service.list_webhooks(session, principal, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/webhooks/{hook_id}", response_model=WebhookRead)
async def get_webhook(hook_id: Id, principal: Manager, session: SessionDep) -> WebhookRead:
    return await service.get_webhook(session, principal, hook_id)


@router.patch("/webhooks/{hook_id}", response_model=WebhookRead)
async def update_webhook(
    hook_id: Id,
    body: WebhookUpdate,
    request: Request,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> WebhookRead:
    hook = await service.update_webhook(
        session,
        principal,
        hook_id,
        body,
        if_match,
        allow_private=settings.webhook_allow_private,
        ip=client_ip(request),
    )
    return service.webhook_read(hook)


@router.delete("/webhooks/{hook_id}", status_code=204)
async def delete_webhook(
    hook_id: Id, request: Request, principal: Manager, session: SessionDep
) -> None:
    await service.delete_webhook(session, principal, hook_id, client_ip(request))


@router.get("/webhooks/{hook_id}/deliveries", response_model=Page[DeliveryRead])
async def list_deliveries(
    hook_id: Id,
    principal: Manager,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[DeliveryRead]:
    rows, next_cursor = await service.list_deliveries(
        session, principal, hook_id, cursor=cursor, limit=limit
    )
    return Page(
        items=[DeliveryRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )
