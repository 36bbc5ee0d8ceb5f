"""Glossary bot: adds a translation to new messages from a term list of city exchange.

It watches every channel its token may read (over the WebSocket), and for each new message by
a person that contains known terms (공동위원회 / 联合委员会 / joint committee, ...) it puts a
translation into the other two languages with those terms replaced, marked as a bot's.

    GYORYU_TOKEN=gyb_... python examples/glossary_bot.py   # against `make run`

Create the bot with scopes ``messages:read`` and ``translations:write`` (and
``directory:read`` to also use the platform's glossary), allowed in the channels it serves:

    curl -X POST http://127.0.0.1:8000/api/v1/bots -H "Authorization: Bearer $ADMIN" \\
      -H 'Content-Type: application/json' \\
      -d '{"name": "Glossary", "scopes": ["messages:read", "translations:write"],
           "channel_ids": [1]}'

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
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

log = logging.getLogger("glossary-bot")
LANGS = ("ko", "zh-Hans", "en")

# Terms of Seoul's exchange with its Chinese partner cities: (Korean, Chinese, English).
TERMS: tuple[tuple[str, str, str], ...] = (
    ("공동위원회", "联合委员会", "joint committee"),
    ("자매도시", "姐妹城市", "sister city"),
    ("우호도시", "友好城市", "friendship city"),
    ("교류협력", "交流合作", "exchange and cooperation"),
    ("양해각서", "谅解备忘录", "memorandum of understanding"),
    ("실무회의", "工作会议", "working-level meeting"),
    ("대표단", "代表团", "delegation"),
    ("회의록", "会议纪要", "minutes"),
    ("의제", "议程", "agenda"),
    ("서울특별시", "首尔特别市", "Seoul Metropolitan Government"),
    ("베이징시", "北京市", "Beijing Municipality"),
    ("상하이시", "上海市", "Shanghai Municipality"),
    ("시장", "市长", "mayor"),
)


@dataclass
class Glossary:
    # For each language, (term, {other language: term}) longest first, so that
    # "서울특별시" is matched before a shorter term inside it.
    entries: dict[str, list[tuple[str, dict[str, str]]]] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: list[dict[str, str]]) -> Glossary:
        glossary = cls({lang: [] for lang in LANGS})
        for row in rows:
            for lang in LANGS:
                term = row.get(lang, "").strip()
                if term:
                    others = {o: row[o] for o in LANGS if o != lang and row.get(o)}
                    glossary.entries[lang].append((term, others))
        for lang in LANGS:
            glossary.entries[lang].sort(key=lambda entry: -len(entry[0]))
        return glossary

    def translate(self, text: str, source: str, target: str) -> tuple[str, list[str]] | None:
        """The text with known terms in ``target``, and the pairs used; None if none."""
        used: list[str] = []
        out = text
        for term, others in self.entries.get(source, []):
            if target not in others:
                continue
            pattern = re.escape(term)
            if source == "en":
                pattern = rf"\b{pattern}\b"
            flags = re.IGNORECASE if source == "en" else 0
            if re.search(pattern, out, flags):
                out = re.sub(pattern, others[target], out, flags=flags)
                used.append(f"{term} → {others[target]}")
        return (out, used) if used else None


def render(translated: str, used: list[str]) -> str:
    return f"{translated}\n\n_(glossary: {'; '.join(used)})_"


class GlossaryBot:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        self.glossary = Glossary.build([dict(zip(LANGS, t, strict=True)) for t in TERMS])
        self.last_seq: int | None = None
        self.me: dict[str, Any] = {}

    async def load_platform_glossary(self) -> None:
        """Add the platform's glossary (needs directory:read; skipped without it)."""
        rows = [dict(zip(LANGS, t, strict=True)) for t in TERMS]
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            response = await self.http.get("/api/v1/glossary", params=params)
            if response.status_code == 403:
                return
            response.raise_for_status()
            page = response.json()
            rows.extend(item["terms"] for item in page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        self.glossary = Glossary.build(rows)

    async def channel_scopes(self) -> list[str]:
        scopes, cursor = [], None
        while True:
            params: dict[str, str | int] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            response = await self.http.get("/api/v1/channels", params=params)
            response.raise_for_status()
            page = response.json()
            scopes += [f"channel:{c['id']}" for c in page["items"]]
            cursor = page.get("next_cursor")
            if not cursor:
                return scopes

    async def handle(self, change: dict[str, Any]) -> None:
        if change.get("entity") != "message" or change.get("op") != "created":
            return
        message = change["data"]
        if message["author"]["is_bot"] or message.get("deleted"):
            return  # never translate bots (ourselves included): no loops
        source = message["lang"]
        have = {t["lang"] for t in message.get("translations", [])}
        for target in LANGS:
            if target == source or target in have:
                continue
            result = self.glossary.translate(message["body"], source, target)
            if result is None:
                continue
            response = await self.http.put(
                f"/api/v1/messages/{message['id']}/translations/{target}",
                json={"body": render(*result)},
            )
            if response.status_code >= 400:
                log.warning("translation refused: %s %s", response.status_code, response.text)
            else:
                log.info("translated message %s into %s", message["id"], target)

    async def run(self, *, ready: asyncio.Event | None = None) -> None:
        self.me = (await self.http.get("/api/v1/me")).raise_for_status().json()
        await self.load_platform_glossary()
        ws_url = re.sub(r"^http", "ws", self.base_url) + "/api/v1/ws"
        delay = 1.0
        while True:
            try:
                async with connect(ws_url) as ws:
                    await ws.send(json.dumps({"type": "auth", "token": self.token}))
                    scopes = await self.channel_scopes()
                    # After a reconnect, ask for what happened meanwhile: nothing is missed.
                    await ws.send(
                        json.dumps({"type": "subscribe", "scopes": scopes, "since": self.last_seq})
                    )
                    delay = 1.0
                    async for raw in ws:
                        event = json.loads(raw)
                        if event["type"] == "caught_up":
                            self.last_seq = max(self.last_seq or 0, event["seq"])
                            log.info("watching %d channels from seq %s", len(scopes), event["seq"])
                            if ready is not None:
                                ready.set()
                        elif event["type"] == "change":
                            await self.handle(event)
                            self.last_seq = max(self.last_seq or 0, event["seq"])
                        elif event["type"] == "error" and event.get("code") == "unauthorized":
                            raise SystemExit("The token was refused.")
            except ConnectionClosed as closed:
                if closed.rcvd is not None and closed.rcvd.code == 4401:
                    raise SystemExit("The token was revoked.") from None
                log.warning("connection lost (%s); reconnecting in %.0fs", closed, delay)
            except OSError as exc:
                log.warning("cannot connect (%s); retrying in %.0fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("GYORYU_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--token", default=os.environ.get("GYORYU_TOKEN"))
    args = parser.parse_args()
    if not args.token:
        sys.exit("Set GYORYU_TOKEN (or --token) to the bot's token.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(GlossaryBot(args.url, args.token).run())


if __name__ == "__main__":
    main()
