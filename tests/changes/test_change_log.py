"""The change log: seqs gap-free in commit order, read by cursor, published after commit."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

import pytest
from fastapi import FastAPI

from server.changes import service as changes
from server.changes.broker import MemoryBroker, RedisBroker
from server.changes.models import ChangeEvent
from server.core.db import Database
from tests.conftest import redis_test_url


def _db(app: FastAPI) -> Database:
    db: Database = app.state.db
    return db


async def _record(db: Database, scope: str, n: int = 1, *, fail: bool = False) -> list[int]:
    async with db.transaction() as session:
        session.info.update({changes.BROKER_KEY: None})
        seqs = []
        for i in range(n):
            event = await changes.record(
                session,
                scope=scope,
                entity="note",
                entity_id=i + 1,
                op="created",
                version=1,
                data={"text": f"{scope} {i}"},
                actor_id=None,
            )
            seqs.append(event.seq)
        if fail:
            raise RuntimeError("roll back")
    return seqs


async def test_rolled_back_write_leaves_no_change_and_no_gap(app: FastAPI) -> None:
    db = _db(app)
    start = await _head(db)
    with pytest.raises(RuntimeError):
        await _record(db, "channel:1", 2, fail=True)
    assert await _head(db) == start
    assert await _record(db, "channel:1") == [start + 1]


async def _head(db: Database) -> int:
    async with db.session(write=False) as session:
        return await changes.head(session)


async def test_read_since_filters_scopes_in_seq_order_with_limit(app: FastAPI) -> None:
    db = _db(app)
    start = await _head(db)
    await _record(db, "channel:1", 3)
    await _record(db, "channel:2", 2)
    await _record(db, "meeting:5", 1)
    async with db.session(write=False) as session:
        mine = await changes.read_since(session, start, ["channel:1", "meeting:5"])
        assert [e.scope for e in mine] == ["channel:1"] * 3 + ["meeting:5"]
        assert [e.seq for e in mine] == sorted(e.seq for e in mine)
        limited = await changes.read_since(session, start, None, limit=2)
        assert len(limited) == 2
        bounded = await changes.read_since(session, start, None, until=start + 3)
        assert [e.seq for e in bounded] == [start + 1, start + 2, start + 3]
        assert await changes.read_since(session, start, []) == []
    event = mine[0].to_dict()
    assert event["type"] == "change" and event["data"] == {"text": "channel:1 0"}
    assert set(event) >= {"seq", "scope", "entity", "id", "op", "version", "data"}


async def test_concurrent_writers_never_hide_a_change_from_a_cursor_reader(app: FastAPI) -> None:
    """20 writers commit while a reader polls "changes after my cursor": every change is seen
    exactly once, in seq order, although writers hold their transactions open for a while."""
    db = _db(app)
    start = await _head(db)
    writers, per_writer = 20, 8
    rng = random.Random(7)
    done = asyncio.Event()

    async def writer(w: int) -> None:
        for i in range(per_writer):
            async with db.transaction() as session:
                await changes.record(
                    session,
                    scope=f"channel:{w % 3}",
                    entity="note",
                    entity_id=w * 100 + i,
                    op="created",
                    version=1,
                    data={"w": w, "i": i},
                    actor_id=None,
                )
                await asyncio.sleep(rng.random() * 0.01)  # keep the transaction open

    seen: list[int] = []

    async def reader() -> None:
        cursor = start
        while True:
            finished = done.is_set()
            async with db.session(write=False) as session:
                batch = await changes.read_since(session, cursor, None, limit=50)
            if batch:
                seen.extend(e.seq for e in batch)
                cursor = batch[-1].seq
            elif finished:
                return
            await asyncio.sleep(0)

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(w) for w in range(writers)))
    done.set()
    await reading
    total = writers * per_writer
    assert seen == list(range(start + 1, start + total + 1))


async def test_changes_are_published_after_commit_and_never_on_rollback(app: FastAPI) -> None:
    db = _db(app)
    broker = MemoryBroker()
    received: list[int] = []
    committed = False

    async def listener(events: Sequence[ChangeEvent]) -> None:
        assert committed, "published before commit"
        received.extend(e.seq for e in events)

    broker.on_changes(listener)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            session.info[changes.BROKER_KEY] = broker
            await changes.record(
                session,
                scope="channel:1",
                entity="note",
                entity_id=1,
                op="created",
                version=1,
                data={},
                actor_id=None,
            )
            raise RuntimeError("roll back")
    assert received == []
    async with db.transaction() as session:
        session.info[changes.BROKER_KEY] = broker
        event = await changes.record(
            session,
            scope="channel:1",
            entity="note",
            entity_id=1,
            op="created",
            version=1,
            data={},
            actor_id=None,
        )
        committed = True
    assert received == [event.seq]


async def test_redis_broker_delivers_to_every_process_in_order() -> None:
    """Two brokers stand for two server processes sharing Redis."""
    first, second = RedisBroker(redis_test_url()), RedisBroker(redis_test_url())
    got: dict[str, list[int]] = {"first": [], "second": []}
    signals: list[str] = []

    def collect(name: str):  # type: ignore[no-untyped-def]
        async def listener(events: Sequence[ChangeEvent]) -> None:
            got[name].extend(e.seq for e in events)

        return listener

    async def on_signal(payload: str) -> None:
        signals.append(payload)

    first.on_changes(collect("first"))
    second.on_changes(collect("second"))
    second.on_signal(on_signal)
    await first.start()
    await second.start()
    try:
        base = random.randint(10**9, 2 * 10**9)
        for i in range(50):
            seq = base + i
            event = ChangeEvent.build(
                seq=seq,
                scope="channel:1",
                entity="message",
                entity_id=i,
                op="created",
                version=1,
                data_json='{"body":"a\\tb"}',
            )
            await first.publish([event])
        await first.publish_signal('{"type":"typing"}')
        for _ in range(200):
            if len(got["second"]) >= 50 and signals:
                break
            await asyncio.sleep(0.01)
        expected = [base + i for i in range(50)]
        assert got["first"] == expected and got["second"] == expected
        assert signals == ['{"type":"typing"}']
        assert await first.ping()
    finally:
        await first.stop()
        await second.stop()
