"""Translations of a message, shown beside the original: one per language, marked human, bot
or reviewed with who made it, and stale once the original is edited after it. A translation
raises the message's version, records the message again and reindexes it, so that a search in
the translation's language finds the original."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.core.errors import Conflict, Forbidden, InvalidInput
from server.core.types import utcnow
from server.discussion import messages
from server.discussion.markdown import render_markdown
from server.discussion.models import MessageRead, MessageTranslation, TranslationPut
from server.discussion.service import access
from server.identity.service import Principal


async def put_translation(
    session: AsyncSession,
    principal: Principal,
    message_id: int,
    lang: str,
    data: TranslationPut,
    expected_version: int | None = None,
) -> MessageRead:
    """Adds or replaces the message's translation into ``lang``. With ``expected_version``
    (the message's version the translator saw; any change to the message raises it), a
    translation someone else saved meanwhile is not overwritten: 412 with the message as it
    is now."""
    if lang not in ("ko", "zh-Hans", "en"):
        raise InvalidInput(f"Unsupported language {lang!r}.", code="unsupported_language")
    message = await messages.message_for(session, principal, message_id)
    if message.deleted_at is not None:
        raise Conflict("The message was deleted.", code="message_deleted")
    if lang == message.lang:
        raise InvalidInput("That is the message's original language.", code="original_language")
    result = await access(session, principal, message.channel_id)
    if not (result.can_write or result.allowed_bot):
        raise Forbidden("You cannot translate here.", code="channel_read_only")
    await messages.check_message_version(session, message, expected_version)
    body = messages.check_body(data.body)
    kind = (
        "bot"
        if principal.is_bot
        else (data.kind if data.kind in ("human", "reviewed") else "human")
    )
    translation = (
        await session.execute(
            select(MessageTranslation).where(
                col(MessageTranslation.message_id) == message_id,
                col(MessageTranslation.lang) == lang,
            )
        )
    ).scalar_one_or_none()
    if translation is None:
        translation = MessageTranslation(
            message_id=message_id,
            lang=lang,
            body=body,
            html="",
            kind=kind,
            translator_id=principal.user_id,
            source_revision=message.body_revision,
        )
    translation.body = body
    translation.html = render_markdown(body)
    translation.kind = kind
    translation.translator_id = principal.user_id
    translation.source_revision = message.body_revision
    translation.updated_at = utcnow()
    session.add(translation)
    message.version += 1
    session.add(message)
    await session.flush()
    read = await messages.record_message(session, message, "updated", principal.user_id)
    await messages.reindex_message(session, message)
    return read
