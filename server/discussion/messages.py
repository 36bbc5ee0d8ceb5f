"""Rules of messages: editing with history, soft delete, and the REST shape of a message (and
its change and search document, which posting shares). Every write records a change in the
channel's scope in the same transaction and keeps the search index in step; who may do what
comes from :mod:`server.discussion.service`. Posting: :mod:`server.discussion.posting`.
Reactions and translations, which change a message too: :mod:`server.discussion.reactions`,
:mod:`server.discussion.translations`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound, check_version
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.discussion.attachments import attachment_read
from server.discussion.markdown import render_markdown
from server.discussion.models import (
    MAX_MESSAGE_BYTES,
    Attachment,
    AuthorRead,
    Message,
    MessageEdit,
    MessageRead,
    MessageRevision,
    MessageTranslation,
    Reaction,
    ReactionRead,
    Thread,
    TranslationRead,
)
from server.discussion.service import (
    access,
    can_read_channel,
    channel_scope,
    require_writer,
)
from server.discussion.threads import readable_thread
from server.identity import service as identity
from server.identity.service import Principal
from server.search import service as search


def detect_language(text: str) -> str:
    """A fair guess of the language of the original when the client did not say."""
    hangul = sum(1 for ch in text if "\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff")
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    if hangul and hangul >= han:
        return "ko"
    if han:
        return "zh-Hans"
    return "en"


def check_body(body: str) -> str:
    if not body.strip():
        raise InvalidInput(
            "The message is empty.",
            code="empty_message",
            errors=[{"field": "body", "message": "empty"}],
        )
    if len(body.encode()) > MAX_MESSAGE_BYTES:
        raise AppError(
            f"A message may have at most {MAX_MESSAGE_BYTES} bytes.",
            code="message_too_large",
            status=413,
        )
    return body


async def message_reads(
    session: AsyncSession,
    messages: Sequence[Message],
    *,
    new: bool = False,
    attachments: bool = True,
) -> list[MessageRead]:
    """The REST shape of messages, loading authors, reactions, translations and attachments
    in one query each. ``new``: the messages were just posted, so they have no reactions or
    translations yet; ``attachments=False``: nor attachments (queries fewer on the hot path
    of posting)."""
    ids = [m.id for m in messages if m.id is not None]
    authors = await identity.user_cards(session, {m.author_id for m in messages})
    reactions: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    translations: dict[int, list[MessageTranslation]] = defaultdict(list)
    attached: dict[int, list[Attachment]] = defaultdict(list)
    if ids and not new:
        for r in (
            await session.execute(
                select(Reaction).where(col(Reaction.message_id).in_(ids)).order_by(col(Reaction.id))
            )
        ).scalars():
            reactions[r.message_id][r.emoji].append(r.user_id)
        for t in (
            await session.execute(
                select(MessageTranslation)
                .where(col(MessageTranslation.message_id).in_(ids))
                .order_by(col(MessageTranslation.lang))
            )
        ).scalars():
            translations[t.message_id].append(t)
    if ids and attachments:
        for a in (
            await session.execute(
                select(Attachment)
                .where(col(Attachment.message_id).in_(ids))
                .order_by(col(Attachment.id))
            )
        ).scalars():
            if a.message_id is not None:
                attached[a.message_id].append(a)
    result = []
    for m in messages:
        assert m.id is not None
        author = authors[m.author_id]
        deleted = m.deleted_at is not None
        result.append(
            MessageRead(
                id=m.id,
                thread_id=m.thread_id,
                channel_id=m.channel_id,
                author=AuthorRead(
                    id=m.author_id,
                    username=author.username,
                    display_name=author.display_name,
                    is_bot=author.is_bot,
                ),
                body="" if deleted else m.body,
                html="" if deleted else m.html,
                lang=m.lang,
                created_at=m.created_at,
                edited_at=m.edited_at,
                deleted=deleted,
                version=m.version,
                reactions=[]
                if deleted
                else [
                    ReactionRead(emoji=e, count=len(users), user_ids=users)
                    for e, users in reactions[m.id].items()
                ],
                translations=[]
                if deleted
                else [
                    TranslationRead(
                        lang=t.lang,
                        body=t.body,
                        html=t.html,
                        kind=t.kind,
                        translator_id=t.translator_id,
                        stale=t.source_revision < m.body_revision,
                        updated_at=t.updated_at,
                    )
                    for t in translations[m.id]
                ],
                attachments=[] if deleted else [attachment_read(a) for a in attached[m.id]],
            )
        )
    return result


def message_change(
    message: Message,
    read: MessageRead,
    op: str,
    actor: int,
    client_id: str | None,
    mutation_id: str | None,
) -> changes.NewChange:
    assert message.id is not None
    return changes.NewChange(
        scope=channel_scope(message.channel_id),
        entity="message",
        entity_id=message.id,
        op=op,
        version=message.version,
        data=read.model_dump(mode="json"),
        actor_id=actor,
        client_id=client_id,
        mutation_id=mutation_id,
    )


async def record_message(
    session: AsyncSession,
    message: Message,
    op: str,
    actor: int,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MessageRead:
    read = (await message_reads(session, [message]))[0]
    await changes.record_all(
        session, [message_change(message, read, op, actor, client_id, mutation_id)]
    )
    return read


def message_document(message: Message, thread_title: str, texts: list[str]) -> search.Document:
    assert message.id is not None
    return search.Document(
        "message",
        message.id,
        texts,
        title=thread_title,
        channel_id=message.channel_id,
        thread_id=message.thread_id,
    )


async def reindex_message(session: AsyncSession, message: Message) -> None:
    assert message.id is not None
    if message.deleted_at is not None:
        await search.remove(session, "message", message.id)
        return
    texts = [message.body]
    texts += (
        await session.execute(
            select(col(MessageTranslation.body)).where(
                col(MessageTranslation.message_id) == message.id
            )
        )
    ).scalars()
    thread = await session.get(Thread, message.thread_id)
    await search.index_all(
        session, [message_document(message, thread.title if thread else "", texts)]
    )


async def message_for(session: AsyncSession, principal: Principal, message_id: int) -> Message:
    message = await session.get(Message, message_id)
    if message is None or not await can_read_channel(session, principal, message.channel_id):
        raise NotFound(f"No message {message_id}.")
    return message


async def get_message(session: AsyncSession, principal: Principal, message_id: int) -> MessageRead:
    return (await message_reads(session, [await message_for(session, principal, message_id)]))[0]


async def list_messages(
    session: AsyncSession,
    principal: Principal,
    thread_id: int,
    *,
    cursor: str | None,
    limit: int | None,
    newest_first: bool = False,
) -> tuple[list[MessageRead], str | None]:
    await readable_thread(session, principal, thread_id)
    query = select(Message).where(col(Message.thread_id) == thread_id)
    rows, next_cursor = await keyset_page(
        session, query, col(Message.id), cursor, limit, descending=newest_first
    )
    return await message_reads(session, rows), next_cursor


async def check_message_version(
    session: AsyncSession, message: Message, expected_version: int | None
) -> None:
    """``If-Match`` on a message: 412 with the message as it is now when the version moved."""
    if expected_version is not None and expected_version != message.version:
        current = (await message_reads(session, [message]))[0].model_dump(mode="json")
        check_version(message.version, expected_version, current)


async def edit_message(
    session: AsyncSession,
    principal: Principal,
    message_id: int,
    data: MessageEdit,
    expected_version: int | None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MessageRead:
    body = check_body(data.body)
    message = await message_for(session, principal, message_id)
    if message.author_id != principal.user_id:
        raise Forbidden("Only the author may edit a message.", code="not_author")
    if message.deleted_at is not None:
        raise Conflict("The message was deleted.", code="message_deleted")
    await require_writer(session, principal, message.channel_id)
    await check_message_version(session, message, expected_version)
    session.add(
        MessageRevision(
            message_id=message_id,
            body_revision=message.body_revision,
            body=message.body,
            lang=message.lang,
            edited_by=principal.user_id,
        )
    )
    message.body = body
    message.html = render_markdown(body)
    message.lang = data.lang or message.lang
    message.body_revision += 1
    message.version += 1
    message.edited_at = utcnow()
    session.add(message)
    await session.flush()
    read = await record_message(
        session, message, "updated", principal.user_id, client_id=client_id, mutation_id=mutation_id
    )
    await reindex_message(session, message)
    return read


async def delete_message(
    session: AsyncSession,
    principal: Principal,
    message_id: int,
    expected_version: int | None,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> None:
    message = await message_for(session, principal, message_id)
    result = await access(session, principal, message.channel_id)
    if message.author_id != principal.user_id and not result.can_manage:
        raise Forbidden(
            "Only the author or a channel owner may delete a message.", code="not_author"
        )
    if message.deleted_at is not None:
        return  # deleting twice is the same as once
    await check_message_version(session, message, expected_version)
    message.deleted_at = utcnow()
    message.version += 1
    session.add(message)
    await session.flush()
    assert message.id is not None
    # The tombstone: enough for any client to remove the message, none of its content.
    await changes.record(
        session,
        scope=channel_scope(message.channel_id),
        entity="message",
        entity_id=message.id,
        op="deleted",
        version=message.version,
        data={
            "id": message.id,
            "thread_id": message.thread_id,
            "channel_id": message.channel_id,
            "deleted": True,
        },
        actor_id=principal.user_id,
        client_id=client_id,
        mutation_id=mutation_id,
    )
    await reindex_message(session, message)


async def message_history(
    session: AsyncSession, principal: Principal, message_id: int
) -> list[MessageRevision]:
    message = await message_for(session, principal, message_id)
    if message.deleted_at is not None:
        return []
    rows = await session.execute(
        select(MessageRevision)
        .where(col(MessageRevision.message_id) == message_id)
        .order_by(col(MessageRevision.body_revision))
    )
    return list(rows.scalars())
