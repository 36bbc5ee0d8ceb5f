"""Rules of channels, who may do what in them (and in their threads), and unread counts. Every
write records a change in the channel's scope (``channel:{id}``) in the same transaction, and
keeps the search index in step. Threads and read marks: :mod:`server.discussion.threads`;
messages: :mod:`server.discussion.messages`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import Conflict, Forbidden, InvalidInput, NotFound, check_version
from server.core.pagination import keyset_page
from server.core.types import utcnow
from server.discussion.models import (
    Channel,
    ChannelCreate,
    ChannelMember,
    ChannelRead,
    ChannelUpdate,
    Message,
    ReadState,
    Thread,
)
from server.identity import service as identity
from server.identity.service import Principal, user_scope

WRITER_ROLES = frozenset({"owner", "member"})


def channel_scope(channel_id: int) -> str:
    return f"channel:{channel_id}"


# ---- access -----------------------------------------------------------------------------


class ChannelAccess:
    """What one caller may do in one channel."""

    def __init__(self, channel: Channel, principal: Principal, role: str | None) -> None:
        self.channel = channel
        self.principal = principal
        self.role = role

    @property
    def allowed_bot(self) -> bool:
        p = self.principal
        return p.is_bot and p.channel_ids is not None and self.channel.id in p.channel_ids

    @property
    def can_read(self) -> bool:
        if not self.principal.may_use_channel(self.channel.id or 0):
            return False
        return (
            self.role is not None
            or self.channel.visibility == "platform"
            or self.principal.is_admin
            or self.allowed_bot
        )

    @property
    def can_write(self) -> bool:
        if not self.can_read or self.channel.is_archived:
            return False
        if self.role is not None:
            return self.role in WRITER_ROLES
        return self.channel.visibility == "platform" or self.principal.is_admin or self.allowed_bot

    @property
    def can_manage(self) -> bool:
        return self.principal.is_admin or self.role == "owner"


async def member_role(session: AsyncSession, channel_id: int, user_id: int) -> str | None:
    result = await session.execute(
        select(col(ChannelMember.role)).where(
            col(ChannelMember.channel_id) == channel_id, col(ChannelMember.user_id) == user_id
        )
    )
    return result.scalar_one_or_none()


async def access(session: AsyncSession, principal: Principal, channel_id: int) -> ChannelAccess:
    """The caller's access to a channel; a channel they may not see does not exist for them."""
    channel = await session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"No channel {channel_id}.")
    result = ChannelAccess(
        channel, principal, await member_role(session, channel_id, principal.user_id)
    )
    if not result.can_read:
        raise NotFound(f"No channel {channel_id}.")
    return result


# Built once: every post runs it.
_THREAD_ACCESS = (
    select(Thread, Channel, col(ChannelMember.role))
    .join(Channel, col(Channel.id) == col(Thread.channel_id))
    .outerjoin(
        ChannelMember,
        (col(ChannelMember.channel_id) == col(Thread.channel_id))
        & (col(ChannelMember.user_id) == bindparam("user")),
    )
    .where(col(Thread.id) == bindparam("thread"))
)


async def thread_access(
    session: AsyncSession, principal: Principal, thread_id: int
) -> tuple[Thread, ChannelAccess]:
    """A thread and the caller's access to its channel, read in one query (the hot path of
    every post); a thread the caller may not see does not exist for them."""
    row = (
        await session.execute(_THREAD_ACCESS, {"thread": thread_id, "user": principal.user_id})
    ).first()
    if row is None:
        raise NotFound(f"No thread {thread_id}.")
    thread, channel, role = row
    result = ChannelAccess(channel, principal, role)
    if not result.can_read:
        raise NotFound(f"No thread {thread_id}.")
    return thread, result


async def can_read_channel(session: AsyncSession, principal: Principal, channel_id: int) -> bool:
    try:
        await access(session, principal, channel_id)
    except NotFound:
        return False
    return True


async def require_writer(
    session: AsyncSession, principal: Principal, channel_id: int
) -> ChannelAccess:
    result = await access(session, principal, channel_id)
    if not result.can_write:
        reason = "archived" if result.channel.is_archived else "read-only for you"
        raise Forbidden(f"Channel {channel_id} is {reason}.", code="channel_read_only")
    return result


