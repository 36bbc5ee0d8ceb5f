"""The ``gyoryu`` command run as operators run it: a separate process on the configured database."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlmodel import col

from server.changes.models import Change
from server.core.db import Database
from server.core.files import blob_path
from server.core.types import utcnow
from server.demo import DEMO_PASSWORD
from server.discussion.models import Attachment
from tests.factories import make_user
from tests.helpers import row_counts


def _gyoryu(
    database_url: str, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GYORYU_DATABASE_URL": database_url, "GYORYU_DEMO": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "at least"),
        ("short", "at least"),
        ("QwertyUiop", "easy to guess"),
        ("aaaaaaaaaaaaaa", "easy to guess"),
        ("my-root-operator-1", "username"),
    ],
)
async def test_create_admin_refuses_weak_or_empty_passwords_and_writes_nothing(
    app: FastAPI, database_url: str, password: str, reason: str
) -> None:
    before = await row_counts(app)
    result = _gyoryu(
        database_url, "create-admin", "root-operator", "--password-stdin", stdin=password
    )
    assert result.returncode == 2
    assert "Refused" in result.stderr and reason in result.stderr
    assert await row_counts(app) == before


async def test_create_admin_reads_the_password_from_stdin_and_the_admin_can_log_in(
    client: httpx.AsyncClient, database_url: str
) -> None:
    secret = "tq8-Vx2!harbour-lantern"
    result = _gyoryu(
        database_url, "create-admin", "operator", "--password-stdin", stdin=secret + "\n"
    )
    assert result.returncode == 0, result.stderr
    assert "Created administrator operator" in result.stdout
    assert secret not in result.stdout + result.stderr
    login = await client.post(
        "/api/v1/auth/login", json={"username": "operator", "password": secret}
    )
    assert login.status_code == 200
    assert login.json()["user"]["role"] == "admin"
    again = _gyoryu(database_url, "create-admin", "operator", "--password-stdin", stdin=secret)
    assert again.returncode == 2 and "Refused" in again.stderr


async def test_demo_loads_once_into_an_empty_database_and_its_logins_work(
    client: httpx.AsyncClient, database_url: str
) -> None:
    first = _gyoryu(database_url, "demo")
    assert first.returncode == 0, first.stderr
    assert "DEMO" in first.stdout and "seoul.kim" in first.stdout
    login = await client.post(
        "/api/v1/auth/login", json={"username": "beijing.wang", "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    channels = (await client.get("/api/v1/channels", headers=headers)).json()["items"]
    assert any("[DEMO]" in c["name"] for c in channels)
    cities = (await client.get("/api/v1/cities", headers=headers)).json()["items"]
    assert "北京" in {c["name"] for c in cities}
    meetings = (await client.get("/api/v1/meetings", headers=headers)).json()["items"]
    assert len(meetings) == 1 and "[DEMO]" in meetings[0]["title"]
    local = {t["timezone"]: t["starts_at"][11:16] for t in meetings[0]["local_times"]}
    assert local == {"Asia/Seoul": "10:00", "Asia/Shanghai": "09:00"}
    series = await client.get(f"/api/v1/meeting-series/{meetings[0]['series_id']}", headers=headers)
    assert [m["id"] for m in series.json()["meetings"]] == [meetings[0]["id"]]
    # A second load is refused (the data is there), quietly with --if-empty.
    assert _gyoryu(database_url, "demo").returncode == 1
    quiet = _gyoryu(database_url, "demo", "--if-empty")
    assert quiet.returncode == 0 and "not loaded" in quiet.stdout


async def test_prune_blobs_removes_only_old_files_no_row_refers_to(
    client: httpx.AsyncClient, app: FastAPI, database_url: str
) -> None:
    settings = app.state.settings
    owner = await make_user(app)
    channel = await client.post(
        "/api/v1/channels", json={"name": "files", "member_ids": []}, headers=owner.headers
    )
    channel_id = channel.json()["id"]

    async def upload(data: bytes) -> dict[str, Any]:
        answer = await client.post(
            f"/api/v1/channels/{channel_id}/attachments",
            files={"file": ("f.txt", data, "text/plain")},
            headers=owner.headers,
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    kept, taken_back, twin = await upload(b"kept"), await upload(b"taken back"), b"shared"
    first, second = await upload(twin), await upload(twin)  # one blob, two rows
    for attachment in (taken_back, first):
        gone = await client.delete(f"/api/v1/attachments/{attachment['id']}", headers=owner.headers)
        assert gone.status_code == 204
    digests = {
        k: hashlib.sha256(v).hexdigest()
        for k, v in {"kept": b"kept", "back": b"taken back", "twin": twin}.items()
    }
    paths = {k: blob_path(settings.data_dir, d) for k, d in digests.items()}
    old = time.time() - 2 * 86400
    for path in paths.values():
        os.utime(path, (old, old))

    env = {"GYORYU_DATA_DIR": str(settings.data_dir)}
    recent = _gyoryu(database_url, "prune-blobs", "--older-than-hours", "72", env=env)
    assert recent.returncode == 0, recent.stderr
    assert all(p.exists() for p in paths.values())  # all within the grace period

    result = _gyoryu(database_url, "prune-blobs", env=env)
    assert result.returncode == 0, result.stderr
    assert "Removed 1 stored file" in result.stdout
    assert not paths["back"].exists()
    # Still referred to: by its own row, and by the twin's second row.
    assert paths["kept"].exists() and paths["twin"].exists()
    download = await client.get(f"/api/v1/attachments/{second['id']}", headers=owner.headers)
    assert download.content == twin
    assert kept["id"] != second["id"]


async def test_prune_blobs_removes_attachments_left_unsent_for_long_and_their_files(
    client: httpx.AsyncClient, app: FastAPI, database_url: str
) -> None:
    settings = app.state.settings
    owner = await make_user(app)
    channel = await client.post(
        "/api/v1/channels", json={"name": "files", "member_ids": []}, headers=owner.headers
    )
    channel_id = channel.json()["id"]
    thread = await client.post(
        f"/api/v1/channels/{channel_id}/threads", json={"title": "t"}, headers=owner.headers
    )

    async def upload(data: bytes) -> int:
        answer = await client.post(
            f"/api/v1/channels/{channel_id}/attachments",
            files={"file": ("f.txt", data, "text/plain")},
            headers=owner.headers,
        )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    abandoned, recent, sent = (
        await upload(b"abandoned"),
        await upload(b"recent"),
        await upload(b"sent"),
    )
    posted = await client.post(
        f"/api/v1/threads/{thread.json()['id']}/messages",
        json={"body": "with a file", "attachment_ids": [sent]},
        headers=owner.headers,
    )
    assert posted.status_code == 201, posted.text
    db: Database = app.state.db
    async with db.transaction() as session:
        await session.execute(
            update(Attachment)
            .where(col(Attachment.id).in_([abandoned, sent]))
            .values(created_at=utcnow() - timedelta(days=31))
        )
    for data in (b"abandoned", b"recent", b"sent"):
        old = time.time() - 2 * 86400
        os.utime(blob_path(settings.data_dir, hashlib.sha256(data).hexdigest()), (old, old))

    env = {"GYORYU_DATA_DIR": str(settings.data_dir)}
    refused = _gyoryu(database_url, "prune-blobs", "--unsent-older-than-days", "0", env=env)
    assert refused.returncode == 2 and "more than 0" in refused.stderr
    longer = _gyoryu(database_url, "prune-blobs", "--unsent-older-than-days", "40", env=env)
    assert longer.returncode == 0, longer.stderr
    assert "Removed 0 attachment(s)" in longer.stdout

    result = _gyoryu(database_url, "prune-blobs", env=env)
    assert result.returncode == 0, result.stderr
    assert "Removed 1 attachment(s) left unsent for 30 days" in result.stdout
    assert "Removed 1 stored file" in result.stdout
    gone = await client.get(f"/api/v1/attachments/{abandoned}", headers=owner.headers)
    assert gone.status_code == 404
    assert not blob_path(settings.data_dir, hashlib.sha256(b"abandoned").hexdigest()).exists()
    for kept, data in ((recent, b"recent"), (sent, b"sent")):
        download = await client.get(f"/api/v1/attachments/{kept}", headers=owner.headers)
        assert download.content == data
    # Recorded as a take-back is: in the uploader's own scope, by no one.
    async with db.session(write=False) as session:
        change = (
            await session.execute(
                select(Change).where(
                    col(Change.entity) == "attachment",
                    col(Change.entity_id) == abandoned,
                    col(Change.op) == "deleted",
                )
            )
        ).scalar_one()
    assert change.scope == f"user:{owner.id}" and change.actor_id is None
