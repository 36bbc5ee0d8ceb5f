"""Factories for channels and threads, made through the API as a person would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import Person, make_org, make_user


@dataclass
class Room:
    """A members-only channel of Seoul and Beijing officials with one thread."""

    seoul: Person
    beijing: Person
    outsider: Person
    channel_id: int
    thread_id: int


async def make_channel(
    client: httpx.AsyncClient, owner: Person, members: list[Person], **extra: Any
) -> int:
    response = await client.post(
        "/api/v1/channels",
        json={"name": "서울-北京 joint committee", "member_ids": [m.id for m in members], **extra},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def make_thread(client: httpx.AsyncClient, owner: Person, channel_id: int, title: str) -> int:
    response = await client.post(
        f"/api/v1/channels/{channel_id}/threads", json={"title": title}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def post(
    client: httpx.AsyncClient, who: Person, thread_id: int, body: str, **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"body": body, **extra}, headers=who.headers
    )


@pytest.fixture
async def room(app: FastAPI, client: httpx.AsyncClient) -> Room:
    seoul_org = await make_org(app, country="KR")
    beijing_org = await make_org(app, country="CN")
    seoul = await make_user(app, org=seoul_org, username="seoul.kim")
    beijing = await make_user(
        app, org=beijing_org, username="beijing.wang", locale="zh-Hans", timezone="Asia/Shanghai"
    )
    outsider = await make_user(app, username="outsider")
    channel_id = await make_channel(client, seoul, [beijing])
    thread_id = await make_thread(client, seoul, channel_id, "대기질 공동연구 air quality")
    return Room(seoul, beijing, outsider, channel_id, thread_id)
