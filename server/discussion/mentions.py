"""What a person was @-mentioned in. Posting a message records each mention as a change in
the mentioned person's ``user:{id}`` scope (:func:`server.discussion.posting.post_message`),
which is how clients hear of it live and offline; this lists those changes back, newest
first, as the mentions screen shows them."""

from __future__ import annotations

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.changes.models import Change
from server.core.pagination import keyset_page
from server.discussion.markdown import extract_mentions
from server.discussion.models import AuthorRead, MentionRead, Message, Thread
from server.discussion.service import can_read_channel, visible_channel_ids
from server.identity import service as identity
from server.identity.service import Principal, user_scope

EXCERPT_CHARS = 200
MENTION_ENTITY = "mention"


async def record_mentions(session: AsyncSession, principal: Principal, message: Message) -> None:
    """A change in the scope of each person the new message @-mentions, if they can read its
    channel (a mention elsewhere would tell them nothing, and the excerpt would leak)."""
    assert message.id is not None
    usernames = extract_mentions(message.body)
    for user in await identity.users_by_usernames(session, usernames):
        if user.id is None or user.id == principal.user_id:
            continue
        reader = Principal(
            user_id=user.id,
            username=user.username,
            role=user.role,
            organization_id=user.organization_id,
            is_bot=user.is_bot,
            token_id=0,
            scopes=None,
            channel_ids=None,
        )
        if not await can_read_channel(session, reader, message.channel_id):
            continue
        await changes.record(
            session,
            scope=user_scope(user.id),
            entity=MENTION_ENTITY,
            entity_id=message.id,
            op="created",
            version=1,
            data={
                "message_id": message.id,
                "thread_id": message.thread_id,
                "channel_id": message.channel_id,
                "author_id": principal.user_id,
                "excerpt": message.body[:EXCERPT_CHARS],
            },
            actor_id=principal.user_id,
        )


async def list_mentions(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int | None
) -> tuple[list[MentionRead], str | None]:
    """Only mentions the caller may still follow: in channels they can read now, in messages
    that are not deleted."""
    channels = await visible_channel_ids(session, principal)
    query = (
        select(Change)
        .join(Message, col(Message.id) == col(Change.entity_id))
        .where(
            col(Change.scope) == user_scope(principal.user_id),
            col(Change.entity) == MENTION_ENTITY,
            col(Message.deleted_at).is_(None),
            col(Message.channel_id).in_(channels),
        )
    )
    changes, next_cursor = await keyset_page(
        session, query, col(Change.seq), cursor, limit, descending=True
    )
    message_ids = {c.entity_id for c in changes}
    messages = {
        m.id: m
        for m in (
            await session.execute(select(Message).where(col(Message.id).in_(message_ids)))
        ).scalars()
    }
    thread_ids = {m.thread_id for m in messages.values()}
    titles = {
        thread_id: title
        for thread_id, title in await session.execute(
            select(col(Thread.id), col(Thread.title)).where(col(Thread.id).in_(thread_ids))
        )
    }
    authors = await identity.users_by_ids(session, {m.author_id for m in messages.values()})
    items = []
    for change in changes:
        message = messages[change.entity_id]
        author = authors[message.author_id]
        assert message.id is not None and author.id is not None
        recorded = orjson.loads(change.data)
        items.append(
            MentionRead(
                seq=change.seq,
                message_id=message.id,
                thread_id=message.thread_id,
                channel_id=message.channel_id,
                thread_title=titles.get(message.thread_id, ""),
                author=AuthorRead(
                    id=author.id,
                    username=author.username,
                    display_name=author.display_name,
                    is_bot=author.is_bot,
                ),
                excerpt=recorded.get("excerpt") or message.body[:EXCERPT_CHARS],
                lang=message.lang,
                created_at=message.created_at,
            )
        )
    return items, next_cursor
