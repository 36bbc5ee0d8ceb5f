"""A real server process is killed (SIGKILL) in the middle of a large push; after a restart
the client resends the whole batch, and each mutation is applied exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from tests.discussion.conftest import Room

ROOT = Path(__file__).resolve().parents[2]
GYORYU = ROOT / ".venv" / "bin" / "gyoryu"
BATCH = 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve(database_url: str, tmp_path: Path, name: str) -> AsyncIterator[tuple[str, int]]:
    """``gyoryu serve`` on a free port, on the test's database; yields (url, pid)."""
    port = _free_port()
    env = {
        **os.environ,
        "GYORYU_DATABASE_URL": database_url,
        "GYORYU_HOST": "127.0.0.1",
        "GYORYU_PORT": str(port),
        "GYORYU_DEMO": "0",
        "GYORYU_DATA_DIR": str(tmp_path / "data"),
        "GYORYU_WEB_DIST": str(tmp_path / "no-web-build"),
        "GYORYU_LOG_LEVEL": "WARNING",
    }
    env.pop("GYORYU_REDIS_URL", None)
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            str(GYORYU), "serve", env=env, cwd=ROOT, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            for _ in range(600):
                if process.returncode is not None:
                    raise AssertionError(log.read_text(errors="replace"))
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the server did not start")
        yield url, process.pid
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def _applied(app: FastAPI, client_id: str) -> int:
    async with app.state.db.session(write=False) as session:
        count = await session.execute(
            text("SELECT COUNT(*) FROM sync_mutations WHERE client_id = :c"), {"c": client_id}
        )
        return int(count.scalar_one())


async def test_a_push_killed_midway_and_resent_after_a_restart_applies_each_mutation_once(
    app: FastAPI, room: Room, database_url: str, tmp_path: Path
) -> None:
    client_id = "secretary-laptop"
    batch = {
        "client_id": client_id,
        "mutations": [
            {
                "id": f"m-{n:05d}",
                "name": "message.create",
                "args": {"thread_id": room.thread_id, "body": f"회의록 메모 {n} 会议记录"},
                "base_version": None,
            }
            for n in range(BATCH)
        ],
    }
    async with (
        serve(database_url, tmp_path, "first") as (url, pid),
        httpx.AsyncClient(base_url=url, timeout=120) as http,
    ):
        push = asyncio.create_task(
            http.post("/api/v1/sync/push", json=batch, headers=room.seoul.headers)
        )
        # Kill the server once some chunks committed and before the batch is done.
        while True:
            committed = await _applied(app, client_id)
            if committed or push.done():
                break
            await asyncio.sleep(0.005)
        os.kill(pid, signal.SIGKILL)
        try:
            await push
            raise AssertionError("the push finished before the server was killed")
        except httpx.TransportError:
            pass  # the client never got an answer: it must resend everything
    before_restart = await _applied(app, client_id)
    assert 0 < committed <= before_restart < BATCH

    async with (
        serve(database_url, tmp_path, "second") as (url, _pid),
        httpx.AsyncClient(base_url=url, timeout=120) as http,
    ):
        response = await http.post("/api/v1/sync/push", json=batch, headers=room.seoul.headers)
    assert response.status_code == 200, response.text
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses.count("duplicate") == before_restart
    assert statuses.count("applied") == BATCH - before_restart
    assert statuses[:before_restart] == ["duplicate"] * before_restart  # in order

    async with app.state.db.session(write=False) as session:
        per_mutation = (
            await session.execute(
                text(
                    "SELECT mutation_id, COUNT(*) FROM change_log WHERE client_id = :c "
                    "AND entity = 'message' GROUP BY mutation_id"
                ),
                {"c": client_id},
            )
        ).all()
        messages = await session.execute(
            text("SELECT COUNT(*) FROM messages WHERE thread_id = :t"), {"t": room.thread_id}
        )
        assert int(messages.scalar_one()) == BATCH
    assert len(per_mutation) == BATCH
    assert {int(n) for _, n in per_mutation} == {1}
