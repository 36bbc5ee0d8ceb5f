"""The search tests' room: a Seoul and a Beijing official in one members-only channel."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.discussion.conftest import Room, make_channel, make_thread
from tests.factories import make_org, make_user


@pytest.fixture
async def room(app: FastAPI, client: httpx.AsyncClient) -> Room:
    """A members-only channel of a Seoul and a Beijing official, and one thread in it."""
    seoul = await make_user(app, org=await make_org(app, country="KR"), username="seoul.kim")
    beijing = await make_user(
        app,
        org=await make_org(app, country="CN"),
        username="beijing.wang",
        locale="zh-Hans",
        timezone="Asia/Shanghai",
    )
    outsider = await make_user(app, username="outsider")
    channel_id = await make_channel(client, seoul, [beijing])
    thread_id = await make_thread(client, seoul, channel_id, "대기질 공동연구 air quality")
    return Room(seoul, beijing, outsider, channel_id, thread_id)
