"""Prepared frames under the real uvicorn (as ``gyoryu serve`` runs it): a change's frame is
built once and written to each subscriber's socket; real clients read every change, in order,
whatever its size; a socket paused by flow control gets its changes through the ASGI send,
in order, without slowing the others; changes committed together (a group commit) reach each
socket in one write."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection

from server.realtime.connection import Connection
from server.realtime.frames import DirectWriter
from server.realtime.hub import Hub
from tests.conftest import LiveServer
from tests.helpers import group_commit_held
from tests.realtime.clients import next_event, post_message, setup_room, subscribe, ws_client


def _hub(server: LiveServer) -> Hub:
    hub: Hub = server.app.state.hub
    return hub


def _count_asgi_sends(conn: Connection) -> list[str]:
    """Record what goes through the connection's ASGI send from now on."""
    sent: list[str] = []
    asgi_send = conn._send_text

    def recording(text: str) -> Any:
        sent.append(json.loads(text)["type"])
        return asgi_send(text)

    conn._send_text = recording
    return sent


async def _message_bodies(ws: ClientConnection, count: int) -> list[str]:
    bodies = []
    while len(bodies) < count:
        event = await next_event(ws)
        if event["type"] == "change" and event["entity"] == "message":
            bodies.append(event["data"]["body"])
    return bodies


async def test_changes_are_written_to_each_socket_as_one_prepared_frame(
    live_server: LiveServer,
) -> None:
    http, seoul, beijing, _, channel_id, thread_id = await setup_room(live_server)
    scope = f"channel:{channel_id}"
    # Frames of each length encoding a change can have: 16-bit, and 64-bit (over 64 KiB:
    # the body and its HTML, 60 KB each).
    bodies = [f"서울 北京 {i}" for i in range(10)] + ["교류 " * 4000, "交流" * 10_000]
    async with ws_client(live_server, seoul) as kim, ws_client(live_server, beijing) as li:
        await subscribe(kim, [scope], None)
        await subscribe(li, [scope], None)
        connections = list(_hub(live_server).connections)
        assert len(connections) == 2
        assert all(isinstance(conn._direct, DirectWriter) for conn in connections)
        asgi_sends = [_count_asgi_sends(conn) for conn in connections]
        for body in bodies:
            await post_message(http, seoul, thread_id, body)
        assert await _message_bodies(kim, len(bodies)) == bodies
        assert await _message_bodies(li, len(bodies)) == bodies
        # None of them went through the ASGI send.
        assert [sent.count("change") for sent in asgi_sends] == [0, 0]
    await http.aclose()


async def test_a_paused_socket_gets_its_changes_in_order_through_the_asgi_send(
    live_server: LiveServer,
) -> None:
    http, seoul, beijing, _, channel_id, thread_id = await setup_room(live_server)
    scope = f"channel:{channel_id}"
    async with ws_client(live_server, seoul) as kim, ws_client(live_server, beijing) as li:
        await subscribe(kim, [scope], None)
        await subscribe(li, [scope], None)
        li_conn = next(c for c in _hub(live_server).connections if c.user_id == beijing.id)
        assert li_conn._direct is not None
        protocol = li_conn._direct._protocol
        asgi_sends = _count_asgi_sends(li_conn)
        # Flow control pauses Li's socket, as uvicorn does when its buffer fills.
        protocol.writable.clear()
        held = [f"held {i}" for i in range(3)]
        for body in held:
            await post_message(http, seoul, thread_id, body)
        assert await _message_bodies(kim, 3) == held  # Kim is not slowed
        await asyncio.sleep(0.2)
        assert li_conn.stalled(asyncio.get_running_loop().time() + 60)  # the send waits
        assert asgi_sends == ["change"]  # the first one waits in the ASGI send ...
        protocol.writable.set()  # ... the socket drains
        assert await _message_bodies(li, 3) == held
        await post_message(http, seoul, thread_id, "after")
        assert await _message_bodies(li, 1) == ["after"]
        assert await _message_bodies(kim, 1) == ["after"]
        assert asgi_sends.count("change") == 3  # the rest followed it; "after" went direct
    await http.aclose()


class _CountingWriter:
    def __init__(self, direct: DirectWriter) -> None:
        self.direct = direct
        self.writes = 0

    def write(self, frame: bytes) -> bool:
        self.writes += 1
        return self.direct.write(frame)


async def test_changes_committed_together_reach_each_socket_in_one_write(
    live_server: LiveServer,
) -> None:
    http, seoul, beijing, _, channel_id, thread_id = await setup_room(live_server)
    scope = f"channel:{channel_id}"
    bodies = [f"회의 {i} 会议" for i in range(6)]
    async with ws_client(live_server, seoul) as kim, ws_client(live_server, beijing) as li:
        await subscribe(kim, [scope], None)
        await subscribe(li, [scope], None)
        writers = []
        for conn in _hub(live_server).connections:
            assert conn._direct is not None
            writers.append(_CountingWriter(conn._direct))
            conn._direct = writers[-1]  # type: ignore[assignment]
        # One post is written alone while the five others queue: they commit together.
        async with group_commit_held(live_server.app) as held:
            sending = [asyncio.create_task(post_message(http, seoul, thread_id, bodies[0]))]
            await held.writing()
            sending += [
                asyncio.create_task(post_message(http, seoul, thread_id, body))
                for body in bodies[1:]
            ]
            await held.queued(len(bodies) - 1)
        ids = await asyncio.gather(*sending)
        by_id = dict(zip(ids, bodies, strict=True))
        expected = [by_id[i] for i in sorted(ids)]  # in commit order, which is id order
        assert await _message_bodies(kim, len(bodies)) == expected
        assert await _message_bodies(li, len(bodies)) == expected
        assert [w.writes for w in writers] == [2, 2]
    await http.aclose()
