"""Real WebSocket clients against the app served by uvicorn: replay after reconnect with no
gap or duplicate, refusals, slow clients dropped, typing, presence and lost access."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.core.config import Settings
from server.realtime.connection import SEND_TIMEOUT_SECONDS
from tests.conftest import LiveServer
from tests.realtime.clients import (
    next_event,
    post_message,
    receive_until,
    setup_room,
    subscribe,
    ws_client,
)


async def test_reconnect_with_since_replays_exactly_the_missed_messages_then_live(
    live_server: LiveServer,
) -> None:
    http, seoul, beijing, _, channel_id, thread_id = await setup_room(live_server)
    scope = f"channel:{channel_id}"
    async with ws_client(live_server, beijing) as ws:
        cursor, _ = await subscribe(ws, [scope], None)
        first = await post_message(http, seoul, thread_id, "before the drop")
        change, _ = await receive_until(ws, "change")
        assert change["id"] == first
        cursor = change["seq"]
    missed = [await post_message(http, seoul, thread_id, f"missed {i}") for i in range(50)]
    async with ws_client(live_server, beijing) as ws:
        await ws.send(json.dumps({"type": "subscribe", "scopes": [scope], "since": cursor}))
        live_task = asyncio.create_task(post_message(http, seoul, thread_id, "live after"))
        caught_up, replayed = await receive_until(ws, "caught_up")
        replayed_ids = [
            m["id"] for m in replayed if m["type"] == "change" and m["entity"] == "message"
        ]
        live_id = await live_task
        rest = []
        while live_id not in [m.get("id") for m in rest]:
            rest.append(await next_event(ws))
        live_ids = [m["id"] for m in rest if m["type"] == "change"]
        # Every missed message exactly once, in order; the live one follows, never twice.
        assert (replayed_ids + live_ids)[:50] == missed
        assert (replayed_ids + live_ids).count(live_id) == 1
        seqs = [m["seq"] for m in replayed + rest if m["type"] == "change"]
        assert seqs == sorted(set(seqs))
        assert all(s > cursor for s in seqs) and caught_up["seq"] >= cursor
    await http.aclose()


async def test_a_message_posted_while_the_broker_cannot_publish_is_saved_and_still_arrives(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing runs after the commit. If Redis cannot be reached then, the message is saved
    all the same, so its sender must hear 201 (a 500 would have them send it twice), and a
    subscriber still gets it: the hub re-reads the change log's head every second."""
    http, seoul, beijing, _, channel_id, thread_id = await setup_room(live_server)
    async with ws_client(live_server, beijing) as ws:
        await subscribe(ws, [f"channel:{channel_id}"], None)

        async def unreachable(events: object) -> None:
            raise ConnectionError("Redis is down")

        monkeypatch.setattr(live_server.app.state.broker, "publish", unreachable)
        message_id = await post_message(http, seoul, thread_id, "saved while Redis was down")
        change, _ = await receive_until(ws, "change", wait_seconds=5)
        assert (change["entity"], change["id"]) == ("message", message_id)
    await http.aclose()


async def test_subscribe_to_a_scope_the_user_may_not_see_is_refused(
    live_server: LiveServer,
) -> None:
    http, seoul, _, outsider, channel_id, thread_id = await setup_room(live_server)
    async with ws_client(live_server, outsider) as ws:
        await ws.send(
            json.dumps(
                {"type": "subscribe", "scopes": [f"channel:{channel_id}", f"user:{seoul.id}"]}
            )
        )
        errors = [await next_event(ws), await next_event(ws)]
        assert [e["type"] for e in errors] == ["error", "error"]
        assert {e["scope"] for e in errors} == {f"channel:{channel_id}", f"user:{seoul.id}"}
        assert (await next_event(ws))["type"] == "caught_up"
        await post_message(http, seoul, thread_id, "secret")
        with pytest.raises(TimeoutError):
            await receive_until(ws, "change", wait_seconds=0.5)
    await http.aclose()


