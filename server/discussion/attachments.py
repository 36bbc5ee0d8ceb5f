"""Files attached to messages: uploaded first (kept once per content under the data
directory, type sniffed, size-limited), then bound to a message when it is posted
(:func:`server.discussion.posting.post_message`); downloaded by the channel's readers; taken
back by their uploader while no message carries them, or removed once left unsent for long
(``gyoryu prune-blobs``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from server.core.files import client_filename, sniff_content_type, store_blob
from server.discussion.models import Attachment, AttachmentRead
from server.discussion.service import can_read_channel, require_writer
from server.identity.service import Principal, user_scope


def attachment_read(attachment: Attachment) -> AttachmentRead:
    assert attachment.id is not None
    return AttachmentRead(
        id=attachment.id,
        filename=attachment.filename,
        size=attachment.size,
        content_type=attachment.content_type,
        url=f"/api/v1/attachments/{attachment.id}",
    )


async def _record(
    session: AsyncSession, attachment: Attachment, op: str, actor_id: int | None
) -> None:
    """A file not yet sent is its uploader's alone: its changes go to the uploader's scope
    (their other tabs and devices), and reach the channel with the message that carries it."""
    assert attachment.id is not None
    data = {"id": attachment.id, "channel_id": attachment.channel_id}
    if op != "deleted":
        data |= attachment_read(attachment).model_dump(mode="json") | {"message_id": None}
    await changes.record(
        session,
        scope=user_scope(attachment.uploader_id),
        entity="attachment",
        entity_id=attachment.id,
        op=op,
        version=1,
        data=data,
        actor_id=actor_id,
    )


async def upload_attachment(
    session: AsyncSession,
    principal: Principal,
    channel_id: int,
    filename: str,
    data: bytes,
    *,
    data_dir: Path,
    max_bytes: int,
) -> Attachment:
    await require_writer(session, principal, channel_id)
    if not data:
        raise InvalidInput("The file is empty.", code="empty_file")
    if len(data) > max_bytes:
        raise AppError(
            f"Files may have at most {max_bytes} bytes.", code="file_too_large", status=413
        )
    digest = store_blob(data_dir, data)
    attachment = Attachment(
        channel_id=channel_id,
        uploader_id=principal.user_id,
        filename=client_filename(filename, "file"),
        content_type=sniff_content_type(data),
        size=len(data),
        sha256=digest,
    )
    session.add(attachment)
    await session.flush()
    await _record(session, attachment, "created", principal.user_id)
    return attachment


async def get_attachment(
    session: AsyncSession, principal: Principal, attachment_id: int
) -> Attachment:
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None or not await can_read_channel(session, principal, attachment.channel_id):
        raise NotFound(f"No attachment {attachment_id}.")
    return attachment


async def delete_attachment(
    session: AsyncSession, principal: Principal, attachment_id: int
) -> None:
    """Its uploader takes back a file no message carries yet (removed from the composer, or
    chosen by mistake). It is unreachable at once; its bytes go with the next ``gyoryu
    prune-blobs`` unless another upload holds the same content."""
    attachment = await get_attachment(session, principal, attachment_id)
    if attachment.uploader_id != principal.user_id:
        raise Forbidden("Only its uploader may delete an attachment.", code="not_uploader")
    if attachment.message_id is not None:
        raise Conflict(
            f"Attachment {attachment_id} belongs to message {attachment.message_id}.",
            code="attachment_in_use",
        )
    await session.delete(attachment)
    await session.flush()
    await _record(session, attachment, "deleted", principal.user_id)


async def remove_unsent(session: AsyncSession, uploaded_before: datetime) -> int:
    """Remove the files uploaded before ``uploaded_before`` that no message carries: left in a
    composer that was closed or discarded. Each removal is recorded as a take-back is (in the
    uploader's scope, by no one); the bytes go with the blob prune that follows. A message
    written offline that still names one is refused when pushed (``bad_attachment``), and the
    web client lists it, with its text, among the refused changes."""
    abandoned = list(
        (
            await session.execute(
                select(Attachment)
                .where(
                    col(Attachment.message_id).is_(None),
                    col(Attachment.created_at) < uploaded_before,
                )
                .order_by(col(Attachment.id))
                # A post attaching one of them meanwhile (which locks it too) either goes first,
                # and the row no longer matches, or waits and then finds it gone.
                .with_for_update()
            )
        ).scalars()
    )
    for attachment in abandoned:
        await session.delete(attachment)
    await session.flush()
    for attachment in abandoned:
        await _record(session, attachment, "deleted", None)
    return len(abandoned)
