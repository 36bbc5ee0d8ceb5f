"""Benchmark (a script, not a test): offline sync through the real app and routes.

* pull: 100,000 changes in one channel, read by a member with ``GET /sync/pull`` pages of
  5,000 from cursor 0 to the head;
* push: 10,000 ``message.create`` mutations in batches of 500 with ``POST /sync/push``, then
  the same 10,000 again (all answered ``duplicate``, nothing applied twice).

It prints one JSON line (changes and mutations per second, peak memory) and, with
``--write-docs``, puts it in its section of docs/benchmarks.md.

    .venv/bin/python tests/bench/bench_sync.py [--changes 100000] [--mutations 10000]
        [--database-url postgresql+asyncpg://host/name] [--write-docs]

Each phase runs twice: timed without tracemalloc (which slows Python down), then under
tracemalloc for the peak memory the process allocated. The changes to pull are written
straight into the change log (shaped like message changes) so that seeding stays quick.
Each phase gets an empty database: a new SQLite file, or with ``--database-url`` the
PostgreSQL database it names, dropped and created anew (so name one kept for benchmarks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import orjson
from sqlalchemy import insert, text, update

from server.changes.models import Change, ChangeCounter
from server.core.types import utcnow
from server.discussion import service as discussion
from server.discussion import threads
from server.discussion.models import ChannelCreate, ThreadCreate
from server.identity import authentication
from server.identity import service as identity
from server.identity.models import UserCreate
from tests.bench.harness import app_on_fresh_database, client
from tests.bench.report import write_section

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Offline sync (`tests/bench/bench_sync.py`)"


async def _seed_people(app: Any) -> tuple[str, int, int]:
    db = app.state.db
    async with db.transaction() as session:
        user = await identity.create_user(
            session,
            None,
            UserCreate(username="bench.sec", display_name="Bench", password="a-long-bench-secret"),
            ip=None,
        )
        assert user.id is not None
        token, _ = await authentication.issue_session(session, user.id, timedelta(hours=2))
        channel = await discussion.create_channel_unchecked(
            session, user.id, ChannelCreate(name="bench", member_ids=[])
        )
        assert channel.id is not None
        principal = await authentication.resolve_token(session, token)
        assert principal is not None
        thread = await threads.create_thread(
            session, principal[0], channel.id, ThreadCreate(title="bench")
        )
        assert thread.id is not None
    return token, channel.id, thread.id


async def _seed_changes(app: Any, channel_id: int, thread_id: int, count: int) -> None:
    db = app.state.db
    async with db.transaction() as session:
        start = int((await session.execute(text("SELECT last_seq FROM change_counter"))).scalar())
        now = utcnow()
        for offset in range(0, count, 5000):
            rows = []
            for n in range(offset, min(count, offset + 5000)):
                data = {
                    "id": 1_000_000 + n,
                    "thread_id": thread_id,
                    "channel_id": channel_id,
                    "body": f"회의 메모 {n} 会议记录 minutes note",
                    "html": f"<p>회의 메모 {n} 会议记录 minutes note</p>",
                    "lang": "ko",
                    "version": 1,
                    "reactions": [],
                    "translations": [],
                }
                rows.append(
                    {
                        "seq": start + n + 1,
                        "scope": f"channel:{channel_id}",
                        "entity": "message",
                        "entity_id": 1_000_000 + n,
                        "op": "created",
                        "version": 1,
                        "data": orjson.dumps(data).decode(),
                        "actor_id": None,
                        "client_id": None,
                        "mutation_id": None,
                        "created_at": now,
                    }
                )
            await session.execute(insert(Change), rows)
        await session.execute(
            update(ChangeCounter).where(ChangeCounter.id == 1).values(last_seq=start + count)  # type: ignore[arg-type]
        )


async def _measure(run: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    start = time.perf_counter()
    count = await run()
    return time.perf_counter() - start, count


async def _with_app(
    database_url: str, work: Callable[[Any], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    async with app_on_fresh_database(database_url, write_limit_per_minute=1_000_000) as app:
        return await work(app)


def bench_pull(
    changes: int, database_url: str, trace: bool
) -> Callable[[Any], Awaitable[dict[str, Any]]]:
    async def work(app: Any) -> dict[str, Any]:
        token, channel_id, thread_id = await _seed_people(app)
        await _seed_changes(app, channel_id, thread_id, changes)
        async with client(app, token) as http:

            async def pull_all() -> int:
                since, seen = 0, 0
                while True:
                    response = await http.get(
                        "/api/v1/sync/pull", params={"since": since, "limit": 5000}
                    )
                    page = response.json()
                    seen += len(page["changes"])
                    since = page["cursor"]
                    if not page["has_more"]:
                        return seen

            if trace:
                tracemalloc.start()
            elapsed, seen = await _measure(pull_all)
            peak = tracemalloc.get_traced_memory()[1] if trace else 0
            if trace:
                tracemalloc.stop()
        assert seen >= changes, seen
        return {"elapsed": elapsed, "count": seen, "peak": peak}

    return work


def bench_push(
    mutations: int, database_url: str, trace: bool
) -> Callable[[Any], Awaitable[dict[str, Any]]]:
    async def work(app: Any) -> dict[str, Any]:
        token, _channel_id, thread_id = await _seed_people(app)
        batch = [
            {
                "id": f"m{n}",
                "name": "message.create",
                "args": {"thread_id": thread_id, "body": f"오프라인 메모 {n} 离线记录"},
                "base_version": None,
            }
            for n in range(mutations)
        ]
        async with client(app, token, timeout=600) as http:

            async def push_all(expect: str) -> int:
                done = 0
                for offset in range(0, mutations, 500):
                    response = await http.post(
                        "/api/v1/sync/push",
                        json={"client_id": "bench", "mutations": batch[offset : offset + 500]},
                    )
                    results = response.json()["results"]
                    assert all(r["status"] == expect for r in results), results[:3]
                    done += len(results)
                return done

            if trace:
                tracemalloc.start()
            elapsed, count = await _measure(lambda: push_all("applied"))
            again, _ = await _measure(lambda: push_all("duplicate"))
            peak = tracemalloc.get_traced_memory()[1] if trace else 0
            if trace:
                tracemalloc.stop()
        async with app.state.db.session(write=False) as session:
            messages = (await session.execute(text("SELECT COUNT(*) FROM messages"))).scalar()
        assert messages == mutations, messages
        return {"elapsed": elapsed, "again": again, "count": count, "peak": peak}

    return work


def _write_docs(result: dict[str, Any]) -> None:
    body = (
        f"{SECTION}\n\n"
        f"Through the real app and routes (in-process HTTP), {result['database']}, on the "
        "2-core development machine.\n\n"
        "| what | count | seconds | per second | peak memory |\n"
        "| --- | ---: | ---: | ---: | ---: |\n"
        f"| pull (`GET /sync/pull`, pages of 5,000) | {result['pull_changes']:,} changes | "
        f"{result['pull_seconds']} | {result['pull_changes_per_second']:,} | "
        f"{result['pull_peak_memory_mib']} MiB |\n"
        f"| push (`POST /sync/push`, batches of 500 `message.create`) | "
        f"{result['push_mutations']:,} mutations | {result['push_seconds']} | "
        f"{result['push_mutations_per_second']:,} | {result['push_peak_memory_mib']} MiB |\n"
        f"| the same push resent (all `duplicate`) | {result['push_mutations']:,} mutations | "
        f"{result['resend_seconds']} | {result['resend_mutations_per_second']:,} | |\n\n"
        "Each pushed `message.create` runs the same service as `POST /threads/{id}/messages` "
        "(Markdown, mentions, search index, change log) plus its SAVEPOINT and its "
        "`sync_mutations` row, so the push rate is the service's write rate; resends only look "
        "the first results up. The machine was shared with other engineers' test runs.\n\n"
        "Peak memory is what the Python process allocated during the phase (tracemalloc, in a "
        "second run). Reproduce: `.venv/bin/python tests/bench/bench_sync.py --write-docs`.\n"
    )
    write_section("sync", body)


async def main(changes: int, mutations: int, database_url: str, write_docs: bool) -> None:
    pull = await _with_app(database_url, bench_pull(changes, database_url, trace=False))
    pull_traced = await _with_app(database_url, bench_pull(changes, database_url, trace=True))
    push = await _with_app(database_url, bench_push(mutations, database_url, trace=False))
    push_traced = await _with_app(database_url, bench_push(mutations, database_url, trace=True))
    result = {
        "bench": "sync",
        "database": "PostgreSQL" if database_url.startswith("postgresql") else "SQLite",
        "pull_changes": pull["count"],
        "pull_seconds": round(pull["elapsed"], 2),
        "pull_changes_per_second": int(pull["count"] / pull["elapsed"]),
        "pull_peak_memory_mib": round(pull_traced["peak"] / 2**20, 1),
        "push_mutations": push["count"],
        "push_seconds": round(push["elapsed"], 2),
        "push_mutations_per_second": int(push["count"] / push["elapsed"]),
        "resend_seconds": round(push["again"], 2),
        "resend_mutations_per_second": int(push["count"] / push["again"]),
        "push_peak_memory_mib": round(push_traced["peak"] / 2**20, 1),
    }
    print(json.dumps(result))
    if write_docs:
        _write_docs(result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--mutations", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--write-docs", action="store_true")
    options = parser.parse_args()
    asyncio.run(main(options.changes, options.mutations, options.database_url, options.write_docs))
