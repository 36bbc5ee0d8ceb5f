"""Meeting pages update live: participants subscribe to ``meeting:{id}``; outsiders are refused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect

from tests.conftest import LiveServer
from tests.meetings.conftest import Cast, add_agenda, bilateral_body, cast, create_meeting

__all__ = ["cast"]  # the fixture, used here against the live server


@pytest.fixture
def app(live_server: LiveServer) -> FastAPI:
    return live_server.app


@pytest.fixture
async def client(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        yield http


async def _recv(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), 10))  # type: ignore[no-any-return]


async def test_participant_sees_agenda_changes_live_and_an_outsider_is_refused(
    live_server: LiveServer, client: httpx.AsyncClient, cast: Cast
) -> None:
    meeting = await create_meeting(client, cast.seoul_chair, bilateral_body(cast))
    scope = f"meeting:{meeting['id']}"
    async with connect(live_server.ws_url) as outsider_ws:
        await outsider_ws.send(json.dumps({"type": "auth", "token": cast.outsider.token}))
        assert (await _recv(outsider_ws))["type"] == "ready"
        await outsider_ws.send(json.dumps({"type": "subscribe", "scopes": [scope]}))
        refused = await _recv(outsider_ws)
        assert refused["type"] == "error" and refused["code"] == "forbidden_scope"
    async with connect(live_server.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": cast.beijing_chair.token}))
        assert (await _recv(ws))["type"] == "ready"
        await ws.send(json.dumps({"type": "subscribe", "scopes": [scope], "since": None}))
        assert (await _recv(ws))["type"] == "caught_up"
        item = await add_agenda(client, cast.seoul_secretary, meeting["id"], "대기질 공동연구")
        while True:
            event = await _recv(ws)
            if event["type"] == "change" and event["entity"] == "agenda_item":
                break
        assert event["scope"] == scope and event["id"] == item["id"]
        assert event["data"]["title"] == "대기질 공동연구"
