"""Mutations of the discussion: posting, editing and deleting messages, and reactions."""

from __future__ import annotations

from pydantic import Field as PydanticField

from server.core.types import BigId, Id, NulFreeStr
from server.discussion import messages, posting, reactions
from server.discussion import service as discussion
from server.discussion.models import MessageCreate, MessageEdit
from server.sync.mutations.base import (
    Context,
    Json,
    Outcome,
    Strict,
    dump,
    rest_body,
    set_fields,
    update_with_merge,
)

# ---- args -------------------------------------------------------------------------------


class MessageCreateArgs(MessageCreate):
    thread_id: Id


class MessageEditArgs(MessageEdit):
    message_id: BigId


class MessageDeleteArgs(Strict):
    message_id: BigId


class ReactionArgs(Strict):
    message_id: BigId
    emoji: NulFreeStr = PydanticField(min_length=1, max_length=32)
    on: bool = True


# ---- handlers ---------------------------------------------------------------------------


def _channel_of(state: Json) -> str:
    return discussion.channel_scope(int(state["channel_id"]))


async def message_create(ctx: Context, a: MessageCreateArgs, base: int | None) -> Outcome:
    read = await posting.post_message(
        ctx.session,
        ctx.principal,
        a.thread_id,
        rest_body(MessageCreate, a, "thread_id"),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=dump(read))


async def message_edit(ctx: Context, a: MessageEditArgs, base: int | None) -> Outcome:
    data = rest_body(MessageEdit, a, "message_id")

    async def attempt(version: int | None) -> Json:
        return dump(
            await messages.edit_message(
                ctx.session,
                ctx.principal,
                a.message_id,
                data,
                version,
                client_id=ctx.client_id,
                mutation_id=ctx.mutation_id,
            )
        )

    return await update_with_merge(
        ctx,
        base,
        attempt,
        entity="message",
        scope_of=_channel_of,
        touched=set_fields(a, "message_id"),
    )


async def message_delete(ctx: Context, a: MessageDeleteArgs, base: int | None) -> Outcome:
    async def attempt(version: int | None) -> Json:
        await messages.delete_message(
            ctx.session,
            ctx.principal,
            a.message_id,
            version,
            client_id=ctx.client_id,
            mutation_id=ctx.mutation_id,
        )
        return dump(await messages.get_message(ctx.session, ctx.principal, a.message_id))

    return await update_with_merge(
        ctx, base, attempt, entity="message", scope_of=_channel_of, touched={}, watch=("body",)
    )


async def reaction_set(ctx: Context, a: ReactionArgs, base: int | None) -> Outcome:
    read = await reactions.set_reaction(
        ctx.session,
        ctx.principal,
        a.message_id,
        a.emoji,
        a.on,
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
    )
    return Outcome("applied", entity=dump(read))
