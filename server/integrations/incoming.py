"""Rules of incoming webhooks: a secret URL per hook, managed by the channel's owners; what is
posted to it becomes a message of the hook's own bot account, in its channel only. Services
flush; the caller commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Forbidden, InvalidInput, NotFound, check_version
from server.core.security import new_token, token_digest
from server.core.types import utcnow
from server.discussion import posting, threads
from server.discussion import service as discussion
from server.discussion.models import MessageCreate, MessageRead, ThreadCreate
from server.identity import bots as identity_bots
from server.identity import service as identity
from server.identity.service import Principal
from server.integrations.models import (
    IncomingPayload,
    IncomingWebhook,
    IncomingWebhookCreate,
    IncomingWebhookRead,
    IncomingWebhookUpdate,
)

INCOMING_SECRET_PREFIX = "gyh_"
INCOMING_PATH = "/api/v1/hooks/"


def incoming_read(hook: IncomingWebhook) -> IncomingWebhookRead:
    return IncomingWebhookRead.model_validate(hook, from_attributes=True)


async def _record_incoming(
    session: AsyncSession, hook: IncomingWebhook, op: str, actor: int
) -> None:
    assert hook.id is not None
    await changes.record(
        session,
        scope=discussion.channel_scope(hook.channel_id),
        entity="incoming_webhook",
        entity_id=hook.id,
        op=op,
        version=hook.version,
        data=incoming_read(hook).model_dump(mode="json"),
        actor_id=actor,
    )


async def _require_hook_manager(
    session: AsyncSession, principal: Principal, channel_id: int
) -> None:
    acc = await discussion.access(session, principal, channel_id)
    if not (acc.can_manage or acc.allowed_bot):
        raise Forbidden(
            "Only the channel's owners (or an administrator) manage its webhooks.",
            code="channel_manager_required",
        )


async def create_incoming(
    session: AsyncSession,
    principal: Principal,
    channel_id: int,
    data: IncomingWebhookCreate,
    ip: str | None,
) -> tuple[IncomingWebhook, str]:
    """A new hook and its secret (part of its URL, shown once)."""
    await _require_hook_manager(session, principal, channel_id)
    if data.thread_id is not None:
        thread = await threads.get_thread(session, principal, data.thread_id)
        if thread.channel_id != channel_id:
            raise InvalidInput(
                f"Thread {data.thread_id} is not in channel {channel_id}.",
                code="thread_not_in_channel",
                errors=[{"field": "thread_id", "message": "not a thread of this channel"}],
            )
        thread_id = thread.id
    else:
        created = await threads.create_thread(
            session, principal, channel_id, ThreadCreate(title=data.name)
        )
        assert created.id is not None
        thread_id = created.id
    author = await identity_bots.create_integration_user(
        session, data.name, principal.organization_id, principal.user_id
    )
    assert author.id is not None
    secret = new_token(INCOMING_SECRET_PREFIX)
    hook = IncomingWebhook(
        channel_id=channel_id,
        thread_id=thread_id,
        name=data.name,
        secret_hash=token_digest(secret),
        author_id=author.id,
        created_by=principal.user_id,
    )
    session.add(hook)
    await session.flush()
    await _record_incoming(session, hook, "created", principal.user_id)
    await identity.audit(
        session,
        "incoming_webhook.created",
        actor_id=principal.user_id,
        ip=ip,
        target_type="incoming_webhook",
        target_id=hook.id,
        channel_id=channel_id,
    )
    return hook, secret


async def list_incoming(
    session: AsyncSession, principal: Principal, channel_id: int
) -> list[IncomingWebhook]:
    await _require_hook_manager(session, principal, channel_id)
    rows = await session.execute(
        select(IncomingWebhook)
        .where(col(IncomingWebhook.channel_id) == channel_id)
        .order_by(col(IncomingWebhook.id))
    )
    return list(rows.scalars())


async def _incoming_to_change(
    session: AsyncSession, principal: Principal, hook_id: int, expected_version: int | None
) -> IncomingWebhook:
    """The hook, when the caller manages its channel and saw its current version."""
    hook = await session.get(IncomingWebhook, hook_id, with_for_update=True)
    if hook is None or not await discussion.can_read_channel(session, principal, hook.channel_id):
        raise NotFound(f"No incoming webhook {hook_id}.")
    await _require_hook_manager(session, principal, hook.channel_id)
    check_version(hook.version, expected_version, incoming_read(hook).model_dump(mode="json"))
    return hook


async def _save_incoming_change(
    session: AsyncSession,
    principal: Principal,
    hook: IncomingWebhook,
    action: str,
    ip: str | None,
    **details: Any,
) -> None:
    hook.version += 1
    session.add(hook)
    await session.flush()
    await _record_incoming(session, hook, "updated", principal.user_id)
    await identity.audit(
        session,
        action,
        actor_id=principal.user_id,
        ip=ip,
        target_type="incoming_webhook",
        target_id=hook.id,
        **details,
    )


async def update_incoming(
    session: AsyncSession,
    principal: Principal,
    hook_id: int,
    data: IncomingWebhookUpdate,
    expected_version: int | None,
    ip: str | None,
) -> IncomingWebhook:
    hook = await _incoming_to_change(session, principal, hook_id, expected_version)
    fields = data.model_dump(exclude_unset=True, exclude_none=True)
    for name, value in fields.items():
        setattr(hook, name, value)
    await _save_incoming_change(
        session, principal, hook, "incoming_webhook.updated", ip, fields=sorted(fields)
    )
    return hook


async def rotate_incoming(
    session: AsyncSession,
    principal: Principal,
    hook_id: int,
    expected_version: int | None,
    ip: str | None,
) -> tuple[IncomingWebhook, str]:
    """A new secret for the hook (shown once); the old URL stops working at once."""
    hook = await _incoming_to_change(session, principal, hook_id, expected_version)
    secret = new_token(INCOMING_SECRET_PREFIX)
    hook.secret_hash = token_digest(secret)
    await _save_incoming_change(session, principal, hook, "incoming_webhook.rotated", ip)
    return hook, secret


async def incoming_by_secret(session: AsyncSession, secret: str) -> IncomingWebhook | None:
    if not secret.startswith(INCOMING_SECRET_PREFIX) or len(secret) > 200:
        return None
    rows = await session.execute(
        select(IncomingWebhook).where(col(IncomingWebhook.secret_hash) == token_digest(secret))
    )
    return rows.scalar_one_or_none()


async def post_incoming(
    session: AsyncSession, hook: IncomingWebhook, payload: IncomingPayload
) -> MessageRead:
    """Post the payload as the hook's bot, in its channel only."""
    assert hook.id is not None
    author = await identity.get_user(session, hook.author_id)
    principal = Principal(
        user_id=hook.author_id,
        username=author.username,
        role="member",
        organization_id=author.organization_id,
        is_bot=True,
        token_id=0,
        scopes=frozenset({"messages:read", "messages:write"}),
        channel_ids=frozenset({hook.channel_id}),
    )
    thread_id = await _incoming_thread(session, hook, principal, payload.thread)
    message = await posting.post_message(
        session, principal, thread_id, MessageCreate(body=payload.text, lang=payload.lang)
    )
    hook.last_used_at = utcnow()
    session.add(hook)
    await session.flush()
    return message


async def _incoming_thread(
    session: AsyncSession, hook: IncomingWebhook, principal: Principal, thread: int | str | None
) -> int:
    if thread is None:
        return hook.thread_id
    if isinstance(thread, int):
        found = await threads.get_thread(session, principal, thread)
        if found.channel_id != hook.channel_id:
            raise NotFound(f"No thread {thread} in this webhook's channel.")
        return thread
    title = thread.strip()
    if not title or len(title) > 300:
        raise InvalidInput(
            "A thread title must be 1 to 300 characters.",
            code="invalid_input",
            errors=[{"field": "thread", "message": "1 to 300 characters"}],
        )
    # A title names the newest thread of that title in the channel, or starts one.
    cursor: str | None = None
    while True:
        page, cursor = await threads.list_threads(
            session, principal, hook.channel_id, cursor=cursor, limit=200
        )
        for item in page:
            if item.title == title:
                return item.id
        if cursor is None:
            break
    created = await threads.create_thread(
        session, principal, hook.channel_id, ThreadCreate(title=title)
    )
    assert created.id is not None
    return created.id
