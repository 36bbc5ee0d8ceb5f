"""Attachments: the person choosing a file is told the file's limit, whichever layer refuses
it (the service, or the body limit in front of it), and nothing is kept; an unsent file is its
uploader's alone, in the change log too, until a message carries it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import col

from server.core.config import Settings
from server.core.db import Database
from server.core.files import max_file_bytes
from server.core.types import utcnow
from server.discussion import attachments, posting
from server.discussion.models import Attachment, MessageCreate
from server.identity import authentication
from tests.discussion.conftest import Room
from tests.helpers import assert_problem, row_counts

UPLOAD_LIMIT = 300_000
FILE_LIMIT = max_file_bytes(UPLOAD_LIMIT)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": UPLOAD_LIMIT})


async def _upload(client: httpx.AsyncClient, room: Room, data: bytes) -> httpx.Response:
    return await client.post(
        f"/api/v1/channels/{room.channel_id}/attachments",
        files={"file": ("계획.txt", data, "text/plain")},
        headers=room.seoul.headers,
    )


def _blobs(settings: Settings) -> list[Path]:
    folder = settings.data_dir / "blobs"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.parametrize(
    "size",
    [FILE_LIMIT + 1, UPLOAD_LIMIT + 1],
    ids=["over the file limit", "over the body limit"],
)
async def test_a_file_over_the_limit_is_told_the_file_limit_and_nothing_is_kept(
    app: FastAPI, client: httpx.AsyncClient, room: Room, size: int
) -> None:
    before = await row_counts(app, ("attachments", "change_log"))
    refused = await _upload(client, room, b"a" * size)
    problem = assert_problem(refused, 413, "file_too_large")
    assert f"at most {FILE_LIMIT} bytes" in problem["detail"]
    assert await row_counts(app, ("attachments", "change_log")) == before
    assert _blobs(app.state.settings) == []


async def test_a_file_of_exactly_the_file_limit_is_taken(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    taken = await _upload(client, room, b"a" * FILE_LIMIT)
    assert taken.status_code == 201, taken.text
    assert taken.json()["size"] == FILE_LIMIT


async def test_the_uploader_takes_back_an_unsent_file_and_it_is_unreachable_at_once(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    uploaded = (await _upload(client, room, b"wrong file")).json()
    url = f"/api/v1/attachments/{uploaded['id']}"
    # Someone else may neither delete it nor learn more than that it is not theirs.
    assert_problem(await client.delete(url, headers=room.beijing.headers), 403, "not_uploader")
    assert_problem(await client.delete(url, headers=room.outsider.headers), 404, "not_found")
    deleted = await client.delete(url, headers=room.seoul.headers)
    assert deleted.status_code == 204, deleted.text
    assert_problem(await client.get(url, headers=room.seoul.headers), 404, "not_found")
    assert_problem(await client.delete(url, headers=room.seoul.headers), 404, "not_found")


async def test_a_file_a_message_carries_cannot_be_taken_back(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    uploaded = (await _upload(client, room, b"minutes draft")).json()
    sent = await client.post(
        f"/api/v1/threads/{room.thread_id}/messages",
        json={"body": "첨부합니다", "attachment_ids": [uploaded["id"]]},
        headers=room.seoul.headers,
    )
    assert sent.status_code == 201, sent.text
    before = await row_counts(app, ("attachments",))
    refused = await client.delete(
        f"/api/v1/attachments/{uploaded['id']}", headers=room.seoul.headers
    )
    assert_problem(refused, 409, "attachment_in_use")
    assert await row_counts(app, ("attachments",)) == before


async def _pulled(client: httpx.AsyncClient, headers: dict[str, str], since: int) -> list[dict]:
    pulled = await client.get(f"/api/v1/sync/pull?since={since}", headers=headers)
    assert pulled.status_code == 200, pulled.text
    changes: list[dict] = pulled.json()["changes"]
    return changes


async def test_upload_and_take_back_are_in_the_change_log_of_the_uploader_alone(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    head = (await client.get("/api/v1/sync/pull?since=0", headers=room.seoul.headers)).json()
    since = head["cursor"]
    uploaded = (await _upload(client, room, b"agenda draft")).json()
    deleted = await client.delete(
        f"/api/v1/attachments/{uploaded['id']}", headers=room.seoul.headers
    )
    assert deleted.status_code == 204, deleted.text

    mine = [
        c for c in await _pulled(client, room.seoul.headers, since) if c["entity"] == "attachment"
    ]
    assert [(c["op"], c["scope"], c["id"]) for c in mine] == [
        ("created", f"user:{room.seoul.id}", uploaded["id"]),
        ("deleted", f"user:{room.seoul.id}", uploaded["id"]),
    ]
    assert mine[0]["data"] == uploaded | {"channel_id": room.channel_id, "message_id": None}
    assert mine[1]["data"] == {"id": uploaded["id"], "channel_id": room.channel_id}
    # The other delegation, in the same channel, hears nothing of a file never sent.
    theirs = await _pulled(client, room.beijing.headers, since)
    assert [c for c in theirs if c["entity"] == "attachment"] == []


async def test_a_file_being_sent_while_unsent_files_are_pruned_is_kept(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    uploaded = (await _upload(client, room, b"a draft from last month")).json()
    db: Database = app.state.db
    async with db.transaction() as session:
        await session.execute(
            update(Attachment)
            .where(col(Attachment.id) == uploaded["id"])
            .values(created_at=utcnow() - timedelta(days=40))
        )
    attached, release = asyncio.Event(), asyncio.Event()

    async def send() -> None:
        # A post that has attached the file and not yet committed when the prune starts.
        async with db.transaction() as session:
            session.info.update(app.state.session_info)
            resolved = await authentication.resolve_token(session, room.seoul.token)
            assert resolved is not None
            body = MessageCreate(body="지난달 초안", attachment_ids=[uploaded["id"]])
            await posting.post_message(session, resolved[0], room.thread_id, body)
            attached.set()
            await release.wait()

    async def prune() -> int:
        async with db.transaction() as session:
            return await attachments.remove_unsent(session, utcnow() - timedelta(days=30))

    sending = asyncio.create_task(send())
    await attached.wait()
    pruning = asyncio.create_task(prune())
    await asyncio.sleep(0.3)
    assert not pruning.done()  # it waits for the post to commit ...
    release.set()
    await sending
    assert await pruning == 0  # ... and then finds the file sent
    download = await client.get(f"/api/v1/attachments/{uploaded['id']}", headers=room.seoul.headers)
    assert download.content == b"a draft from last month"
