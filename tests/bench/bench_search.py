"""Benchmark (a script, not a test): full-text search over many messages, on SQLite and
PostgreSQL, through the real app and route (``GET /api/v1/search``, in-process HTTP).

    .venv/bin/python tests/bench/bench_search.py [--documents 100000] [--repeat 15]
        [--databases sqlite,postgresql] [--write-docs]

Seeding: ``--documents`` message documents in 20 channels, of which the searching official is
a member of 10 (the other 10 must be filtered out). Each message is a few sentences in Korean,
Chinese or English, drawn with a fixed seed from a vocabulary of city-exchange phrases, a
third of them with a translation indexed beside the original, as the app indexes them. Word
frequencies are skewed as in real text, so some queries match a fifth of all messages and
others a handful. The documents are indexed with the app's own tokenizer
(``server/search/text.py``) and written in bulk, so the indexing rate is measured as well.

Besides, 200 meetings whose documents hold about 40,000 characters of minutes each; the
official takes part in half of them.

Then each query runs ``--repeat`` times (after one warm-up) and the report gives its median
and 95th-percentile time, and how many visible documents it matches (all of them are ranked;
the route returns the best 30, its default).
PostgreSQL gets a fresh database on the local server, dropped afterwards.
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

from sqlalchemy import insert, text

from server.core.types import utcnow
from server.discussion import service as discussion
from server.discussion.models import ChannelCreate
from server.identity import authentication
from server.identity import service as identity
from server.identity.models import UserCreate
from server.meetings.models import Meeting, Participant
from server.search.models import SearchDocument
from server.search.service import search_statement
from server.search.text import index_terms
from tests.bench.harness import POSTGRES_URL, app_on_fresh_database, client, time_get
from tests.bench.report import write_section

CHANNELS, MEMBER_OF = 20, 10
MEETINGS, MINUTES_CHARS = 200, 40_000

# Phrases of the exchanges, most frequent first (drawn with Zipf-like weights below).
KOREAN = [
    "서울시",
    "베이징",
    "교류",
    "협력",
    "회의",
    "청소년",
    "환경",
    "대기질",
    "관광",
    "문화",
    "교통",
    "도시계획",
    "스마트시티",
    "미세먼지",
    "자매도시",
    "공동위원회",
    "실무자",
    "의제",
    "회의록",
    "예산",
    "일정",
    "방문단",
    "전시회",
    "축제",
    "대학생",
    "의료",
    "감염병",
    "수소버스",
    "한강",
    "경복궁",
]
CHINESE = [
    "北京",
    "首尔",
    "交流",
    "合作",
    "会议",
    "青年",
    "环境",
    "空气质量",
    "旅游",
    "文化",
    "交通",
    "城市规划",
    "智慧城市",
    "雾霾",
    "友好城市",
    "联合委员会",
    "工作人员",
    "议程",
    "会议纪要",
    "预算",
    "日程",
    "代表团",
    "展览",
    "节日",
    "大学生",
    "医疗",
    "传染病",
    "氢能公交",
    "长城",
    "故宫",
]
ENGLISH = [
    "seoul",
    "beijing",
    "exchange",
    "cooperation",
    "meeting",
    "youth",
    "environment",
    "air quality",
    "tourism",
    "culture",
    "transport",
    "urban planning",
    "smart city",
    "fine dust",
    "sister city",
    "joint committee",
    "officials",
    "agenda",
    "minutes",
    "budget",
    "schedule",
    "delegation",
    "exhibition",
    "festival",
    "students",
    "healthcare",
    "epidemic",
    "hydrogen bus",
    "han river",
    "forbidden city",
]
# Words that occur once in 2,000 messages or so.
RARE = ["옥상정원", "屋顶花园", "rooftop garden"]

# (label, query, kind): common and rare terms of each language, one-character CJK (a prefix
# match), longer CJK (several bigrams AND-ed), mixed scripts, a term no message has; then
# meetings, whose documents hold long minutes.
QUERIES = [
    ("Korean, two characters, common", "서울", "messages"),
    ("Chinese, two characters, common", "北京", "messages"),
    ("English word, common", "seoul", "messages"),
    ("Korean, three characters", "청소년", "messages"),
    ("Chinese, four characters", "空气质量", "messages"),
    ("Korean, one character (prefix)", "한", "messages"),
    ("Chinese, one character (prefix)", "京", "messages"),
    ("English, two words", "smart city", "messages"),
    ("mixed Korean and Chinese", "교류 合作", "messages"),
    ("Korean, rare word", "옥상정원", "messages"),
    ("Chinese, rare word", "屋顶花园", "messages"),
    ("no match", "zeppelin", "messages"),
    ("meetings: Korean, common", "서울", "meetings"),
    ("meetings: Chinese, common", "北京", "meetings"),
    ("meetings: a rare word, anywhere in the minutes", "수소충전소", "meetings"),
]


def sentence(rng: random.Random, words: list[str], weights: list[float]) -> str:
    chosen = rng.choices(words, weights=weights, k=rng.randint(4, 9))
    if rng.random() < 0.0005 * 3:
        chosen.append(RARE[[KOREAN, CHINESE, ENGLISH].index(words)])
    separator = "" if words is CHINESE else " "
    return separator.join(chosen) + ("。" if words is CHINESE else ".")


def message_texts(rng: random.Random) -> list[str]:
    """The original, and for a third of the messages one translation."""
    weights = [1 / (rank + 1) for rank in range(len(KOREAN))]
    languages = [KOREAN, CHINESE, ENGLISH]
    original = rng.choice(languages)
    texts = [" ".join(sentence(rng, original, weights) for _ in range(rng.randint(1, 3)))]
    if rng.random() < 1 / 3:
        other = rng.choice([language for language in languages if language is not original])
        texts.append(sentence(rng, other, weights))
    return texts


async def seed(app: Any, documents: int) -> tuple[str, set[int], set[int], float]:
    """An official in MEMBER_OF of CHANNELS channels, and ``documents`` message documents
    spread over all of them, and the meetings of :func:`seed_meetings`. Returns the token, the
    channels and meetings the official may see and the indexing rate (message documents/s)."""
    db = app.state.db
    async with db.transaction() as session:
        user = await identity.create_user(
            session,
            None,
            UserCreate(username="bench.reader", display_name="Bench", password="a-long-secret-1"),
            ip=None,
        )
        owner = await identity.create_user(
            session,
            None,
            UserCreate(username="bench.owner", display_name="Owner", password="a-long-secret-2"),
            ip=None,
        )
        assert user.id is not None and owner.id is not None
        token, _ = await authentication.issue_session(session, user.id, timedelta(hours=2))
        channel_ids = []
        for n in range(CHANNELS):
            members = [user.id] if n < MEMBER_OF else []
            channel = await discussion.create_channel_unchecked(
                session, owner.id, ChannelCreate(name=f"bench {n}", member_ids=members)
            )
            assert channel.id is not None
            channel_ids.append(channel.id)
    rng = random.Random(2026)
    started = time.perf_counter()
    now = utcnow()
    for offset in range(0, documents, 5000):
        rows = []
        for n in range(offset, min(documents, offset + 5000)):
            content = "\n".join(message_texts(rng))
            rows.append(
                {
                    "kind": "message",
                    "entity_id": n + 1,
                    "channel_id": channel_ids[n % CHANNELS],
                    "thread_id": None,
                    "meeting_id": None,
                    "title": f"Thread {n % 500}",
                    "content": content,
                    "terms": index_terms(content),
                    "updated_at": now,
                }
            )
        async with db.transaction() as session:
            await session.execute(insert(SearchDocument), rows)
    indexed_per_second = documents / (time.perf_counter() - started)
    meetings = await seed_meetings(app, owner.id, user.id, rng)
    async with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("ANALYZE search_documents"))
    return token, set(channel_ids[:MEMBER_OF]), meetings, indexed_per_second


async def seed_meetings(app: Any, owner: int, reader: int, rng: random.Random) -> set[int]:
    """MEETINGS meetings, the reader a participant of half, each indexed with minutes of
    MINUTES_CHARS characters or so (a meeting's document holds its agenda, minutes and
    decisions). A word no message has lies somewhere in one of 25."""
    now = utcnow()
    weights = [1 / (rank + 1) for rank in range(len(KOREAN))]
    languages = [KOREAN, CHINESE, ENGLISH]
    async with app.state.db.transaction() as session:
        meeting_ids = []
        for n in range(MEETINGS):
            row = {
                "title": f"Joint committee {n}",
                "title_lang": "en",
                "translations": {},
                "mode": "hybrid",
                "starts_at": now,
                "ends_at": now,
                "timezone": "Asia/Seoul",
                "created_by": owner,
                "created_at": now,
                "updated_at": now,
            }
            inserted = await session.execute(insert(Meeting).returning(Meeting.id), row)  # type: ignore[arg-type]
            meeting_ids.append(int(inserted.scalar_one()))
        await session.execute(
            insert(Participant),
            [{"meeting_id": m, "user_id": reader} for m in meeting_ids[: MEETINGS // 2]],
        )
        rows = []
        for n, meeting_id in enumerate(meeting_ids):
            paragraphs: list[str] = []
            while sum(map(len, paragraphs)) < MINUTES_CHARS:
                words = rng.choice(languages)
                paragraphs.append(" ".join(sentence(rng, words, weights) for _ in range(5)))
            if n % 25 == 7:
                paragraphs.insert(rng.randrange(len(paragraphs)), "수소충전소 견학 加氢站参观")
            content = f"Joint committee {n}\n" + "\n".join(paragraphs)
            rows.append(
                {
                    "kind": "meeting",
                    "entity_id": meeting_id,
                    "channel_id": None,
                    "thread_id": None,
                    "meeting_id": meeting_id,
                    "title": f"Joint committee {n}",
                    "content": content,
                    "terms": index_terms(content),
                    "updated_at": now,
                }
            )
        await session.execute(insert(SearchDocument), rows)
    return set(meeting_ids[: MEETINGS // 2])
    return set(meeting_ids[: MEETINGS // 2])


async def count_matching(
    app: Any, query: str, kind: str, channels: set[int], meetings: set[int]
) -> int:
    """How many visible documents the query matches (the route returns the best 30)."""
    async with app.state.db.session(write=False) as session:
        prepared = search_statement(
            session.get_bind().dialect.name,
            query,
            kinds=("meeting",) if kind == "meetings" else ("message", "thread"),
            channel_ids=channels if kind == "messages" else (),
            meeting_ids=meetings if kind == "meetings" else (),
            limit=10**9,
        )
        if prepared is None:
            return 0
        statement, params = prepared
        return len((await session.execute(statement, params)).all())


async def bench_database(kind: str, documents: int, repeat: int) -> dict[str, Any]:
    async with app_on_fresh_database(POSTGRES_URL if kind == "postgresql" else "") as app:
        token, visible, meetings, indexed_per_second = await seed(app, documents)
        results = []
        async with client(app, token) as http:
            for label, query, search_kind in QUERIES:
                params = {"q": query, "kind": search_kind}
                response, p50, p95 = await time_get(http, "/api/v1/search", params, repeat)
                hits = response.json()["items"]
                assert all(
                    hit["channel_id"] in visible or hit["meeting_id"] in meetings for hit in hits
                ), query
                matching = await count_matching(app, query, search_kind, visible, meetings)
                results.append(
                    {
                        "label": label,
                        "query": query,
                        "hits": len(hits),
                        "matching": matching,
                        "p50_ms": p50,
                        "p95_ms": p95,
                    }
                )
    return {
        "database": "PostgreSQL" if kind == "postgresql" else "SQLite",
        "documents": documents,
        "indexed_per_second": round(indexed_per_second),
        "queries": results,
    }


def write_docs(runs: list[dict[str, Any]], documents: int, repeat: int) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    names = [run["database"] for run in runs]
    header = (
        "| query | "
        + " | ".join(f"{name} p50 / p95 ms" for name in names)
        + " | documents matching |"
    )
    lines = [header, "|---|" + "---:|" * len(names) + "---:|"]
    for index, (label, query, _kind) in enumerate(QUERIES):
        cells = [
            f"{run['queries'][index]['p50_ms']} / {run['queries'][index]['p95_ms']}" for run in runs
        ]
        matching = runs[0]["queries"][index]["matching"]
        lines.append(f"| {label}: `{query}` | " + " | ".join(cells) + f" | {matching:,} |")
    indexing = ", ".join(f"{run['database']} {run['indexed_per_second']:,}" for run in runs)
    body = (
        "## Search (`tests/bench/bench_search.py`)\n\n"
        f"Run on {stamp} with `.venv/bin/python -m tests.bench.run search --write-docs`; "
        "2 cores, shared.\n\n"
        f"{documents:,} message documents (Korean, Chinese and English sentences of the "
        "exchanges, a third with a translation) in 20 channels; the official searching is a "
        "member of 10, so half the documents are filtered out; and 200 meetings, each "
        "document with about 40,000 characters of minutes, the official a participant of half. "
        "Each query goes through `GET /api/v1/search?kind=messages` (or `kind=meetings`; "
        "in-process HTTP: token, what the caller may see, query, highlighting of up to 30 "
        f"hits), {repeat} times after one warm-up.\n\n"
        + "\n".join(lines)
        + f"\n\nIndexing (the app's tokenizer and a bulk insert), documents per second: "
        f"{indexing}.\n"
    )
    write_section("search", body)


async def main(documents: int, repeat: int, databases: list[str], docs: bool) -> None:
    runs = [await bench_database(kind, documents, repeat) for kind in databases]
    print(json.dumps({"bench": "search", "runs": runs}, ensure_ascii=False))
    # The same seed on both databases: their tokenizers are one, so must be their matches.
    counts = {run["database"]: [q["matching"] for q in run["queries"]] for run in runs}
    if len(set(map(tuple, counts.values()))) > 1:
        raise SystemExit(f"The databases matched different documents: {counts}")
    if docs:
        write_docs(runs, documents, repeat)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.documents, args.repeat, args.databases.split(","), args.write_docs))
