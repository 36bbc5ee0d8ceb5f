"""Bot tokens: rotate, revoke, last-used time, bot-marked messages, and revocation taking
effect at once over REST and over an open WebSocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.changes import service as changes
from server.core.db import Database
from server.identity.models import AuditEntry
from tests.conftest import LiveServer
from tests.helpers import assert_problem, row_counts
from tests.integrations.conftest import World, create_bot, make_world

BOT_TABLES = ("change_log", "users", "auth_tokens")


async def test_rotate_issues_a_new_token_and_the_old_one_is_refused_at_once(
    client: httpx.AsyncClient, world: World
) -> None:
    bot = await create_bot(client, world.admin, ["messages:read"], channel_ids=[world.channel_id])
    assert (await client.get("/api/v1/channels", headers=bot.headers)).status_code == 200

    rotated = await client.post(f"/api/v1/bots/{bot.id}/rotate", headers=world.admin.headers)
    assert rotated.status_code == 201, rotated.text
    body = rotated.json()
    assert body["token"] != bot.token and body["token"].startswith("gyb_")
    assert body["scopes"] == ["messages:read"] and body["channel_ids"] == [world.channel_id]

    assert_problem(await client.get("/api/v1/channels", headers=bot.headers), 401, "invalid_token")
    fresh = {"Authorization": f"Bearer {body['token']}"}
    assert (await client.get("/api/v1/channels", headers=fresh)).status_code == 200

    info = (await client.get(f"/api/v1/bots/{bot.id}", headers=world.admin.headers)).json()
    assert info["has_active_token"] is True
    assert info["scopes"] == ["messages:read"]


async def test_revoke_refuses_the_token_over_rest_until_a_new_one_is_rotated(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    bot = await create_bot(client, world.admin, ["messages:write"], channel_ids=[world.channel_id])
    revoked = await client.post(f"/api/v1/bots/{bot.id}/revoke", headers=world.admin.headers)
    assert revoked.status_code == 204, revoked.text

    refused = await client.post(
        f"/api/v1/threads/{world.thread_id}/messages", json={"body": "hi"}, headers=bot.headers
    )
    assert_problem(refused, 401, "invalid_token")
    info = (await client.get(f"/api/v1/bots/{bot.id}", headers=world.admin.headers)).json()
    assert info["has_active_token"] is False

    db: Database = app.state.db
    async with db.session(write=False) as session:
        actions = (
            (
                await session.execute(
                    select(AuditEntry.action).where(AuditEntry.target_id == str(bot.id))
                )
            )
            .scalars()
            .all()
        )
        revocations = [
            e
            for e in await changes.read_since(session, 0, [f"user:{bot.id}"])
            if e.entity == "access_token"
        ]
    assert "token.revoked" in actions
    assert len(revocations) == 1

    rotated = await client.post(f"/api/v1/bots/{bot.id}/rotate", headers=world.admin.headers)
    fresh = {"Authorization": f"Bearer {rotated.json()['token']}"}
    posted = await client.post(
        f"/api/v1/threads/{world.thread_id}/messages", json={"body": "back"}, headers=fresh
    )
    assert posted.status_code == 201, posted.text


async def test_only_administrators_manage_bots(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    bot = await create_bot(client, world.admin, ["messages:read"])
    before = await row_counts(app, BOT_TABLES)
    for method, path in (
        ("GET", "/api/v1/bots"),
        ("GET", f"/api/v1/bots/{bot.id}"),
        ("POST", f"/api/v1/bots/{bot.id}/rotate"),
        ("POST", f"/api/v1/bots/{bot.id}/revoke"),
    ):
        response = await client.request(method, path, headers=world.seoul.headers)
        assert_problem(response, 403, "admin_required")
    assert await row_counts(app, BOT_TABLES) == before
    assert_problem(
        await client.post("/api/v1/bots/999999/rotate", headers=world.admin.headers),
        404,
        "not_found",
    )
    # A person is not a bot: no token of theirs can be rotated here.
    assert_problem(
        await client.post(f"/api/v1/bots/{world.seoul.id}/revoke", headers=world.admin.headers),
        404,
        "not_found",
    )


async def test_last_used_time_is_recorded_and_listed(
    client: httpx.AsyncClient, world: World
) -> None:
    bot = await create_bot(client, world.admin, ["messages:read"], channel_ids=[world.channel_id])
    info = (await client.get(f"/api/v1/bots/{bot.id}", headers=world.admin.headers)).json()
    assert info["last_used_at"] is None
    await client.get("/api/v1/channels", headers=bot.headers)
    info = (await client.get(f"/api/v1/bots/{bot.id}", headers=world.admin.headers)).json()
    assert info["last_used_at"] is not None
    listed = (await client.get("/api/v1/bots", headers=world.admin.headers)).json()["items"]
    assert [b["id"] for b in listed] == [bot.id]
    assert listed[0]["last_used_at"] == info["last_used_at"]


async def test_a_bots_messages_are_marked_as_a_bots(
    client: httpx.AsyncClient, world: World
) -> None:
    bot = await create_bot(
        client,
        world.admin,
        ["messages:write", "messages:read"],
        channel_ids=[world.channel_id],
        name="Glossary",
    )
    posted = await client.post(
        f"/api/v1/threads/{world.thread_id}/messages",
        json={"body": "용어: 공동위원회"},
        headers=bot.headers,
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["author"]["is_bot"] is True
    human = await client.post(
        f"/api/v1/threads/{world.thread_id}/messages",
        json={"body": "감사합니다"},
        headers=world.seoul.headers,
    )
    assert human.json()["author"]["is_bot"] is False
    listed = (
        await client.get(
            f"/api/v1/threads/{world.thread_id}/messages", headers=world.beijing.headers
        )
    ).json()["items"]
    assert [m["author"]["is_bot"] for m in listed] == [True, False]


# ---- over an open WebSocket ---------------------------------------------------------------


async def _ws_subscribed(server: LiveServer, token: str, scopes: list[str]) -> Any:
    ws = await connect(server.ws_url)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "ready"
    await ws.send(json.dumps({"type": "subscribe", "scopes": scopes, "since": None}))
    while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "caught_up":
        pass
    return ws


async def _closed_code(ws: Any) -> int | None:
    """Read until the server closes the socket; its close code."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


