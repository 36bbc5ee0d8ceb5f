"""Fan-out across processes: two real ``gyoryu serve`` processes on different ports share one
database and Redis; a WebSocket subscriber on one receives every message posted over HTTP to
the other, in order, none lost.

On PostgreSQL this is the production scale-out shape. On SQLite the two processes share the
database file (WAL), which works too, so the test runs on both backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from websockets.asyncio.client import connect

from server.changes.broker import CHANGES_CHANNEL, RedisBroker, decode_batch
from server.changes.models import ChangeEvent
from tests.conftest import redis_test_url

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GYORYU = Path(sys.executable).with_name("gyoryu")
MESSAGES = 1000
ADMIN_PASSWORD = "two-processes-share-one-log"
STARTUP_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_db() -> int:
    return int(redis_test_url().rsplit("/", 1)[1])


async def _watch_published_seqs(redis_url: str, seqs: list[int], ready: asyncio.Event) -> None:
    """Collect the seqs the servers publish on Redis (proof the path between them is Redis,
    not the hub's periodic catch-up from the database)."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        async with client.pubsub() as pubsub:
            await pubsub.subscribe(f"{CHANGES_CHANNEL}:{_redis_db()}")
            ready.set()
            async for message in pubsub.listen():
                if message["type"] == "message":
                    seqs.extend(e.seq for e in decode_batch(message["data"]))
    finally:
        await client.aclose()


async def _redis_reachable(url: str) -> bool:
    client = aioredis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


def _environment(database_url: str, redis_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GYORYU_")}
    env.update(
        GYORYU_DATABASE_URL=database_url,
        GYORYU_REDIS_URL=redis_url,
        GYORYU_HOST="127.0.0.1",
        GYORYU_DEMO="0",
        GYORYU_DATA_DIR=str(tmp_path / "data"),
        GYORYU_WEB_DIST=str(tmp_path / "no-web-build"),
        GYORYU_LOG_LEVEL="WARNING",
        # 1,000 posts from one token within a minute are this test's point, not abuse.
        GYORYU_WRITE_LIMIT_PER_MINUTE="1000000",
    )
    return env


async def _run_cli(env: dict[str, str], *args: str, stdin: bytes = b"") -> None:
    process = await asyncio.create_subprocess_exec(
        str(GYORYU),
        *args,
        env=env,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate(stdin)
    assert process.returncode == 0, output.decode(errors="replace")


class ServerProcess:
    def __init__(self, process: asyncio.subprocess.Process, port: int, log: Path) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}/api/v1/ws"
        self.log = log


@asynccontextmanager
async def _serve(env: dict[str, str], log: Path) -> AsyncIterator[ServerProcess]:
    """``gyoryu serve`` on a free port, ready (database and Redis) before it is yielded."""
    port = _free_port()
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            str(GYORYU),
            "serve",
            env={**env, "GYORYU_PORT": str(port)},
            cwd=ROOT,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    server = ServerProcess(process, port, log)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
            deadline = asyncio.get_running_loop().time() + STARTUP_SECONDS
            while True:
                if process.returncode is not None:
                    output = await asyncio.to_thread(log.read_text, errors="replace")
                    raise AssertionError(f"server exited early:\n{output}")
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    output = await asyncio.to_thread(log.read_text, errors="replace")
                    raise AssertionError(f"server not ready:\n{output}")
                await asyncio.sleep(0.1)
        yield server
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _receive_messages(
    ws: Any, want: int, done_when: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    while not done_when(received):
        event = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if event["type"] == "change" and event["entity"] == "message":
            received.append(event)
        elif event["type"] in ("error", "subscription_ended"):
            raise AssertionError(f"unexpected {event}")
        assert len(received) <= want, "more messages than were posted"
    return received


async def test_message_posted_to_one_process_reaches_a_subscriber_on_the_other_in_order(
    database_url: str, tmp_path: Path
) -> None:
    redis_url = redis_test_url()
    if not await _redis_reachable(redis_url):
        pytest.skip(f"Redis is not reachable at {redis_url} (make services starts it)")
    env = _environment(database_url, redis_url, tmp_path)
    published: list[int] = []
    watching = asyncio.Event()
    watcher = asyncio.create_task(_watch_published_seqs(redis_url, published, watching))
    await asyncio.wait_for(watching.wait(), 10)
    await _run_cli(
        env, "create-admin", "fanout.admin", "--password-stdin", stdin=ADMIN_PASSWORD.encode()
    )
    async with (
        _serve(env, tmp_path / "a.log") as a,
        _serve(env, tmp_path / "b.log") as b,
        httpx.AsyncClient(base_url=a.url, timeout=30) as http,
    ):
        login = await http.post(
            "/api/v1/auth/login", json={"username": "fanout.admin", "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        channel = await http.post(
            "/api/v1/channels", json={"name": "two processes", "member_ids": []}, headers=headers
        )
        assert channel.status_code == 201, channel.text
        channel_id = channel.json()["id"]
        thread = await http.post(
            f"/api/v1/channels/{channel_id}/threads", json={"title": "fan-out"}, headers=headers
        )
        assert thread.status_code == 201, thread.text
        thread_id = thread.json()["id"]

        async with connect(b.ws_url, max_queue=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": login.json()["token"]}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "ready"
            await ws.send(json.dumps({"type": "subscribe", "scopes": [f"channel:{channel_id}"]}))
            while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "caught_up":
                pass

            posted: list[int] = []
            receiver = asyncio.create_task(
                _receive_messages(ws, MESSAGES, lambda got: len(got) >= MESSAGES)
            )
            for i in range(MESSAGES):
                response = await http.post(
                    f"/api/v1/threads/{thread_id}/messages",
                    json={"body": f"message {i}"},
                    headers=headers,
                )
                assert response.status_code == 201, response.text
                posted.append(response.json()["id"])
            received = await asyncio.wait_for(receiver, 120)
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher

    # Every message exactly once, in the order it was posted, with its content and seqs
    # strictly increasing (so none was lost, duplicated or reordered on the way).
    assert [e["id"] for e in received] == posted
    assert [e["data"]["body"] for e in received] == [f"message {i}" for i in range(MESSAGES)]
    seqs = [e["seq"] for e in received]
    assert seqs == sorted(set(seqs))
    assert {e["op"] for e in received} == {"created"}
    assert set(seqs) <= set(published)


async def test_deployments_on_other_redis_databases_never_hear_each_others_changes() -> None:
    """Pub/sub ignores the database number, so the broker puts it in the channel names: a
    foreign seq reaching a hub would make it skip its own changes up to that seq."""
    ours, theirs = redis_test_url(), redis_test_url(other=True)
    if not await _redis_reachable(ours):
        pytest.skip(f"Redis is not reachable at {ours} (make services starts it)")
    assert ours != theirs
    heard: dict[str, list[int]] = {"ours": [], "theirs": []}

    def collect(name: str) -> Callable[[Sequence[ChangeEvent]], Awaitable[None]]:
        async def listener(events: Sequence[ChangeEvent]) -> None:
            heard[name].extend(e.seq for e in events)

        return listener

    ours_broker, theirs_broker = RedisBroker(ours), RedisBroker(theirs)
    ours_broker.on_changes(collect("ours"))
    theirs_broker.on_changes(collect("theirs"))
    await ours_broker.start()
    await theirs_broker.start()
    try:
        for broker, seq in ((ours_broker, 1), (theirs_broker, 2), (ours_broker, 3)):
            event = ChangeEvent.build(
                seq=seq,
                scope="channel:1",
                entity="message",
                entity_id=seq,
                op="created",
                version=1,
                data_json="{}",
                mutation_id=None,
            )
            await broker.publish([event])
        for _ in range(200):
            if len(heard["ours"]) >= 2 and heard["theirs"]:
                break
            await asyncio.sleep(0.01)
        # A last round trip through each connection before judging what was not heard.
        await asyncio.sleep(0.2)
    finally:
        await ours_broker.stop()
        await theirs_broker.stop()
    assert heard == {"ours": [1, 3], "theirs": [2]}
