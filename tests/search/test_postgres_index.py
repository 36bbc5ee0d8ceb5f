"""PostgreSQL keeps each search document's tsvector in a stored column (migration 0008): the
search query filters and ranks with it instead of recomputing ``to_tsvector`` per row."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import bindparam, text

from server.search.service import search_statement
from tests.discussion.conftest import Room, post

pytestmark = pytest.mark.postgres_only


async def test_the_stored_vector_follows_every_write_of_the_document(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    posted = await post(client, room.seoul, room.thread_id, "서울 대기질 회의")
    message = posted.json()
    edited = await client.patch(
        f"/api/v1/messages/{message['id']}",
        json={"body": "北京 空气质量 会议"},
        headers={**room.seoul.headers, "If-Match": str(message["version"])},
    )
    assert edited.status_code == 200, edited.text
    async with app.state.db.session(write=False) as session:
        rows = (
            await session.execute(
                text(
                    "SELECT kind, terms_vector = to_tsvector('simple', terms) AS same"
                    " FROM search_documents"
                )
            )
        ).all()
    assert {row.kind for row in rows} == {"thread", "message"}
    assert all(row.same for row in rows)
    found = await client.get(
        "/api/v1/search", params={"q": "北京", "kind": "messages"}, headers=room.seoul.headers
    )
    assert [hit["id"] for hit in found.json()["items"] if hit["kind"] == "message"] == [
        message["id"]
    ]


async def test_the_search_plan_never_recomputes_a_documents_vector(
    app: FastAPI, room: Room
) -> None:
    prepared = search_statement(
        "postgresql",
        "서울 北京",
        kinds=("message", "thread"),
        channel_ids=[room.channel_id],
        meeting_ids=[1],
        limit=30,
    )
    assert prepared is not None
    statement, params = prepared
    explain = text("EXPLAIN VERBOSE " + statement.text).bindparams(
        *(bindparam(name, expanding=True) for name in ("kinds", "channel_ids", "meeting_ids"))
    )
    async with app.state.db.session(write=False) as session:
        plan = "\n".join(row[0] for row in (await session.execute(explain, params)).all())
        index = (
            await session.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                {"name": "ix_search_documents_terms_vector"},
            )
        ).scalar_one()
    assert "terms_vector @@" in plan and "ts_rank(d.terms_vector" in plan, plan
    assert "to_tsvector" not in plan, plan
    # New documents go straight into the index: no pending list for every search to scan.
    assert "USING gin (terms_vector)" in index and "fastupdate=off" in index, index
