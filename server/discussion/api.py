"""Routes for channels, threads, messages, reactions, translations, read marks, attachments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.batching import GroupCommit
from server.core.deps import IfMatch, Limit, SessionDep, SettingsDep
from server.core.errors import AppError
from server.core.files import blob_path, max_file_bytes
from server.core.pagination import Page
from server.core.types import BigId, Id
from server.discussion import (
    attachments,
    mentions,
    messages,
    posting,
    reactions,
    service,
    threads,
    translations,
)
from server.discussion.models import (
    AttachmentRead,
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    MemberAdd,
    MemberRead,
    MentionRead,
    MessageCreate,
    MessageEdit,
    MessageRead,
    MessageRevisionRead,
    ReadMark,
    ThreadCreate,
    ThreadRead,
    TranslationPut,
)
from server.identity.idempotency import IdempotencyDep, IdempotencyKey, IdempotencyKeyDep
from server.identity.permissions import CurrentPrincipal, require
from server.identity.service import Principal

router = APIRouter(tags=["discussion"])
Reader = Annotated[Principal, Depends(require("messages:read"))]
Writer = Annotated[Principal, Depends(require("messages:write"))]
Translator = Annotated[Principal, Depends(require("translations:write"))]


@dataclass(frozen=True)
class PostRequest:
    """A post as its group commit writes it: the message, and the request's idempotency key."""

    post: posting.NewPost
    idempotency: IdempotencyKey


async def write_posts(
    session: AsyncSession, requests: Sequence[PostRequest]
) -> list[Response | AppError]:
    """The HTTP answers to a group of posts, written in ``session`` (the group commit of
    ``post_message`` below, wired in server/app.py): a repeated ``Idempotency-Key`` is
    answered from its record, in the same transaction as the write it stands for."""
    answers: list[Response | AppError | None] = [None] * len(requests)
    to_post: list[int] = []
    for index, request in enumerate(requests):
        if request.idempotency.key is None:
            to_post.append(index)
            continue
        try:
            replay = await request.idempotency.bind(session).replay(request.post.principal)
        except AppError as error:
            answers[index] = error
            continue
        if replay is not None:
            answers[index] = replay
        else:
            to_post.append(index)
    outcomes = await posting.post_messages(session, [requests[i].post for i in to_post])
    for index, outcome in zip(to_post, outcomes, strict=True):
        if isinstance(outcome, AppError):
            answers[index] = outcome
            continue
        idem = requests[index].idempotency.bind(session)
        answers[index] = await idem.remember(requests[index].post.principal, 201, outcome)
    return [answer for answer in answers if answer is not None]


GroupWriter = Annotated[Principal, Depends(require("messages:write", group_commit=True))]


# The busiest routes first: routes are matched in order.
@router.post("/threads/{thread_id}/messages", status_code=201, response_model=MessageRead)
async def post_message(
    thread_id: Id,
    body: MessageCreate,
    principal: GroupWriter,
    idempotency: IdempotencyKeyDep,
    request: Request,
) -> Response:
    # Posts go through a group commit (server/core/batching.py): written together with the
    # posts that arrive meanwhile, each answered once its group has committed.
    posts: GroupCommit[PostRequest, Response] = request.app.state.message_posts
    return await posts.submit(PostRequest(posting.NewPost(principal, thread_id, body), idempotency))


@router.get("/threads/{thread_id}/messages", response_model=Page[MessageRead])
async def list_messages(
    thread_id: Id,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
) -> Page[MessageRead]:
    items, next_cursor = await messages.list_messages(
        session, principal, thread_id, cursor=cursor, limit=limit, newest_first=order == "desc"
    )
    return Page(items=items, next_cursor=next_cursor)


