"""Benchmark (a script, not a test): the reads an official's screens make, with many
messages, on SQLite and PostgreSQL, through the real app and routes (in-process HTTP).

    .venv/bin/python tests/bench/bench_reads.py [--messages 100000] [--repeat 15]
        [--databases sqlite,postgresql] [--write-docs]

Seeding: 20 channels of 25 threads each, ``--messages`` messages spread over them (some
threads long, most short), written in bulk. The official reading is a member of every
channel and has read about half of the threads to their end and a quarter part way. Then each
read runs ``--repeat`` times after one warm-up: the channel list (with unread counts), one
channel, a channel's threads (with unread counts), a thread, the first and a deep page of the
longest thread's messages, and the dashboard. The report gives median and 95th-percentile times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx
from sqlalchemy import insert, text, update

from server.core.types import utcnow
from server.discussion import service as discussion
from server.discussion import threads
from server.discussion.models import (
    ChannelCreate,
    Message,
    ReadState,
    Thread,
    ThreadCreate,
)
from server.identity import authentication
from server.identity import service as identity
from server.identity.models import UserCreate
from tests.bench.harness import POSTGRES_URL, app_on_fresh_database, client, time_get
from tests.bench.report import write_section

CHANNELS, THREADS_PER_CHANNEL = 20, 25
BODIES = [
    "서울시와 베이징시 실무자 회의 일정을 확인합니다.",
    "北京市和首尔市的青年交流项目进展顺利。",
    "The air quality working group meets again next Tuesday.",
    "대기질 공동연구 결과를 공유드립니다.",
    "请确认代表团的名单。",
]


async def seed(app: Any, messages: int) -> dict[str, Any]:
    db = app.state.db
    rng = random.Random(2026)
    async with db.transaction() as session:
        people = []
        for name in ("bench.reader", "bench.writer"):
            user = await identity.create_user(
                session,
                None,
                UserCreate(username=name, display_name=name, password="a-long-bench-secret"),
                ip=None,
            )
            assert user.id is not None
            people.append(user.id)
        reader, writer = people
        token, _ = await authentication.issue_session(session, reader, timedelta(hours=2))
        writer_principal = await authentication.resolve_token(
            session, (await authentication.issue_session(session, writer, timedelta(hours=2)))[0]
        )
        assert writer_principal is not None
        thread_channels: dict[int, int] = {}
        for n in range(CHANNELS):
            channel = await discussion.create_channel_unchecked(
                session, writer, ChannelCreate(name=f"bench {n}", member_ids=[reader])
            )
            assert channel.id is not None
            for t in range(THREADS_PER_CHANNEL):
                thread = await threads.create_thread(
                    session, writer_principal[0], channel.id, ThreadCreate(title=f"thread {t}")
                )
                assert thread.id is not None
                thread_channels[thread.id] = channel.id
    thread_ids = list(thread_channels)
    # A few long threads and many short ones.
    weights = [1 / (rank + 1) for rank in range(len(thread_ids))]
    owners = rng.choices(thread_ids, weights=weights, k=messages)
    now = utcnow()
    start = now - timedelta(days=365)
    last: dict[int, int] = {}
    counts: dict[int, int] = {}
    async with db.transaction() as session:
        for offset in range(0, messages, 5000):
            rows = []
            for n in range(offset, min(messages, offset + 5000)):
                thread_id = owners[n]
                body = BODIES[n % len(BODIES)]
                rows.append(
                    {
                        "id": n + 1,
                        "thread_id": thread_id,
                        "channel_id": thread_channels[thread_id],
                        "author_id": writer if n % 7 else reader,
                        "body": body,
                        "html": f"<p>{body}</p>",
                        "lang": "ko",
                        "created_at": start + timedelta(seconds=n * 300),
                    }
                )
                last[thread_id] = n + 1
                counts[thread_id] = counts.get(thread_id, 0) + 1
            await session.execute(insert(Message), rows)
        for thread_id, count in counts.items():
            await session.execute(
                update(Thread)
                .where(Thread.id == thread_id)  # type: ignore[arg-type]
                .values(message_count=count, last_message_id=last[thread_id])
            )
        marks = []
        for thread_id in thread_ids:
            draw = rng.random()
            if thread_id not in last or draw < 0.25:
                continue
            read_to = last[thread_id] if draw < 0.75 else last[thread_id] // 2
            marks.append(
                {
                    "user_id": reader,
                    "channel_id": thread_channels[thread_id],
                    "thread_id": thread_id,
                    "last_read_message_id": read_to,
                    "updated_at": now,
                }
            )
        await session.execute(insert(ReadState), marks)
    if not db.is_sqlite:
        # As autovacuum would after so many inserts: statistics, and the visibility map that
        # lets PostgreSQL count from an index alone.
        async with db.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
    longest = max(counts, key=lambda t: counts[t])
    return {
        "token": token,
        "channel_id": thread_channels[longest],
        "thread_id": longest,
        "thread_messages": counts[longest],
    }


async def deep_cursor(http: httpx.AsyncClient, thread_id: int, pages: int) -> str:
    cursor = ""
    for _ in range(pages):
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        page = (await http.get(f"/api/v1/threads/{thread_id}/messages", params=params)).json()
        cursor = page["next_cursor"]
    return cursor


async def bench_database(kind: str, messages: int, repeat: int) -> dict[str, Any]:
    async with app_on_fresh_database(POSTGRES_URL if kind == "postgresql" else "") as app:
        seeded = await seed(app, messages)
        async with client(app, seeded["token"]) as http:
            channel, thread = seeded["channel_id"], seeded["thread_id"]
            messages_path = f"/api/v1/threads/{thread}/messages"
            deep = await deep_cursor(http, thread, 20)
            reads = [
                ("channel list (unread counts)", "/api/v1/channels", {}),
                ("one channel (unread count)", f"/api/v1/channels/{channel}", {}),
                ("a channel's threads", f"/api/v1/channels/{channel}/threads", {}),
                ("one thread (unread count)", f"/api/v1/threads/{thread}", {}),
                ("first page of messages (50)", messages_path, {"limit": 50}),
                ("21st page of messages (50)", messages_path, {"limit": 50, "cursor": deep}),
                ("dashboard", "/api/v1/dashboard", {}),
            ]
            results = []
            for label, path, params in reads:
                _, p50, p95 = await time_get(http, path, params, repeat)
                results.append({"label": label, "p50_ms": p50, "p95_ms": p95})
    return {
        "database": "PostgreSQL" if kind == "postgresql" else "SQLite",
        "messages": messages,
        "longest_thread": seeded["thread_messages"],
        "reads": results,
    }


def write_docs(runs: list[dict[str, Any]], messages: int, repeat: int) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    names = [run["database"] for run in runs]
    lines = [
        "| read | " + " | ".join(f"{name} p50 / p95 ms" for name in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for index, read in enumerate(runs[0]["reads"]):
        cells = [f"{r['reads'][index]['p50_ms']} / {r['reads'][index]['p95_ms']}" for r in runs]
        lines.append(f"| {read['label']} | " + " | ".join(cells) + " |")
    body = (
        "## Reading with many messages (`tests/bench/bench_reads.py`)\n\n"
        f"Run on {stamp} with `.venv/bin/python -m tests.bench.run reads --write-docs`; "
        "2 cores, shared.\n\n"
        f"{messages:,} messages in 20 channels of 25 threads (the longest thread has "
        f"{runs[0]['longest_thread']:,}); the official reading is a member of every channel, "
        "has read half the threads to their end and a quarter part way. Each read goes "
        f"through its route (in-process HTTP), {repeat} times after one warm-up.\n\n"
        + "\n".join(lines)
        + "\n"
    )
    write_section("reads", body)


async def main(messages: int, repeat: int, databases: list[str], docs: bool) -> None:
    runs = [await bench_database(kind, messages, repeat) for kind in databases]
    print(json.dumps({"bench": "reads", "runs": runs}, ensure_ascii=False))
    if docs:
        write_docs(runs, messages, repeat)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.repeat, args.databases.split(","), args.write_docs))
