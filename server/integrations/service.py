"""Rules of outgoing webhooks, and what both the routes and the dispatcher need: the URL
guard, signatures, the delivery body. Services flush; the caller commits. Deliveries are the
dispatcher's (server.integrations.dispatcher); incoming webhooks are
:mod:`server.integrations.incoming`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Forbidden, InvalidInput, NotFound, check_version
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.discussion import service as discussion
from server.identity import service as identity
from server.identity.service import Principal
from server.integrations import egress
from server.integrations.models import (
    EVENTS,
    OutgoingWebhook,
    WebhookCreate,
    WebhookDelivery,
    WebhookRead,
    WebhookUpdate,
)
from server.meetings import access as meetings

SIGNATURE_TOLERANCE_SECONDS = 300

# The change-log entity of outgoing webhooks (the dispatcher watches for it).
WEBHOOK_ENTITY = "webhook"


# ---- signatures -------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Gyoryu-Signature value: HMAC-SHA256 over ``{timestamp}.{body}``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: float | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


# ---- destination guard ------------------------------------------------------------------


async def destination_problem(url: str, allow_private: bool) -> str | None:
    """Why ``url`` may not receive webhooks, or None: checked when a hook is saved, for a clear
    answer then. Deliveries check the address they connect to (:mod:`.egress`)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "The URL is malformed."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The URL must be http:// or https:// with a host."
    if parts.username or parts.password:
        return "The URL must not carry credentials."
    if allow_private:
        return None
    host = parts.hostname
    try:
        addresses = await egress.resolve(host, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):  # UnicodeError: not a host name (an empty or long label)
        return f"The host {host!r} cannot be resolved."
    if not all(egress.is_public(a) for a in addresses):
        return f"The host {host!r} is a private or loopback address."
    return None


# ---- outgoing webhooks ------------------------------------------------------------------


def webhook_read(hook: OutgoingWebhook) -> WebhookRead:
    return WebhookRead.model_validate(hook, from_attributes=True)


async def record_webhook(
    session: AsyncSession, hook: OutgoingWebhook, op: str, actor: int | None
) -> None:
    """A change in the owner's ``user:{id}`` scope: how the owner learns that their hook was
    disabled (the dispatcher calls this too)."""
    assert hook.id is not None
    await changes.record(
        session,
        scope=identity.user_scope(hook.owner_id),
        entity=WEBHOOK_ENTITY,
        entity_id=hook.id,
        op=op,
        version=hook.version,
        data=webhook_read(hook).model_dump(mode="json"),
        actor_id=actor,
    )


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise InvalidInput(
            f"Unknown events: {', '.join(unknown)}.",
            code="unknown_event",
            errors=[{"field": "events", "message": f"allowed: {', '.join(EVENTS)}"}],
        )
    return sorted(set(events))


async def _check_targets(
    session: AsyncSession, principal: Principal, channel_ids: list[int], meeting_ids: list[int]
) -> tuple[list[int], list[int]]:
    channels = sorted(set(channel_ids))
    meeting_list = sorted(set(meeting_ids))
    if not channels and not meeting_list:
        raise InvalidInput(
            "Choose at least one channel or meeting.",
            code="no_webhook_target",
            errors=[{"field": "channel_ids", "message": "a channel or a meeting is needed"}],
        )
    if channels and not principal.has_scope("messages:read"):
        raise Forbidden(
            "Subscribing to a channel needs the scope 'messages:read'.", code="missing_scope"
        )
    if meeting_list and not principal.has_scope("meetings:read"):
        raise Forbidden(
            "Subscribing to a meeting needs the scope 'meetings:read'.", code="missing_scope"
        )
    hidden = [c for c in channels if not await discussion.can_read_channel(session, principal, c)]
    if hidden:
        raise InvalidInput(
            f"No channels {hidden}.",
            code="unknown_channel",
            errors=[{"field": "channel_ids", "message": f"unknown: {hidden}"}],
        )
    unseen = [m for m in meeting_list if not await meetings.can_read_meeting(session, principal, m)]
    if unseen:
        raise InvalidInput(
            f"No meetings {unseen}.",
            code="unknown_meeting",
            errors=[{"field": "meeting_ids", "message": f"unknown: {unseen}"}],
        )
    return channels, meeting_list


async def _check_url(url: str, allow_private: bool) -> None:
    problem = await destination_problem(url, allow_private)
    if problem is not None:
        raise InvalidInput(
            problem,
            code="webhook_url_not_allowed",
            errors=[{"field": "url", "message": problem}],
        )


