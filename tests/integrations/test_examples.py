"""Both example bots, run as their own processes with one command against the app served by
uvicorn, do their job: the glossary bot translates terms of new messages, the reminder bot
reminds overdue action items in the meeting's channel, once each."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.integrations.conftest import Bot, World, create_bot, eventually, make_world

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REMINDER_THREAD = "실행 과제 알림 · 待办事项提醒 · Action item reminders"


@asynccontextmanager
async def _running_bot(
    script: str, server: LiveServer, bot: Bot, *args: str, ready_line: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Start ``python examples/<script>``; yield once it logged ``ready_line``."""
    env = {**os.environ, "GYORYU_URL": server.url, "GYORYU_TOKEN": bot.token}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / script),
        *args,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    drain: asyncio.Task[None] | None = None
    try:
        while True:
            line = await asyncio.wait_for(proc.stderr.readline(), 60)
            if not line:
                raise AssertionError(f"{script} exited: {''.join(seen)}")
            seen.append(line.decode())
            if ready_line in seen[-1]:
                break

        async def keep_draining() -> None:
            assert proc.stderr is not None
            while await proc.stderr.readline():
                pass

        drain = asyncio.create_task(keep_draining())
        yield proc
    finally:
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
        if drain is not None:
            await drain


async def _message(http: httpx.AsyncClient, world: World, message_id: int) -> dict[str, Any]:
    response = await http.get(f"/api/v1/messages/{message_id}", headers=world.seoul.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_glossary_bot_translates_the_terms_of_new_messages(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        world = await make_world(live_server.app, http)
        bot = await create_bot(
            http,
            world.admin,
            ["messages:read", "translations:write"],
            channel_ids=[world.channel_id],
            name="Glossary",
        )
        async with _running_bot("glossary_bot.py", live_server, bot, ready_line="watching"):
            plain = await http.post(
                f"/api/v1/threads/{world.thread_id}/messages",
                json={"body": "안녕하세요, 반갑습니다.", "lang": "ko"},
                headers=world.seoul.headers,
            )
            with_terms = await http.post(
                f"/api/v1/threads/{world.thread_id}/messages",
                json={"body": "다음 공동위원회 의제를 정합시다.", "lang": "ko"},
                headers=world.seoul.headers,
            )
            chinese = await http.post(
                f"/api/v1/threads/{world.thread_id}/messages",
                json={"body": "联合委员会的会议纪要已发出。", "lang": "zh-Hans"},
                headers=world.beijing.headers,
            )

            async def translated() -> bool:
                message = await _message(http, world, chinese.json()["id"])
                return len(message["translations"]) == 2

            await eventually(translated)

        korean = await _message(http, world, with_terms.json()["id"])
        by_lang = {t["lang"]: t for t in korean["translations"]}
        assert set(by_lang) == {"zh-Hans", "en"}
        assert "联合委员会" in by_lang["zh-Hans"]["body"] and "议程" in by_lang["zh-Hans"]["body"]
        assert "joint committee" in by_lang["en"]["body"] and "agenda" in by_lang["en"]["body"]
        assert all(t["kind"] == "bot" for t in by_lang.values())

        zh = {
            t["lang"]: t["body"]
            for t in (await _message(http, world, chinese.json()["id"]))["translations"]
        }
        assert "공동위원회" in zh["ko"] and "회의록" in zh["ko"]
        assert "joint committee" in zh["en"] and "minutes" in zh["en"]
        # Handled in order: a message without terms before those got no translation.
        assert (await _message(http, world, plain.json()["id"]))["translations"] == []


async def _reminders(http: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    threads = await http.get(
        f"/api/v1/channels/{world.channel_id}/threads", headers=world.seoul.headers
    )
    ids = [t["id"] for t in threads.json()["items"] if t["title"] == REMINDER_THREAD]
    if not ids:
        return []
    messages = await http.get(
        f"/api/v1/threads/{ids[0]}/messages?limit=200", headers=world.seoul.headers
    )
    items: list[dict[str, Any]] = messages.json()["items"]
    return items


async def test_the_reminder_bot_reminds_overdue_action_items_once_in_the_meetings_channel(
    live_server: LiveServer, tmp_path: Path
) -> None:
    today = datetime.now(UTC).date()
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        world = await make_world(live_server.app, http)
        bot = await create_bot(
            http,
            world.admin,
            ["meetings:read", "messages:read", "messages:write", "directory:read"],
            channel_ids=[world.channel_id],
            organization_id=world.seoul_org_id,
            name="Reminders",
        )

        async def item(title: str, due: str) -> dict[str, Any]:
            response = await http.post(
                f"/api/v1/meetings/{world.meeting_id}/action-items",
                json={"title": title, "owner_id": world.beijing.id, "due_date": due},
                headers=world.seoul.headers,
            )
            assert response.status_code == 201, response.text
            created: dict[str, Any] = response.json()
            return created

        late = await item("회의록 초안 송부", str(today - timedelta(days=2)))
        later = await item("대표단 명단 확정", str(today + timedelta(days=10)))
        state = tmp_path / "reminders.json"
        args = ("--interval", "0.5", "--state", str(state))
        async with _running_bot(
            "reminder_bot.py", live_server, bot, *args, ready_line="checked overdue items"
        ):

            async def reminded(count: int) -> bool:
                return len(await _reminders(http, world)) == count

            await eventually(lambda: reminded(1))
            # Moving a due date into the past makes the item overdue at once.
            moved = await http.patch(
                f"/api/v1/action-items/{later['id']}",
                json={"due_date": str(today - timedelta(days=1))},
                headers=world.seoul.headers,
            )
            assert moved.status_code == 200, moved.text
            await eventually(lambda: reminded(2))

        async def run_once() -> None:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                str(EXAMPLES / "reminder_bot.py"),
                "--once",
                *args,
                env={**os.environ, "GYORYU_URL": live_server.url, "GYORYU_TOKEN": bot.token},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, stderr = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0, stderr.decode()

        # Run once more to the end with the same state: nothing is reminded twice.
        await run_once()
        assert len(await _reminders(http, world)) == 2
        # Nor without it, as after a bot stopped between posting and saving its state: the
        # posts repeat their Idempotency-Keys and get the first messages back.
        state.unlink()
        await run_once()

        messages = await _reminders(http, world)
        assert len(messages) == 2
        bodies = [m["body"] for m in messages]
        assert late["title"] in bodies[0] and later["title"] in bodies[1]
        assert all("@beijing.wang" in b and "Overdue" in b for b in bodies)
        assert all(m["author"]["id"] == bot.id and m["author"]["is_bot"] for m in messages)
