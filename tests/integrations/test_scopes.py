"""Every bot scope allows exactly its calls: a token holding one scope passes the scope check on
that scope's calls, and every other call is a 403 problem+json with ``missing_scope``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from server.identity.models import BOT_SCOPES
from tests.helpers import assert_problem
from tests.integrations.conftest import World, create_bot, make_world


@dataclass
class Ids:
    world: World
    message_id: int
    action_item_id: int


@dataclass(frozen=True)
class Call:
    scope: str
    method: str
    path: Callable[[Ids], str]
    body: Callable[[Ids], Any] | None = None


CALLS: tuple[Call, ...] = (
    Call("messages:read", "GET", lambda i: "/api/v1/channels"),
    Call("messages:read", "GET", lambda i: f"/api/v1/channels/{i.world.channel_id}/threads"),
    Call("messages:read", "GET", lambda i: f"/api/v1/threads/{i.world.thread_id}/messages"),
    Call("messages:read", "GET", lambda i: f"/api/v1/messages/{i.message_id}"),
    Call("messages:read", "GET", lambda i: "/api/v1/search?q=committee&kind=messages"),
    Call(
        "messages:write",
        "POST",
        lambda i: f"/api/v1/threads/{i.world.thread_id}/messages",
        lambda i: {"body": "posted by a bot"},
    ),
    Call("messages:write", "PUT", lambda i: f"/api/v1/messages/{i.message_id}/reactions/👍"),
    Call(
        "translations:write",
        "PUT",
        lambda i: f"/api/v1/messages/{i.message_id}/translations/en",
        lambda i: {"body": "joint committee"},
    ),
    Call("meetings:read", "GET", lambda i: "/api/v1/meetings"),
    Call("meetings:read", "GET", lambda i: f"/api/v1/meetings/{i.world.meeting_id}"),
    Call("meetings:read", "GET", lambda i: "/api/v1/action-items?status=open"),
    Call("meetings:read", "GET", lambda i: f"/api/v1/meetings/{i.world.meeting_id}/minutes"),
    Call(
        "minutes:write",
        "POST",
        lambda i: f"/api/v1/meetings/{i.world.meeting_id}/agenda",
        lambda i: {"title": "교류 협력 / 交流合作"},
    ),
    Call(
        "action_items:write",
        "POST",
        lambda i: f"/api/v1/meetings/{i.world.meeting_id}/action-items",
        lambda i: {"title": "send the draft", "due_date": "2027-04-01"},
    ),
    Call(
        "action_items:write",
        "PATCH",
        lambda i: f"/api/v1/action-items/{i.action_item_id}",
        lambda i: {"status": "done"},
    ),
    Call("webhooks:manage", "GET", lambda i: "/api/v1/webhooks"),
    Call(
        "webhooks:manage",
        "POST",
        lambda i: f"/api/v1/channels/{i.world.channel_id}/incoming-webhooks",
        lambda i: {"name": "ministry notices"},
    ),
    Call("directory:read", "GET", lambda i: "/api/v1/organizations"),
    Call("directory:read", "GET", lambda i: "/api/v1/users"),
    Call("directory:read", "GET", lambda i: "/api/v1/cities"),
)


def test_the_table_covers_every_scope() -> None:
    assert {c.scope for c in CALLS} == set(BOT_SCOPES)


async def _ids(app: FastAPI, client: httpx.AsyncClient) -> Ids:
    world = await make_world(app, client)
    message = await client.post(
        f"/api/v1/threads/{world.thread_id}/messages",
        json={"body": "공동위원회 준비 회의", "lang": "ko"},
        headers=world.seoul.headers,
    )
    assert message.status_code == 201, message.text
    item = await client.post(
        f"/api/v1/meetings/{world.meeting_id}/action-items",
        json={"title": "회의록 초안", "due_date": "2027-04-01"},
        headers=world.seoul.headers,
    )
    assert item.status_code == 201, item.text
    return Ids(world, message.json()["id"], item.json()["id"])


@pytest.mark.parametrize("scope", BOT_SCOPES)
async def test_a_scope_allows_exactly_its_calls(
    app: FastAPI, client: httpx.AsyncClient, scope: str
) -> None:
    ids = await _ids(app, client)
    # A Seoul bot allowed in the channel: whatever it is refused below, it is for the scope.
    bot = await create_bot(
        client,
        ids.world.admin,
        [scope],
        channel_ids=[ids.world.channel_id],
        organization_id=ids.world.seoul_org_id,
    )
    me = await client.get("/api/v1/me", headers=bot.headers)
    assert me.status_code == 200 and me.json()["is_bot"] is True
    for call in CALLS:
        response = await client.request(
            call.method,
            call.path(ids),
            json=call.body(ids) if call.body else None,
            headers=bot.headers,
        )
        where = f"{call.method} {call.path(ids)} with {scope}"
        if call.scope == scope:
            # Passed the scope check; what follows are the domain's own rules (a bot may
            # not be a minutes editor, for instance), never a scope refusal.
            assert response.status_code != 401, where
            if response.status_code == 403:
                assert response.json()["code"] != "missing_scope", where
        else:
            body = assert_problem(response, 403, "missing_scope")
            assert call.scope in body["detail"], where


async def test_a_bot_with_its_scope_does_the_work(app: FastAPI, client: httpx.AsyncClient) -> None:
    """The allowed calls do succeed for a bot that holds their scope (and takes part in the
    meeting, in the channel's allow-list)."""
    ids = await _ids(app, client)
    bot = await create_bot(
        client,
        ids.world.admin,
        list(BOT_SCOPES),
        channel_ids=[ids.world.channel_id],
        organization_id=ids.world.seoul_org_id,
    )
    joined = await client.post(
        f"/api/v1/meetings/{ids.world.meeting_id}/participants",
        json={"user_id": bot.id, "role": "secretary"},
        headers=ids.world.seoul.headers,
    )
    assert joined.status_code == 201, joined.text
    for call in CALLS:
        response = await client.request(
            call.method,
            call.path(ids),
            json=call.body(ids) if call.body else None,
            headers=bot.headers,
        )
        assert response.status_code < 300, (call.method, call.path(ids), response.text)