async def visible_channel_ids(session: AsyncSession, principal: Principal) -> list[int]:
    query = select(col(Channel.id))
    if not principal.is_admin:
        member_of = select(col(ChannelMember.channel_id)).where(
            col(ChannelMember.user_id) == principal.user_id
        )
        conditions = [col(Channel.id).in_(member_of), col(Channel.visibility) == "platform"]
        if principal.is_bot and principal.channel_ids:
            conditions.append(col(Channel.id).in_(principal.channel_ids))
        query = query.where(or_(*conditions))
    ids = [int(i) for i in (await session.execute(query)).scalars() if i is not None]
    return [i for i in ids if principal.may_use_channel(i)]


# ---- channels ---------------------------------------------------------------------------


def channel_read(channel: Channel, role: str | None = None, unread: int = 0) -> ChannelRead:
    return ChannelRead.model_validate(
        {**channel.model_dump(), "my_role": role, "unread_count": unread}
    )


async def _record_channel(session: AsyncSession, channel: Channel, op: str, actor: int) -> None:
    assert channel.id is not None
    data = channel_read(channel).model_dump(mode="json", exclude={"my_role", "unread_count"})
    await changes.record(
        session,
        scope=channel_scope(channel.id),
        entity="channel",
        entity_id=channel.id,
        op=op,
        version=channel.version,
        data=data,
        actor_id=actor,
    )


async def create_channel(
    session: AsyncSession, principal: Principal, data: ChannelCreate
) -> Channel:
    if principal.is_bot:
        raise Forbidden("Bots cannot create channels.", code="bots_cannot_create_channels")
    member_ids = sorted(set(data.member_ids) - {principal.user_id})
    known = await identity.users_by_ids(session, member_ids)
    missing = [i for i in member_ids if i not in known]
    if missing:
        raise InvalidInput(
            f"Unknown users: {missing}.",
            code="unknown_user",
            errors=[{"field": "member_ids", "message": f"unknown user ids {missing}"}],
        )
    channel = Channel(
        name=data.name,
        description=data.description,
        visibility=data.visibility,
        created_by=principal.user_id,
    )
    session.add(channel)
    await session.flush()
    await _record_channel(session, channel, "created", principal.user_id)
    await _add_member(session, channel, principal.user_id, "owner", principal.user_id)
    for user_id in member_ids:
        await _add_member(session, channel, user_id, "member", principal.user_id)
    return channel


async def create_channel_unchecked(
    session: AsyncSession, owner_id: int, data: ChannelCreate
) -> Channel:
    """For the demo loader and other services acting for a known owner."""
    principal = Principal(
        user_id=owner_id,
        username="",
        role="member",
        organization_id=None,
        is_bot=False,
        token_id=0,
        scopes=None,
        channel_ids=None,
    )
    return await create_channel(session, principal, data)


async def _add_member(
    session: AsyncSession, channel: Channel, user_id: int, role: str, actor: int
) -> ChannelMember:
    assert channel.id is not None
    member = ChannelMember(channel_id=channel.id, user_id=user_id, role=role)
    session.add(member)
    await session.flush()
    assert member.id is not None
    data = {"channel_id": channel.id, "user_id": user_id, "role": role}
    for scope in (channel_scope(channel.id), user_scope(user_id)):
        await changes.record(
            session,
            scope=scope,
            entity="channel_member",
            entity_id=member.id,
            op="created",
            version=1,
            data={**data, "channel": channel_read(channel).model_dump(mode="json")},
            actor_id=actor,
        )
    return member


async def list_channels(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int | None
) -> tuple[list[ChannelRead], str | None]:
    ids = await visible_channel_ids(session, principal)
    query = select(Channel).where(col(Channel.id).in_(ids))
    rows, next_cursor = await keyset_page(session, query, col(Channel.id), cursor, limit)
    roles = dict(
        (
            await session.execute(
                select(col(ChannelMember.channel_id), col(ChannelMember.role)).where(
                    col(ChannelMember.user_id) == principal.user_id
                )
            )
        ).all()
    )
    unread = await unread_by(
        session, principal.user_id, by="channel", ids=[c.id for c in rows if c.id is not None]
    )
    return [channel_read(c, roles.get(c.id), unread.get(c.id or 0, 0)) for c in rows], next_cursor


async def get_channel(session: AsyncSession, principal: Principal, channel_id: int) -> ChannelRead:
    result = await access(session, principal, channel_id)
    unread = await unread_by(session, principal.user_id, by="channel", ids=[channel_id])
    return channel_read(result.channel, result.role, unread.get(channel_id, 0))


