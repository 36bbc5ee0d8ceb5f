"""Real WebSocket clients for the tests of ``/api/v1/ws``: connect and authenticate, read
events, subscribe, and a channel with a thread where two delegations talk."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import LiveServer
from tests.factories import Person, make_user


@asynccontextmanager
async def ws_client(
    server: LiveServer, person: Person, **kwargs: Any
) -> AsyncIterator[ClientConnection]:
    async with connect(server.ws_url, **kwargs) as ws:
        await ws.send(json.dumps({"type": "auth", "token": person.token}))
        assert (await next_event(ws))["type"] == "ready"
        yield ws


async def next_event(ws: ClientConnection, wait_seconds: float = 10) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), wait_seconds))  # type: ignore[no-any-return]


async def receive_until(
    ws: ClientConnection, kind: str, wait_seconds: float = 10
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Messages up to the first of ``kind``; returns it and what came before."""
    before = []
    while True:
        message = await next_event(ws, wait_seconds)
        if message["type"] == kind:
            return message, before
        before.append(message)


async def subscribe(
    ws: ClientConnection, scopes: list[str], since: int | None
) -> tuple[int, list[dict[str, Any]]]:
    await ws.send(json.dumps({"type": "subscribe", "scopes": scopes, "since": since}))
    caught_up, before = await receive_until(ws, "caught_up")
    return caught_up["seq"], before


async def setup_room(
    server: LiveServer,
) -> tuple[httpx.AsyncClient, Person, Person, Person, int, int]:
    """An HTTP client, Seoul's and Beijing's members, an outsider, the channel and thread."""
    app = server.app
    seoul = await make_user(app, username="seoul.park")
    beijing = await make_user(app, username="beijing.chen")
    outsider = await make_user(app, username="outsider.x")
    http = httpx.AsyncClient(base_url=server.url)
    channel = await http.post(
        "/api/v1/channels", json={"name": "room", "member_ids": [beijing.id]}, headers=seoul.headers
    )
    channel_id = channel.json()["id"]
    thread = await http.post(
        f"/api/v1/channels/{channel_id}/threads", json={"title": "t"}, headers=seoul.headers
    )
    return http, seoul, beijing, outsider, channel_id, thread.json()["id"]


async def post_message(http: httpx.AsyncClient, who: Person, thread_id: int, body: str) -> int:
    response = await http.post(
        f"/api/v1/threads/{thread_id}/messages", json={"body": body}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])
