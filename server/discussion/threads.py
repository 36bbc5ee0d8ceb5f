"""Threads of a channel and each person's read mark in them. Creating a thread records a change
in the channel's scope and indexes its title; a read mark is a change in the reader's own
``user:{id}`` scope (only their tabs and devices need it). Who may do what:
:mod:`server.discussion.service`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import InvalidInput
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.discussion import service as discussion
from server.discussion.models import Message, ReadState, Thread, ThreadCreate, ThreadRead
from server.identity.service import Principal, user_scope
from server.search import service as search


def thread_read(thread: Thread, unread: int = 0) -> ThreadRead:
    return ThreadRead.model_validate({**thread.model_dump(), "unread_count": unread})


async def create_thread(
    session: AsyncSession, principal: Principal, channel_id: int, data: ThreadCreate
) -> Thread:
    await discussion.require_writer(session, principal, channel_id)
    thread = Thread(channel_id=channel_id, title=data.title, created_by=principal.user_id)
    session.add(thread)
    await session.flush()
    assert thread.id is not None
    await changes.record(
        session,
        scope=discussion.channel_scope(channel_id),
        entity="thread",
        entity_id=thread.id,
        op="created",
        version=thread.version,
        data=thread_read(thread).model_dump(mode="json", exclude={"unread_count"}),
        actor_id=principal.user_id,
    )
    await search.index(
        session,
        "thread",
        thread.id,
        title=thread.title,
        texts=[],
        channel_id=channel_id,
        thread_id=thread.id,
    )
    return thread


async def readable_thread(session: AsyncSession, principal: Principal, thread_id: int) -> Thread:
    thread, _ = await discussion.thread_access(session, principal, thread_id)
    return thread


async def get_thread(session: AsyncSession, principal: Principal, thread_id: int) -> ThreadRead:
    thread = await readable_thread(session, principal, thread_id)
    unread = await discussion.unread_by(session, principal.user_id, by="thread", ids=[thread_id])
    return thread_read(thread, unread.get(thread_id, 0))


async def list_threads(
    session: AsyncSession,
    principal: Principal,
    channel_id: int,
    *,
    cursor: str | None,
    limit: int | None,
) -> tuple[list[ThreadRead], str | None]:
    await discussion.access(session, principal, channel_id)
    query = select(Thread).where(col(Thread.channel_id) == channel_id)
    rows, next_cursor = await keyset_page(
        session, query, col(Thread.id), cursor, limit, descending=True
    )
    unread = await discussion.unread_by(
        session, principal.user_id, by="thread", ids=[t.id for t in rows if t.id is not None]
    )
    return [thread_read(t, unread.get(t.id or 0, 0)) for t in rows], next_cursor


# ---- read state -------------------------------------------------------------------------


async def mark_read(
    session: AsyncSession, principal: Principal, thread_id: int, message_id: int
) -> None:
    thread = await readable_thread(session, principal, thread_id)
    message = await session.get(Message, message_id)
    if message is None or message.thread_id != thread_id:
        raise InvalidInput(
            f"Message {message_id} is not in thread {thread_id}.", code="wrong_thread"
        )
    state = (
        await session.execute(
            select(ReadState).where(
                col(ReadState.user_id) == principal.user_id, col(ReadState.thread_id) == thread_id
            )
        )
    ).scalar_one_or_none()
    if state is None:
        state = ReadState(
            user_id=principal.user_id,
            channel_id=thread.channel_id,
            thread_id=thread_id,
            last_read_message_id=message_id,
        )
    elif message_id <= state.last_read_message_id:
        return  # read marks only move forward
    state.last_read_message_id = message_id
    state.updated_at = utcnow()
    session.add(state)
    await session.flush()
    assert state.id is not None
    await changes.record(
        session,
        scope=user_scope(principal.user_id),
        entity="read_state",
        entity_id=state.id,
        op="updated",
        version=1,
        data={
            "thread_id": thread_id,
            "channel_id": thread.channel_id,
            "last_read_message_id": message_id,
        },
        actor_id=principal.user_id,
    )