async def update_channel(
    session: AsyncSession,
    principal: Principal,
    channel_id: int,
    data: ChannelUpdate,
    expected_version: int | None,
) -> Channel:
    result = await access(session, principal, channel_id)
    if not result.can_manage:
        raise Forbidden("Only the channel's owners may change it.", code="owner_required")
    channel = result.channel
    check_version(channel.version, expected_version, channel_read(channel).model_dump(mode="json"))
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(channel, name, value)
    channel.version += 1
    channel.updated_at = utcnow()
    session.add(channel)
    await session.flush()
    await _record_channel(session, channel, "updated", principal.user_id)
    return channel


async def add_member(
    session: AsyncSession, principal: Principal, channel_id: int, user_id: int, role: str
) -> ChannelMember:
    result = await access(session, principal, channel_id)
    if not result.can_manage:
        raise Forbidden("Only the channel's owners may add members.", code="owner_required")
    if not await identity.users_by_ids(session, [user_id]):
        raise InvalidInput(
            f"No user {user_id}.",
            code="unknown_user",
            errors=[{"field": "user_id", "message": "unknown user"}],
        )
    if await member_role(session, channel_id, user_id) is not None:
        raise Conflict(f"User {user_id} is already a member.", code="already_member")
    return await _add_member(session, result.channel, user_id, role, principal.user_id)


async def remove_member(
    session: AsyncSession, principal: Principal, channel_id: int, user_id: int
) -> None:
    result = await access(session, principal, channel_id)
    if not result.can_manage and principal.user_id != user_id:
        raise Forbidden("Only the channel's owners may remove members.", code="owner_required")
    member = (
        await session.execute(
            select(ChannelMember).where(
                col(ChannelMember.channel_id) == channel_id, col(ChannelMember.user_id) == user_id
            )
        )
    ).scalar_one_or_none()
    if member is None or member.id is None:
        raise NotFound(f"User {user_id} is not a member of channel {channel_id}.")
    await session.delete(member)
    await session.flush()
    data = {"channel_id": channel_id, "user_id": user_id, "role": member.role}
    for scope in (channel_scope(channel_id), user_scope(user_id)):
        await changes.record(
            session,
            scope=scope,
            entity="channel_member",
            entity_id=member.id,
            op="deleted",
            version=1,
            data=data,
            actor_id=principal.user_id,
        )


# ---- unread counts -------------------------------------------------------------------------


async def unread_by(
    session: AsyncSession, user_id: int, *, by: Literal["channel", "thread"], ids: Collection[int]
) -> dict[int, int]:
    """Unread messages (others', not deleted, after the user's read mark of their thread) in
    the given channels or threads, by channel or thread id.

    Driven from the threads: for each, only the messages after its read mark are read, in the
    order of the (thread, id) index, so the cost follows what is unread, not how much the
    channel holds.
    """
    if not ids:
        return {}
    group = col(Thread.channel_id) if by == "channel" else col(Thread.id)
    read_mark = func.coalesce(col(ReadState.last_read_message_id), 0)
    query = (
        select(group, func.count())
        .select_from(Thread)
        .outerjoin(
            ReadState,
            and_(col(ReadState.thread_id) == col(Thread.id), col(ReadState.user_id) == user_id),
        )
        .join(
            Message,
            and_(col(Message.thread_id) == col(Thread.id), col(Message.id) > read_mark),
        )
        .where(
            group.in_(list(ids)),
            col(Message.author_id) != user_id,
            col(Message.deleted_at).is_(None),
        )
        .group_by(group)
    )
    return {int(k): int(v) for k, v in (await session.execute(query)).all() if k is not None}


# ---- figures for the dashboard ----------------------------------------------------------


async def message_counts_by_month(
    session: AsyncSession, principal: Principal, since: datetime
) -> list[tuple[int, str, int]]:
    """(channel id, ``YYYY-MM`` in UTC, messages) in the channels the caller may see."""
    ids = await visible_channel_ids(session, principal)
    if not ids:
        return []
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps UTC times as ISO text: the month is its first seven characters.
        month: Any = func.substr(col(Message.created_at), 1, 7)
    else:
        month = func.to_char(func.timezone("UTC", col(Message.created_at)), "YYYY-MM")
    rows = await session.execute(
        select(col(Message.channel_id), month.label("month"), func.count())
        .where(
            col(Message.channel_id).in_(ids),
            col(Message.deleted_at).is_(None),
            col(Message.created_at) >= since,
        )
        .group_by(col(Message.channel_id), month)
        .order_by(col(Message.channel_id), month)
    )
    return [(int(channel), str(m), int(n)) for channel, m, n in rows.all()]


async def channel_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(col(Channel.id), col(Channel.name)).where(col(Channel.id).in_(list(ids)))
    )
    return {i: str(name) for i, name in rows.all() if i is not None}
