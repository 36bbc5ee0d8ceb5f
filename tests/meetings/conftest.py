"""Fixtures for meetings: Seoul, Beijing and Shanghai delegations, their chairs and
secretaries, an interpreter from no delegation, an observer, an outsider, and a channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from server.changes.models import Change
from server.identity.models import Organization
from tests.discussion.conftest import make_channel
from tests.factories import Person, make_org, make_user

MEETING_TABLES = (
    "change_log",
    "meetings",
    "meeting_delegations",
    "meeting_participants",
    "agenda_items",
    "minutes_sections",
    "minutes_revisions",
    "meeting_decisions",
    "minutes_approvals",
    "minutes_uploads",
    "action_items",
    "search_documents",
)


@dataclass
class Cast:
    seoul: Organization
    beijing: Organization
    shanghai: Organization
    seoul_chair: Person
    seoul_secretary: Person
    beijing_chair: Person
    beijing_secretary: Person
    shanghai_chair: Person
    interpreter: Person  # a participant from no delegation
    observer: Person  # a Seoul official attending as observer
    outsider: Person
    channel_id: int


@pytest.fixture
async def cast(app: FastAPI, client: httpx.AsyncClient) -> Cast:
    seoul = await make_org(app, country="KR", name="Seoul Metropolitan Government")
    beijing = await make_org(app, country="CN", name="Beijing Municipal Government")
    shanghai = await make_org(app, country="CN", name="Shanghai Municipal Government")
    cn = {"locale": "zh-Hans", "timezone": "Asia/Shanghai"}
    seoul_chair = await make_user(app, org=seoul, username="seoul.chair")
    seoul_secretary = await make_user(app, org=seoul, username="seoul.sec")
    beijing_chair = await make_user(app, org=beijing, username="beijing.chair", **cn)
    beijing_secretary = await make_user(app, org=beijing, username="beijing.sec", **cn)
    shanghai_chair = await make_user(app, org=shanghai, username="shanghai.chair", **cn)
    interpreter = await make_user(app, username="interpreter")
    observer = await make_user(app, org=seoul, username="seoul.observer")
    outsider = await make_user(app, username="outsider")
    channel_id = await make_channel(
        client,
        seoul_chair,
        [seoul_secretary, beijing_chair, beijing_secretary, shanghai_chair, interpreter, outsider],
    )
    return Cast(
        seoul,
        beijing,
        shanghai,
        seoul_chair,
        seoul_secretary,
        beijing_chair,
        beijing_secretary,
        shanghai_chair,
        interpreter,
        observer,
        outsider,
        channel_id,
    )


def bilateral_body(cast: Cast, **extra: Any) -> dict[str, Any]:
    return {
        "title": "서울-베이징 통합위원회",
        "title_lang": "ko",
        "translations": {"zh-Hans": "首尔-北京联合委员会", "en": "Seoul-Beijing Joint Committee"},
        "mode": "hybrid",
        "starts_at": "2027-03-10T01:00:00Z",
        "ends_at": "2027-03-10T03:00:00Z",
        "timezone": "Asia/Seoul",
        "location": "Seoul City Hall",
        "online_url": "https://meet.example.org/joint",
        "channel_id": cast.channel_id,
        "organization_ids": [cast.seoul.id, cast.beijing.id],
        "participants": [
            {"user_id": cast.seoul_secretary.id, "role": "secretary"},
            {"user_id": cast.beijing_chair.id, "role": "chair"},
            {"user_id": cast.beijing_secretary.id, "role": "secretary"},
            {"user_id": cast.interpreter.id, "role": "interpreter"},
            {"user_id": cast.observer.id, "role": "observer"},
        ],
        **extra,
    }


async def create_meeting(
    client: httpx.AsyncClient, who: Person, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post("/api/v1/meetings", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def add_agenda(
    client: httpx.AsyncClient, who: Person, meeting_id: int, title: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/meetings/{meeting_id}/agenda", json={"title": title, **extra}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def set_status(
    client: httpx.AsyncClient, who: Person, meeting_id: int, *statuses: str
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for status in statuses:
        response = await client.patch(
            f"/api/v1/meetings/{meeting_id}", json={"status": status}, headers=who.headers
        )
        assert response.status_code == 200, response.text
        data = response.json()
    return data


async def put_minutes(
    client: httpx.AsyncClient,
    who: Person,
    meeting_id: int,
    sections: list[dict[str, Any]],
    version: int | None = None,
) -> httpx.Response:
    headers = dict(who.headers)
    if version is not None:
        headers["If-Match"] = str(version)
    return await client.put(
        f"/api/v1/meetings/{meeting_id}/minutes", json={"sections": sections}, headers=headers
    )


async def approve(client: httpx.AsyncClient, who: Person, meeting_id: int) -> httpx.Response:
    return await client.post(
        f"/api/v1/meetings/{meeting_id}/minutes/approve", json={}, headers=who.headers
    )


async def changes_in(app: FastAPI, scope: str) -> list[Change]:
    async with app.state.db.session(write=False) as session:
        rows = await session.execute(
            select(Change).where(Change.scope == scope).order_by(Change.seq)  # type: ignore[arg-type]
        )
        return list(rows.scalars())
