"""Assertions and helpers shared by the domain tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from server.core.batching import GroupCommit
from server.core.db import Database

# Tables whose row counts say whether a request wrote anything (the audit log is not among
# them: failed logins and refusals are recorded there on purpose).
DATA_TABLES = ("change_log", "organizations", "users", "auth_tokens", "idempotency_keys")


async def row_counts(app: FastAPI, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, int]:
    db: Database = app.state.db
    async with db.session(write=False) as session:
        counts = {}
        for table in tables:
            counts[table] = int(
                (await session.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar_one()
            )
        return counts


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["detail"]
    return body


class HeldGroupCommit:
    """The group commit of posts with its next group held back while it is being written:
    posts made meanwhile queue up and form the group after it, whatever the timing."""

    def __init__(self, posts: GroupCommit[Any, Any]) -> None:
        self.posts = posts
        self.release = asyncio.Event()
        self.held_groups: list[int] = []

    async def _until(self, condition: Any) -> None:
        for _ in range(500):
            if condition():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the group commit did not get there")

    async def writing(self) -> None:
        """Until the held group is being written."""
        await self._until(lambda: self.held_groups)

    async def queued(self, count: int) -> None:
        """Until ``count`` posts wait behind the held group."""
        await self._until(lambda: self.posts._queue.qsize() >= count)
        assert self.posts._queue.qsize() == count


@asynccontextmanager
async def group_commit_held(app: FastAPI) -> AsyncIterator[HeldGroupCommit]:
    """Hold the next group of posts while it is being written (see :class:`HeldGroupCommit`);
    released on leaving the block."""
    posts: GroupCommit[Any, Any] = app.state.message_posts
    held = HeldGroupCommit(posts)
    write = posts._write

    async def holding(session: Any, items: Sequence[Any]) -> Any:
        if not held.release.is_set():
            held.held_groups.append(len(items))
            await held.release.wait()
        return await write(session, items)

    posts._write = holding
    try:
        yield held
    finally:
        held.release.set()
        posts._write = write