@pytest.mark.parametrize("how", ["revoke", "rotate", "deactivate"])
async def test_a_revoked_token_is_refused_at_once_over_an_open_websocket(
    live_server: LiveServer, how: str
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        world = await make_world(live_server.app, client)
        bot = await create_bot(
            client, world.admin, ["messages:read"], channel_ids=[world.channel_id]
        )
        other = await create_bot(
            client, world.admin, ["messages:read"], channel_ids=[world.channel_id]
        )
        scope = f"channel:{world.channel_id}"
        ws = await _ws_subscribed(live_server, bot.token, [scope])
        bystander = await _ws_subscribed(live_server, other.token, [scope])
        try:
            if how == "deactivate":
                response = await client.patch(
                    f"/api/v1/users/{bot.id}",
                    json={"is_active": False},
                    headers=world.admin.headers,
                )
                assert response.status_code == 200, response.text
            else:
                response = await client.post(
                    f"/api/v1/bots/{bot.id}/{how}", headers=world.admin.headers
                )
                assert response.status_code in (201, 204), response.text
            assert await _closed_code(ws) == 4401
            # The bystander keeps its subscription and still gets changes.
            posted = await client.post(
                f"/api/v1/threads/{world.thread_id}/messages",
                json={"body": "still here"},
                headers=world.seoul.headers,
            )
            assert posted.status_code == 201
            while True:
                message = json.loads(await asyncio.wait_for(bystander.recv(), 10))
                if message["type"] == "change" and message["entity"] == "message":
                    break
            # And the old token cannot open a new socket either.
            again = await connect(live_server.ws_url)
            await again.send(json.dumps({"type": "auth", "token": bot.token}))
            refusal = json.loads(await asyncio.wait_for(again.recv(), 10))
            assert refusal["code"] == "unauthorized"
            assert await _closed_code(again) == 4401
        finally:
            await ws.close()
            await bystander.close()


async def test_logging_out_ends_that_sessions_websocket(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        world = await make_world(live_server.app, client)
        ws = await _ws_subscribed(live_server, world.beijing.token, [f"user:{world.beijing.id}"])
        try:
            out = await client.post("/api/v1/auth/logout", headers=world.beijing.headers)
            assert out.status_code == 204
            assert await _closed_code(ws) == 4401
        finally:
            await ws.close()
