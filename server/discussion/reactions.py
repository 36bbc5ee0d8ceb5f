"""Reactions to a message: one emoji per person, set or taken back. A reaction raises the
message's version and records the message again in the channel's scope."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import Conflict, Forbidden, InvalidInput
from server.discussion import messages
from server.discussion.models import MessageRead, Reaction
from server.discussion.service import access
from server.identity.service import Principal

_EMOJI = re.compile(r"^[^\s/\\\x00-\x1f\x7f]{1,32}$")


async def set_reaction(
    session: AsyncSession,
    principal: Principal,
    message_id: int,
    emoji: str,
    on: bool,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MessageRead:
    if not _EMOJI.match(emoji):
        raise InvalidInput("That is not a reaction.", code="bad_emoji")
    message = await messages.message_for(session, principal, message_id)
    if message.deleted_at is not None:
        raise Conflict("The message was deleted.", code="message_deleted")
    result = await access(session, principal, message.channel_id)
    if not result.can_read or result.channel.is_archived:
        raise Forbidden("You cannot react here.", code="channel_read_only")
    existing = (
        await session.execute(
            select(Reaction).where(
                col(Reaction.message_id) == message_id,
                col(Reaction.user_id) == principal.user_id,
                col(Reaction.emoji) == emoji,
            )
        )
    ).scalar_one_or_none()
    if on == (existing is not None):
        return (await messages.message_reads(session, [message]))[0]  # already so: nothing to write
    if on:
        session.add(Reaction(message_id=message_id, user_id=principal.user_id, emoji=emoji))
    elif existing is not None:
        await session.delete(existing)
    message.version += 1
    session.add(message)
    await session.flush()
    return await messages.record_message(
        session, message, "updated", principal.user_id, client_id=client_id, mutation_id=mutation_id
    )
