"""Posting messages, one or a group at once (the group commit of the posting route, see
:mod:`server.core.batching`): the message, its attachments, its thread's counters, its change
in the channel's scope, its mentions and its search document, in the caller's transaction.
Editing, deleting and the REST shape of a message: :mod:`server.discussion.messages`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from server.changes import service as changes
from server.core.db import table_of
from server.core.errors import AppError, Forbidden, InvalidInput
from server.core.types import UTCDateTime, utcnow
from server.discussion import mentions, messages
from server.discussion.markdown import render_markdown
from server.discussion.models import Attachment, Message, MessageCreate, MessageRead, Thread
from server.discussion.service import ChannelAccess, thread_access
from server.identity.service import Principal
from server.search import service as search

_THREADS = table_of(Thread)
# Every post runs it: built once and run as a Core statement (see server/changes/service.py).
_COUNT_MESSAGES = (
    update(_THREADS)
    .where(_THREADS.c.id == bindparam("thread"))
    .values(
        message_count=_THREADS.c.message_count + bindparam("count"),
        last_message_id=bindparam("message"),
        last_message_at=bindparam("at", type_=UTCDateTime()),
    )
    .returning(_THREADS.c.message_count)
)


_MESSAGES = table_of(Message)
# Ids come back in the order of the rows given (SQLAlchemy runs it row by row where the
# database cannot promise that order for one statement of many rows, as on SQLite; a single
# multi-row statement measured slower on SQLite).
_INSERT_MESSAGES = _MESSAGES.insert().returning(_MESSAGES.c.id, sort_by_parameter_order=True)


async def _insert_new(session: AsyncSession, new: Sequence[Message]) -> None:
    """``session.add`` and ``flush`` for new messages, as one prebuilt Core INSERT: the unit
    of work's flush was the single largest cost of posting. The messages then join the
    session as persistent objects, as if they had been flushed."""
    connection = await session.connection()
    rows = [message.model_dump(exclude={"id"}) for message in new]
    inserted = await connection.execute(_INSERT_MESSAGES, rows[0] if len(rows) == 1 else rows)
    for message, message_id in zip(new, inserted.scalars(), strict=True):
        message.id = message_id
        make_transient_to_detached(message)
        session.add(message)


@dataclass(frozen=True)
class NewPost:
    """One message to post, by whom and where: what :func:`post_messages` takes."""

    principal: Principal
    thread_id: int
    data: MessageCreate
    client_id: str | None = None
    mutation_id: str | None = None


async def post_message(
    session: AsyncSession,
    principal: Principal,
    thread_id: int,
    data: MessageCreate,
    *,
    client_id: str | None = None,
    mutation_id: str | None = None,
) -> MessageRead:
    """Post one message (:func:`post_messages` with one)."""
    post = NewPost(principal, thread_id, data, client_id, mutation_id)
    outcome = (await post_messages(session, [post]))[0]
    if isinstance(outcome, AppError):
        raise outcome
    return outcome


async def post_messages(
    session: AsyncSession, posts: Sequence[NewPost]
) -> list[MessageRead | AppError]:
    """Post messages in the caller's transaction, each with what a post writes: the message,
    its thread's counters, a change in its channel's scope, a change for each person it
    mentions, and its search document; the changes in the order of ``posts``.

    The outcome of each post, in order. A post the rules refuse (empty or too large, a thread
    the author cannot see, a channel they may not write in) gets its error in its place and
    writes nothing; the others go on. An error while writing (an unusable attachment, the
    database) is raised, and the caller rolls the whole transaction back. Several posts at once
    are a group commit (:mod:`server.core.batching`): each statement runs once for all of them.
    """
    outcomes: list[MessageRead | AppError | None] = [None] * len(posts)
    accepted: list[tuple[int, NewPost, Thread, Message]] = []
    allowed: dict[tuple[int, Principal], tuple[Thread, ChannelAccess] | AppError] = {}
    now = utcnow()
    for index, post in enumerate(posts):
        try:
            body = messages.check_body(post.data.body)
            # Read once per thread and author, however many of their posts the group holds.
            key = (post.thread_id, post.principal)
            known = allowed.get(key)
            if known is None:
                try:
                    known = await _writable_thread(session, post.principal, post.thread_id)
                except AppError as error:
                    known = error
                allowed[key] = known
            if isinstance(known, AppError):
                raise known
        except AppError as error:
            outcomes[index] = error
            continue
        thread = known[0]
        message = Message(
            thread_id=post.thread_id,
            channel_id=thread.channel_id,
            author_id=post.principal.user_id,
            body=body,
            html=render_markdown(body),
            lang=post.data.lang or messages.detect_language(body),
            created_at=now,
        )
        accepted.append((index, post, thread, message))
    if accepted:
        await _write_posts(session, accepted, now, outcomes)
    return [outcome for outcome in outcomes if outcome is not None]


async def _writable_thread(
    session: AsyncSession, principal: Principal, thread_id: int
) -> tuple[Thread, ChannelAccess]:
    thread, result = await thread_access(session, principal, thread_id)
    if not result.can_write:
        reason = "archived" if result.channel.is_archived else "read-only for you"
        raise Forbidden(f"Channel {thread.channel_id} is {reason}.", code="channel_read_only")
    return thread, result


async def _write_posts(
    session: AsyncSession,
    accepted: list[tuple[int, NewPost, Thread, Message]],
    now: datetime,
    outcomes: list[MessageRead | AppError | None],
) -> None:
    new = [message for *_, message in accepted]
    await _insert_new(session, new)
    with_attachments = False
    for _, post, _, message in accepted:
        if post.data.attachment_ids:
            with_attachments = True
            await _attach(session, post.principal, message, post.data.attachment_ids)
    threads: dict[int, tuple[Thread, list[Message]]] = {}
    for _, _, thread, message in accepted:
        threads.setdefault(message.thread_id, (thread, []))[1].append(message)
    connection = await session.connection()
    for thread_id, (thread, posted) in threads.items():
        last = posted[-1].id
        counted = await connection.execute(
            _COUNT_MESSAGES, {"thread": thread_id, "count": len(posted), "message": last, "at": now}
        )
        # Keep this session's thread in step, as an ORM update would.
        set_committed_value(thread, "message_count", counted.scalar_one())
        set_committed_value(thread, "last_message_id", last)
        set_committed_value(thread, "last_message_at", now)
    reads = await messages.message_reads(session, new, new=True, attachments=with_attachments)
    await changes.record_all(
        session,
        [
            messages.message_change(
                message, read, "created", post.principal.user_id, post.client_id, post.mutation_id
            )
            for (_, post, _, message), read in zip(accepted, reads, strict=True)
        ],
    )
    for _, post, _, message in accepted:
        await mentions.record_mentions(session, post.principal, message)
    await search.index_all(
        session,
        [
            messages.message_document(message, thread.title, [message.body])
            for _, _, thread, message in accepted
        ],
    )
    for (index, *_), read in zip(accepted, reads, strict=True):
        outcomes[index] = read


async def _attach(
    session: AsyncSession, principal: Principal, message: Message, attachment_ids: list[int]
) -> None:
    rows = list(
        (
            await session.execute(
                # Locked, so that `gyoryu prune-blobs` cannot remove one between this check and
                # the update below (attachments.remove_unsent locks them as well).
                select(Attachment).where(col(Attachment.id).in_(attachment_ids)).with_for_update()
            )
        ).scalars()
    )
    usable = {
        a.id
        for a in rows
        if a.uploader_id == principal.user_id
        and a.channel_id == message.channel_id
        and a.message_id is None
    }
    bad = sorted(set(attachment_ids) - usable)
    if bad:
        raise InvalidInput(
            f"Attachments {bad} cannot be used here.",
            code="bad_attachment",
            errors=[{"field": "attachment_ids", "message": f"unusable: {bad}"}],
        )
    await session.execute(
        update(Attachment)
        .where(col(Attachment.id).in_(attachment_ids))
        .values(message_id=message.id)
    )