async def test_connection_without_a_valid_token_is_closed(live_server: LiveServer) -> None:
    async with connect(live_server.ws_url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "gys_nope"}))
        assert (await next_event(ws))["code"] == "unauthorized"
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_typing_and_presence_across_tabs(live_server: LiveServer) -> None:
    http, seoul, beijing, _, channel_id, thread_id = await setup_room(live_server)
    scope = f"channel:{channel_id}"
    async with ws_client(live_server, beijing) as watcher:
        await subscribe(watcher, [scope], None)
        async with ws_client(live_server, seoul) as tab1:
            await subscribe(tab1, [scope], None)
            online, _ = await receive_until(watcher, "presence")
            assert online["user_id"] == seoul.id and online["status"] == "online"
            async with ws_client(live_server, seoul) as tab2:
                await subscribe(tab2, [scope], None)
                await tab2.send(
                    json.dumps({"type": "typing", "scope": scope, "thread_id": thread_id})
                )
                typing, skipped = await receive_until(watcher, "typing")
                assert typing["user_id"] == seoul.id and typing["thread_id"] == thread_id
                assert all(m["type"] != "presence" for m in skipped), (
                    "a second tab is not a new arrival"
                )
            # One tab closed: still online, so nothing is said; then the last one closes.
        offline, _ = await receive_until(watcher, "presence")
        assert offline == {
            "type": "presence",
            "scope": scope,
            "user_id": seoul.id,
            "status": "offline",
        }
    await http.aclose()


async def test_losing_access_ends_the_subscription_at_once(live_server: LiveServer) -> None:
    http, seoul, beijing, _, channel_id, thread_id = await setup_room(live_server)
    scope = f"channel:{channel_id}"
    async with ws_client(live_server, beijing) as ws:
        await subscribe(ws, [scope], None)
        removed = await http.delete(
            f"/api/v1/channels/{channel_id}/members/{beijing.id}", headers=seoul.headers
        )
        assert removed.status_code == 204
        ended, _ = await receive_until(ws, "subscription_ended")
        assert ended["scope"] == scope and ended["reason"] == "access_revoked"
        await post_message(http, seoul, thread_id, "after removal")
        with pytest.raises(TimeoutError):
            while True:
                message = await next_event(ws, wait_seconds=0.5)
                assert message["type"] != "change" or message["entity"] != "message"
    await http.aclose()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A small send queue, so that a client that stops reading is found out quickly.
    return settings.model_copy(update={"ws_send_queue_size": 20})


async def test_slow_client_is_dropped_while_a_fast_one_gets_every_change_without_waiting(
    live_server: LiveServer,
) -> None:
    http, seoul, beijing, _, channel_id, thread_id = await setup_room(live_server)
    scope = f"channel:{channel_id}"
    # The slow client: a raw socket with a tiny receive buffer that never reads after
    # subscribing (client libraries keep reading into their own buffers).
    # A blocking socket: run its handshake in a thread, as the server shares this event loop.
    slow = await asyncio.to_thread(_raw_slow_client, live_server.port, seoul.token, scope)
    async with ws_client(live_server, beijing) as fast:
        await subscribe(fast, [scope], None)
        hub = live_server.app.state.hub
        body = "가" * 20000  # about 60 KB per message: kernel buffers hold ~4 MB
        posted: list[int] = []
        received: list[int] = []
        # In lockstep: each change must reach the fast client before the next is posted, and
        # in less than half the time a send may hang on a client before it is dropped. A hub
        # that waited on the slow client would hold every change for at least that long.
        for _ in range(200):
            posted.append(await post_message(http, beijing, thread_id, body))
            while len(received) < len(posted):
                message = await next_event(fast, wait_seconds=SEND_TIMEOUT_SECONDS / 2)
                if message["type"] == "change" and message["entity"] == "message":
                    received.append(message["id"])
        assert received == posted
        assert all(c.user_id != seoul.id for c in hub.connections), (
            "the slow client was not dropped"
        )
    slow.close()
    await http.aclose()


def _frame(text: str) -> bytes:
    """A masked client text frame (RFC 6455 section 5.2)."""
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _raw_slow_client(port: int, token: str, scope: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    assert sock.recv(1024).startswith(b"HTTP/1.1 101")
    sock.sendall(_frame(json.dumps({"type": "auth", "token": token})))
    sock.sendall(_frame(json.dumps({"type": "subscribe", "scopes": [scope], "since": None})))
    return sock
