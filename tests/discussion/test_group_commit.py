"""Posts that arrive while others are being written are written together (a group commit,
server/core/batching.py): each still gets its own answer, its own refusal, and exactly what a
post alone would have written."""

from __future__ import annotations

import asyncio

import httpx
import orjson
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import select

from server.changes.models import Change
from server.discussion.models import Thread
from tests.discussion.conftest import Room, post
from tests.helpers import assert_problem, group_commit_held, row_counts


def _metric(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"writes": "messages"}) or 0.0


async def _first_use(client: httpx.AsyncClient, room: Room) -> None:
    # A token's first use records when it was used, in a write of its own: done before a
    # group is held back, it cannot wait behind that group.
    for who in (room.seoul, room.beijing, room.outsider):
        assert (await client.get("/api/v1/me", headers=who.headers)).status_code == 200


async def _message_changes(app: FastAPI, channel_id: int) -> list[Change]:
    async with app.state.db.session(write=False) as session:
        rows = await session.execute(
            select(Change)
            .where(Change.scope == f"channel:{channel_id}", Change.entity == "message")  # type: ignore[arg-type]
            .order_by(Change.seq)  # type: ignore[arg-type]
        )
        return list(rows.scalars())


async def test_posts_written_together_each_get_their_own_answer_and_everything_a_post_writes(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    await _first_use(client, room)
    groups_before = _metric("gyoryu_group_commit_size_count")
    bodies = [f"서울 北京 group {i} @beijing.wang" for i in range(8)]
    authors = [room.seoul if i % 2 else room.beijing for i in range(len(bodies))]
    async with group_commit_held(app) as held:
        sending = [asyncio.create_task(post(client, authors[0], room.thread_id, bodies[0]))]
        await held.writing()
        sending += [
            asyncio.create_task(post(client, who, room.thread_id, body))
            for who, body in zip(authors[1:], bodies[1:], strict=True)
        ]
        # Refused by the rules while in the same group: an outsider, an empty body.
        refused = [
            asyncio.create_task(post(client, room.outsider, room.thread_id, "not mine")),
            asyncio.create_task(post(client, room.seoul, room.thread_id, "   ")),
        ]
        await held.queued(len(bodies) - 1 + len(refused))
    answers = await asyncio.gather(*sending)
    outsider, empty = await asyncio.gather(*refused)
    assert [a.status_code for a in answers] == [201] * len(bodies), [a.text for a in answers]
    assert_problem(outsider, 404, "not_found")
    assert_problem(empty, 422, "empty_message")
    # Two groups: the one held back, then all the others at once.
    assert _metric("gyoryu_group_commit_size_count") - groups_before == 2
    posted = {a.json()["body"]: a.json() for a in answers}
    assert sorted(posted) == sorted(bodies)
    # Each answer's id is its own message's (a group's rows are inserted in one statement).
    for body, message in posted.items():
        stored = await client.get(f"/api/v1/messages/{message['id']}", headers=room.seoul.headers)
        assert stored.json()["body"] == body
    assert posted[bodies[1]]["author"]["username"] == "seoul.kim"
    assert posted[bodies[0]]["author"]["username"] == "beijing.wang"
    # One change per message, seqs in the order of the message ids, each with the message.
    recorded = await _message_changes(app, room.channel_id)
    assert [c.entity_id for c in recorded] == sorted(m["id"] for m in posted.values())
    seqs = [c.seq for c in recorded]
    assert seqs == sorted(seqs)
    for change in recorded:
        data = orjson.loads(change.data)
        assert data["id"] == change.entity_id and data["body"] in posted
    async with app.state.db.session(write=False) as session:
        thread = await session.get(Thread, room.thread_id)
        assert thread is not None
        assert thread.message_count == len(bodies)
        assert thread.last_message_id == max(m["id"] for m in posted.values())
    # Mentions of Beijing by Seoul's posts (not by Beijing's own), and the search index.
    mentions = await client.get("/api/v1/mentions", headers=room.beijing.headers)
    assert len(mentions.json()["items"]) == len(bodies) // 2
    found = await client.get(
        "/api/v1/search", params={"q": "北京 group"}, headers=room.seoul.headers
    )
    assert len(found.json()["items"]) == len(bodies)


async def test_a_post_refused_while_its_group_is_written_fails_alone(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    """An unusable attachment is found only while writing: the group is rolled back and
    written again one post at a time, so only that post is refused and nothing of it stays."""
    await _first_use(client, room)
    splits_before = _metric("gyoryu_group_commit_splits_total")
    before = await row_counts(app, ("messages", "change_log", "search_documents"))
    async with group_commit_held(app) as held:
        sending = [asyncio.create_task(post(client, room.seoul, room.thread_id, "fine 0"))]
        await held.writing()
        sending += [
            asyncio.create_task(post(client, room.seoul, room.thread_id, f"fine {i}"))
            for i in range(1, 4)
        ]
        bad = asyncio.create_task(
            post(client, room.beijing, room.thread_id, "with a file", attachment_ids=[987654])
        )
        sending.insert(2, bad)
        await held.queued(4)
    answers = await asyncio.gather(*sending)
    assert_problem(answers[2], 422, "bad_attachment")
    fine = [a for i, a in enumerate(answers) if i != 2]
    assert [a.status_code for a in fine] == [201] * 4
    assert _metric("gyoryu_group_commit_splits_total") - splits_before == 1
    after = await row_counts(app, ("messages", "change_log", "search_documents"))
    assert after == {table: count + 4 for table, count in before.items()}
    listed = await client.get(
        f"/api/v1/threads/{room.thread_id}/messages", headers=room.seoul.headers
    )
    assert sorted(m["body"] for m in listed.json()["items"]) == [f"fine {i}" for i in range(4)]


async def test_a_repeated_idempotency_key_in_one_group_posts_once(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    await _first_use(client, room)
    headers = {**room.seoul.headers, "Idempotency-Key": "minutes-bot-2026-11-29-1"}
    path = f"/api/v1/threads/{room.thread_id}/messages"
    async with group_commit_held(app) as held:
        first = asyncio.create_task(client.post(path, json={"body": "회의 시작"}, headers=headers))
        await held.writing()
        again = [
            asyncio.create_task(client.post(path, json={"body": "회의 시작"}, headers=headers))
            for _ in range(2)
        ]
        await held.queued(2)
    answers = [await first, *await asyncio.gather(*again)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    listed = await client.get(path, headers=room.seoul.headers)
    assert [m["body"] for m in listed.json()["items"]] == ["회의 시작"]
    # The same key with another body is refused, even in the group that records it.
    async with group_commit_held(app) as held:
        other_key = {**room.seoul.headers, "Idempotency-Key": "minutes-bot-2026-11-29-2"}
        changed = asyncio.create_task(client.post(path, json={"body": "x"}, headers=headers))
        await held.writing()
        recorded = asyncio.create_task(client.post(path, json={"body": "a"}, headers=other_key))
        reused = asyncio.create_task(client.post(path, json={"body": "b"}, headers=other_key))
        await held.queued(2)
    assert_problem(await changed, 422, "idempotency_key_reused")
    assert (await recorded).status_code == 201
    assert_problem(await reused, 422, "idempotency_key_reused")
