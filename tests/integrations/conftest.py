"""Fixtures for bots and webhooks: Seoul and Beijing officials in a channel with a thread and a
joint meeting, bots made through the API, and a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from fastapi import FastAPI

from server.core.config import Settings
from tests.discussion.conftest import make_channel, make_thread
from tests.factories import Person, make_org, make_user


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Tiny retry delays and a quick poll keep the dispatcher tests short; the receivers run
    # on 127.0.0.1, which only this setting lets through.
    return settings.model_copy(
        update={
            "webhook_allow_private": True,
            "webhook_backoff_base_seconds": 0.01,
            "webhook_backoff_max_seconds": 0.05,
            "webhook_poll_seconds": 0.05,
        }
    )


@dataclass
class Bot:
    id: int
    token: str
    username: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    admin: Person
    seoul: Person  # channel owner, Seoul delegation
    beijing: Person  # channel member, Beijing delegation
    outsider: Person
    seoul_org_id: int
    beijing_org_id: int
    channel_id: int
    thread_id: int
    meeting_id: int


async def create_bot(
    client: httpx.AsyncClient,
    admin: Person,
    scopes: list[str],
    *,
    channel_ids: list[int] | None = None,
    organization_id: int | None = None,
    name: str = "helper",
) -> Bot:
    response = await client.post(
        "/api/v1/bots",
        json={
            "name": name,
            "organization_id": organization_id,
            "scopes": scopes,
            "channel_ids": channel_ids,
        },
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Bot(body["id"], body["token"], body["username"])


async def make_world(app: FastAPI, client: httpx.AsyncClient) -> World:
    seoul_org = await make_org(app, country="KR", name="Seoul Metropolitan Government")
    beijing_org = await make_org(app, country="CN", name="Beijing Municipal Government")
    assert seoul_org.id is not None and beijing_org.id is not None
    admin = await make_user(app, role="admin", org=seoul_org, username="admin.lee")
    seoul = await make_user(app, org=seoul_org, username="seoul.kim")
    beijing = await make_user(
        app, org=beijing_org, username="beijing.wang", locale="zh-Hans", timezone="Asia/Shanghai"
    )
    outsider = await make_user(app, username="outsider.x")
    channel_id = await make_channel(client, seoul, [beijing])
    thread_id = await make_thread(client, seoul, channel_id, "공동위원회 준비 / 联合委员会筹备")
    meeting = await client.post(
        "/api/v1/meetings",
        json={
            "title": "서울-베이징 공동위원회",
            "title_lang": "ko",
            "mode": "hybrid",
            "starts_at": "2027-03-10T01:00:00Z",
            "ends_at": "2027-03-10T03:00:00Z",
            "timezone": "Asia/Seoul",
            "location": "Seoul City Hall",
            "channel_id": channel_id,
            "organization_ids": [seoul_org.id, beijing_org.id],
            "participants": [{"user_id": beijing.id, "role": "chair"}],
        },
        headers=seoul.headers,
    )
    assert meeting.status_code == 201, meeting.text
    scheduled = await client.patch(
        f"/api/v1/meetings/{meeting.json()['id']}",
        json={"status": "scheduled"},
        headers=seoul.headers,
    )
    assert scheduled.status_code == 200, scheduled.text
    return World(
        admin,
        seoul,
        beijing,
        outsider,
        seoul_org.id,
        beijing_org.id,
        channel_id,
        thread_id,
        meeting.json()["id"],
    )


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient) -> World:
    return await make_world(app, client)


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], wait_seconds: float = 20.0
) -> None:
    """Wait until ``check`` holds (background work: the dispatcher, the hub); fail after a
    generous timeout. Never asserts on how long it took."""
    deadline = time.monotonic() + wait_seconds
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


# ---- a real HTTP receiver -----------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> dict[str, Any]:
        value: dict[str, Any] = orjson.loads(self.body)
        return value


@dataclass
class Receiver:
    """An ASGI app served by uvicorn on 127.0.0.1: records every request, answers 500 to the
    next ``fail_next`` ones, and can be slow."""

    url: str = ""
    attempts: list[Received] = field(default_factory=list)
    fail_next: int = 0
    always_fail: bool = False
    delay: float = 0.0

    @property
    def delivered(self) -> list[Received]:
        return [r for r in self.attempts if r.status == 200]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self.delay:
            await asyncio.sleep(self.delay)
        status = 200
        if self.always_fail or self.fail_next > 0:
            self.fail_next = max(0, self.fail_next - 1)
            status = 500
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.attempts.append(Received(headers, body, status))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok" if status == 200 else b"no"})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    config = uvicorn.Config(recv, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    recv.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield recv
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