async def create_webhook(
    session: AsyncSession,
    principal: Principal,
    data: WebhookCreate,
    *,
    allow_private: bool,
    ip: str | None,
) -> OutgoingWebhook:
    """A hook that receives its events from the next change on (not the past)."""
    events = _check_events(data.events)
    channels, meeting_list = await _check_targets(
        session, principal, data.channel_ids, data.meeting_ids
    )
    await _check_url(data.url, allow_private)
    hook = OutgoingWebhook(
        owner_id=principal.user_id,
        url=data.url,
        events=events,
        channel_ids=channels,
        meeting_ids=meeting_list,
        secret="whsec_" + secrets.token_urlsafe(32),
        cursor=await changes.head(session),
    )
    session.add(hook)
    await session.flush()
    await record_webhook(session, hook, "created", principal.user_id)
    await identity.audit(
        session,
        "webhook.created",
        actor_id=principal.user_id,
        ip=ip,
        target_type="webhook",
        target_id=hook.id,
        url=hook.url,
        events=events,
    )
    return hook


async def _own_webhook(
    session: AsyncSession, principal: Principal, hook_id: int
) -> OutgoingWebhook:
    hook = await session.get(OutgoingWebhook, hook_id)
    if hook is None or (hook.owner_id != principal.user_id and not principal.is_admin):
        raise NotFound(f"No webhook {hook_id}.")
    return hook


async def get_webhook(session: AsyncSession, principal: Principal, hook_id: int) -> WebhookRead:
    return webhook_read(await _own_webhook(session, principal, hook_id))


async def list_webhooks(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int | None
) -> tuple[list[WebhookRead], str | None]:
    query = select(OutgoingWebhook)
    if not principal.is_admin:
        query = query.where(col(OutgoingWebhook.owner_id) == principal.user_id)
    rows, next_cursor = await keyset_page(session, query, OutgoingWebhook.id, cursor, limit)
    return [webhook_read(h) for h in rows], next_cursor


async def update_webhook(
    session: AsyncSession,
    principal: Principal,
    hook_id: int,
    data: WebhookUpdate,
    expected_version: int | None,
    *,
    allow_private: bool,
    ip: str | None,
) -> OutgoingWebhook:
    hook = await _own_webhook(session, principal, hook_id)
    check_version(hook.version, expected_version, webhook_read(hook).model_dump(mode="json"))
    fields = data.model_dump(exclude_unset=True, exclude_none=True)
    if "events" in fields:
        hook.events = _check_events(fields["events"])
    if "channel_ids" in fields or "meeting_ids" in fields:
        hook.channel_ids, hook.meeting_ids = await _check_targets(
            session,
            principal,
            fields.get("channel_ids", hook.channel_ids),
            fields.get("meeting_ids", hook.meeting_ids),
        )
    if "url" in fields:
        await _check_url(fields["url"], allow_private)
        hook.url = fields["url"]
    if "is_active" in fields:
        hook.is_active = fields["is_active"]
        if hook.is_active:
            # Resume where it stopped, with a fresh retry budget.
            hook.disabled_reason = None
            hook.failures = 0
            hook.failing_since = None
            hook.next_attempt_at = None
        else:
            hook.disabled_reason = "disabled by its owner"
    hook.version += 1
    hook.updated_at = utcnow()
    session.add(hook)
    await session.flush()
    await record_webhook(session, hook, "updated", principal.user_id)
    await identity.audit(
        session,
        "webhook.updated",
        actor_id=principal.user_id,
        ip=ip,
        target_type="webhook",
        target_id=hook.id,
        fields=sorted(fields),
    )
    return hook


async def delete_webhook(
    session: AsyncSession, principal: Principal, hook_id: int, ip: str | None
) -> None:
    hook = await _own_webhook(session, principal, hook_id)
    await session.execute(delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == hook_id))
    hook.version += 1
    await record_webhook(session, hook, "deleted", principal.user_id)
    await session.delete(hook)
    await session.flush()
    await identity.audit(
        session,
        "webhook.deleted",
        actor_id=principal.user_id,
        ip=ip,
        target_type="webhook",
        target_id=hook_id,
    )


async def list_deliveries(
    session: AsyncSession,
    principal: Principal,
    hook_id: int,
    *,
    cursor: str | None,
    limit: int | None,
) -> tuple[list[WebhookDelivery], str | None]:
    """Every attempt, newest first."""
    await _own_webhook(session, principal, hook_id)
    query = select(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == hook_id)
    return await keyset_page(session, query, WebhookDelivery.id, cursor, limit, descending=True)


def delivery_body(hook_id: int, event_name: str, change: dict[str, Any]) -> dict[str, Any]:
    """What a receiver gets: the change as the WebSocket sends it, named and identified."""
    body = {k: v for k, v in change.items() if k != "type"}
    return {
        "event": event_name,
        "webhook_id": hook_id,
        "delivery_id": f"{hook_id}-{change['seq']}",
        **body,
    }
