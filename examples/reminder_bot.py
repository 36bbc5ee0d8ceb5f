"""Reminder bot: posts a reminder in a meeting's channel when one of its action items becomes
overdue, mentioning the item's owner.

It watches the action items of every meeting it may see over the WebSocket (an item saved
with a past due date is reminded at once) and checks the open, overdue items every
``--interval`` seconds (items become overdue as days pass, which no change announces). Each
item is reminded once per due date; what was reminded is kept in a small JSON file, and each
reminder is posted with an ``Idempotency-Key`` so that a bot stopped between posting and
saving that file does not remind twice.

    GYORYU_TOKEN=gyb_... python examples/reminder_bot.py   # against `make run`

Create the bot with scopes ``meetings:read``, ``messages:read`` and ``messages:write`` (and
``directory:read`` to mention owners by name), in the organization whose meetings it serves,
allowed in those meetings' channels:

    curl -X POST http://127.0.0.1:8000/api/v1/bots -H "Authorization: Bearer $ADMIN" \\
      -H 'Content-Type: application/json' \\
      -d '{"name": "Reminders", "organization_id": 1, "channel_ids": [1],
           "scopes": ["meetings:read", "messages:read", "messages:write", "directory:read"]}'

Settings (environment): GYORYU_URL (default http://127.0.0.1:8000), GYORYU_TOKEN.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

log = logging.getLogger("reminder-bot")
THREAD_TITLE = "실행 과제 알림 · 待办事项提醒 · Action item reminders"


class ReminderBot:
    def __init__(self, base_url: str, token: str, state_file: Path, interval: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.interval = interval
        self.http = httpx.AsyncClient(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.state_file = state_file
        # item id -> the due date it was reminded for (a new due date earns a new reminder)
        self.reminded: dict[str, str] = {}
        if state_file.exists():
            self.reminded = json.loads(state_file.read_text(encoding="utf-8"))
        self.threads: dict[int, int] = {}  # channel -> our reminder thread there
        self.meetings: dict[int, dict[str, Any]] = {}
        self._lock = asyncio.Lock()

    # ---- the REST side --------------------------------------------------------------------

    async def _pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
            response = await self.http.get(path, params=query)
            response.raise_for_status()
            page = response.json()
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    async def refresh_meetings(self) -> list[int]:
        for meeting in await self._pages("/api/v1/meetings"):
            self.meetings[meeting["id"]] = meeting
        return sorted(self.meetings)

    async def check_overdue(self) -> None:
        for item in await self._pages("/api/v1/action-items", status="open", overdue="true"):
            await self.consider(item)

    async def consider(self, item: dict[str, Any]) -> None:
        if item["status"] != "open" or not item.get("overdue") or not item.get("due_date"):
            return
        async with self._lock:  # the WebSocket and the periodic check may race
            if self.reminded.get(str(item["id"])) == item["due_date"]:
                return
            if await self.remind(item):
                self.reminded[str(item["id"])] = item["due_date"]
                self.save_state()

    def save_state(self) -> None:
        # Written aside and renamed: a bot stopped mid-write leaves the old file, not half a one.
        partial = self.state_file.with_name(self.state_file.name + ".partial")
        partial.write_text(json.dumps(self.reminded), encoding="utf-8")
        os.replace(partial, self.state_file)

    async def remind(self, item: dict[str, Any]) -> bool:
        meeting = self.meetings.get(item["meeting_id"])
        if meeting is None:
            response = await self.http.get(f"/api/v1/meetings/{item['meeting_id']}")
            if response.status_code != 200:
                return False
            meeting = self.meetings[item["meeting_id"]] = response.json()
        channel_id = meeting.get("channel_id")
        if channel_id is None:
            log.info("meeting %s has no channel: cannot remind item %s", meeting["id"], item["id"])
            return False
        thread_id = await self.thread_in(channel_id)
        owner = await self.owner_name(item.get("owner_id"))
        body = (
            f"⏰ 기한 초과 · 已逾期 · Overdue: **{item['title']}**\n"
            f"{meeting['title']} — due {item['due_date']}, owner {owner}"
        )
        # The key makes a repeat harmless: if the bot stopped after posting but before it
        # wrote its state file, the next run's post returns the first message, not a new one.
        response = await self.http.post(
            f"/api/v1/threads/{thread_id}/messages",
            json={"body": body},
            headers={"Idempotency-Key": f"reminder:{item['id']}:{item['due_date']}"},
        )
        if _code(response) == "idempotency_key_reused":
            return True  # reminded before, when the title or owner read differently
        if response.status_code != 201:
            log.warning("could not post: %s %s", response.status_code, response.text)
            return False
        log.info("reminded item %s in channel %s", item["id"], channel_id)
        return True

    async def thread_in(self, channel_id: int) -> int:
        if channel_id not in self.threads:
            for thread in await self._pages(f"/api/v1/channels/{channel_id}/threads"):
                if thread["title"] == THREAD_TITLE:
                    self.threads[channel_id] = thread["id"]
                    break
            else:
                response = await self.http.post(
                    f"/api/v1/channels/{channel_id}/threads", json={"title": THREAD_TITLE}
                )
                response.raise_for_status()
                self.threads[channel_id] = response.json()["id"]
        return self.threads[channel_id]

    async def owner_name(self, owner_id: int | None) -> str:
        if owner_id is None:
            return "(no owner)"
        response = await self.http.get(f"/api/v1/users/{owner_id}")
        if response.status_code == 200:
            return f"@{response.json()['username']}"  # a mention: the owner is notified
        return f"user #{owner_id}"

    # ---- the live side --------------------------------------------------------------------

    async def watch(self, ws: ClientConnection, ready: asyncio.Event | None) -> None:
        subscribed: set[str] = set()

        async def subscribe_new() -> None:
            scopes = [f"meeting:{m}" for m in await self.refresh_meetings()]
            new = [s for s in scopes if s not in subscribed]
            if new:
                subscribed.update(new)
                await ws.send(json.dumps({"type": "subscribe", "scopes": new, "since": None}))

        async def every_interval() -> None:
            while True:
                try:
                    await self.check_overdue()
                    if ready is not None:
                        ready.set()
                    log.info("checked overdue items")
                    await asyncio.sleep(self.interval)
                    await subscribe_new()  # meetings created meanwhile
                except httpx.HTTPError as exc:
                    log.warning("check failed (%s); trying again later", exc)
                    await asyncio.sleep(self.interval)

        await subscribe_new()
        ticker = asyncio.create_task(every_interval())
        try:
            async for raw in ws:
                event = json.loads(raw)
                if event["type"] == "change" and event["entity"] == "action_item":
                    await self.consider(event["data"])
                elif event["type"] == "error" and event.get("code") == "unauthorized":
                    raise SystemExit("The token was refused.")
        finally:
            ticker.cancel()

    async def run(self, *, once: bool = False, ready: asyncio.Event | None = None) -> None:
        (await self.http.get("/api/v1/me")).raise_for_status()
        await self.refresh_meetings()
        if once:
            await self.check_overdue()
            return
        ws_url = re.sub(r"^http", "ws", self.base_url) + "/api/v1/ws"
        delay = 1.0
        while True:
            try:
                async with connect(ws_url) as ws:
                    await ws.send(json.dumps({"type": "auth", "token": self.token}))
                    delay = 1.0
                    await self.watch(ws, ready)
            except ConnectionClosed as closed:
                if closed.rcvd is not None and closed.rcvd.code == 4401:
                    raise SystemExit("The token was revoked.") from None
                log.warning("connection lost (%s); reconnecting in %.0fs", closed, delay)
            except OSError as exc:
                log.warning("cannot connect (%s); retrying in %.0fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60)


def _code(response: httpx.Response) -> str | None:
    try:
        code = response.json().get("code")
    except ValueError:
        return None
    return code if isinstance(code, str) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("GYORYU_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("GYORYU_TOKEN"))
    parser.add_argument("--state", type=Path, default=Path("var/reminder-bot.json"))
    parser.add_argument("--interval", type=float, default=300.0, help="seconds between checks")
    parser.add_argument("--once", action="store_true", help="check once and exit")
    args = parser.parse_args()
    if not args.token:
        sys.exit("Set GYORYU_TOKEN (or --token) to the bot's token.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args.state.parent.mkdir(parents=True, exist_ok=True)
    bot = ReminderBot(args.url, args.token, args.state, args.interval)
    asyncio.run(bot.run(once=args.once))


if __name__ == "__main__":
    main()