@router.post("/channels", status_code=201, response_model=ChannelRead)
async def create_channel(
    body: ChannelCreate, principal: Writer, session: SessionDep, idem: IdempotencyDep
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    channel = await service.create_channel(session, principal, body)
    return await idem.remember(principal, 201, service.channel_read(channel, "owner"))


@router.get("/channels", response_model=Page[ChannelRead])
async def list_channels(
    principal: Reader, session: SessionDep, cursor: str | None = None, limit: Limit = None
) -> Page[ChannelRead]:
    items, next_cursor = await service.list_channels(session, principal, cursor=cursor, limit=limit)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/channels/{channel_id}", response_model=ChannelRead)
async def get_channel(channel_id: Id, principal: Reader, session: SessionDep) -> ChannelRead:
    return await service.get_channel(session, principal, channel_id)


@router.patch("/channels/{channel_id}", response_model=ChannelRead)
async def update_channel(
    channel_id: Id,
    body: ChannelUpdate,
    principal: Writer,
    session: SessionDep,
    if_match: IfMatch = None,
) -> ChannelRead:
    channel = await service.update_channel(session, principal, channel_id, body, if_match)
    return await service.get_channel(session, principal, channel.id or channel_id)


@router.post("/channels/{channel_id}/members", status_code=201, response_model=MemberRead)
async def add_member(
    channel_id: Id, body: MemberAdd, principal: CurrentPrincipal, session: SessionDep
) -> MemberRead:
    member = await service.add_member(session, principal, channel_id, body.user_id, body.role)
    return MemberRead(channel_id=member.channel_id, user_id=member.user_id, role=member.role)


@router.delete("/channels/{channel_id}/members/{user_id}", status_code=204)
async def remove_member(
    channel_id: Id, user_id: Id, principal: CurrentPrincipal, session: SessionDep
) -> None:
    await service.remove_member(session, principal, channel_id, user_id)


@router.post("/channels/{channel_id}/threads", status_code=201, response_model=ThreadRead)
async def create_thread(
    channel_id: Id,
    body: ThreadCreate,
    principal: Writer,
    session: SessionDep,
    idem: IdempotencyDep,
) -> Response:
    if (replay := await idem.replay(principal)) is not None:
        return replay
    thread = await threads.create_thread(session, principal, channel_id, body)
    return await idem.remember(principal, 201, threads.thread_read(thread))


@router.get("/channels/{channel_id}/threads", response_model=Page[ThreadRead])
async def list_threads(
    channel_id: Id,
    principal: Reader,
    session: SessionDep,
    cursor: str | None = None,
    limit: Limit = None,
) -> Page[ThreadRead]:
    items, next_cursor = await threads.list_threads(
        session, principal, channel_id, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/threads/{thread_id}", response_model=ThreadRead)
async def get_thread(thread_id: Id, principal: Reader, session: SessionDep) -> ThreadRead:
    return await threads.get_thread(session, principal, thread_id)


@router.post("/threads/{thread_id}/read", status_code=204)
async def mark_read(thread_id: Id, body: ReadMark, principal: Reader, session: SessionDep) -> None:
    await threads.mark_read(session, principal, thread_id, body.message_id)


@router.get("/mentions", response_model=Page[MentionRead])
async def list_mentions(
    principal: Reader, session: SessionDep, cursor: str | None = None, limit: Limit = None
) -> Page[MentionRead]:
    """Messages that @-mention the caller, newest first (live: ``mention`` changes in the
    caller's ``user:{id}`` scope)."""
    items, next_cursor = await mentions.list_mentions(
        session, principal, cursor=cursor, limit=limit
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/messages/{message_id}", response_model=MessageRead)
async def get_message(message_id: BigId, principal: Reader, session: SessionDep) -> MessageRead:
    return await messages.get_message(session, principal, message_id)


@router.patch("/messages/{message_id}", response_model=MessageRead)
async def edit_message(
    message_id: BigId,
    body: MessageEdit,
    principal: Writer,
    session: SessionDep,
    if_match: IfMatch = None,
) -> MessageRead:
    return await messages.edit_message(session, principal, message_id, body, if_match)


@router.delete("/messages/{message_id}", status_code=204)
async def delete_message(
    message_id: BigId, principal: Writer, session: SessionDep, if_match: IfMatch = None
) -> None:
    await messages.delete_message(session, principal, message_id, if_match)


@router.get("/messages/{message_id}/history", response_model=list[MessageRevisionRead])
async def message_history(
    message_id: BigId, principal: Reader, session: SessionDep
) -> list[MessageRevisionRead]:
    rows = await messages.message_history(session, principal, message_id)
    return [MessageRevisionRead.model_validate(r, from_attributes=True) for r in rows]


@router.put("/messages/{message_id}/reactions/{emoji}", response_model=MessageRead)
async def add_reaction(
    message_id: BigId, emoji: str, principal: Writer, session: SessionDep
) -> MessageRead:
    return await reactions.set_reaction(session, principal, message_id, emoji, True)


@router.delete("/messages/{message_id}/reactions/{emoji}", response_model=MessageRead)
async def remove_reaction(
    message_id: BigId, emoji: str, principal: Writer, session: SessionDep
) -> MessageRead:
    return await reactions.set_reaction(session, principal, message_id, emoji, False)


@router.put("/messages/{message_id}/translations/{lang}", response_model=MessageRead)
async def put_translation(
    message_id: BigId,
    lang: str,
    body: TranslationPut,
    principal: Translator,
    session: SessionDep,
    if_match: IfMatch = None,
) -> MessageRead:
    return await translations.put_translation(session, principal, message_id, lang, body, if_match)


@router.post("/channels/{channel_id}/attachments", status_code=201, response_model=AttachmentRead)
async def upload_attachment(
    channel_id: Id,
    file: UploadFile,
    principal: Writer,
    session: SessionDep,
    settings: SettingsDep,
) -> AttachmentRead:
    max_bytes = max_file_bytes(settings.max_upload_bytes)
    data = await file.read(max_bytes + 1)
    attachment = await attachments.upload_attachment(
        session,
        principal,
        channel_id,
        file.filename or "file",
        data,
        data_dir=settings.data_dir,
        max_bytes=max_bytes,
    )
    return attachments.attachment_read(attachment)


@router.delete("/attachments/{attachment_id}", status_code=204)
async def delete_attachment(attachment_id: Id, principal: Writer, session: SessionDep) -> Response:
    await attachments.delete_attachment(session, principal, attachment_id)
    return Response(status_code=204)


@router.get(
    "/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={200: {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def download_attachment(
    attachment_id: Id,
    request: Request,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
) -> FileResponse:
    attachment = await attachments.get_attachment(session, principal, attachment_id)
    # Served as a download with the sniffed type; never rendered inline from our origin.
    return FileResponse(
        blob_path(settings.data_dir, attachment.sha256),
        media_type=attachment.content_type,
        filename=attachment.filename,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )
