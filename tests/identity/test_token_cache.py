"""Who a token stands for is read once and kept for a moment (server/identity/token_cache.py),
and forgotten at once when it may have changed: revoked here, revoked by another process or a
command-line tool, or past the token's expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from server.identity import authentication
from server.identity import service as identity
from server.identity.token_cache import TokenCache
from tests.factories import make_user
from tests.helpers import assert_problem


@contextmanager
def token_reads(app: FastAPI) -> Iterator[list[str]]:
    """The statements that read ``auth_tokens`` while the block runs."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM auth_tokens" in statement:
            seen.append(statement)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def test_a_token_is_read_once_for_requests_in_quick_succession(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    person = await make_user(app)
    with token_reads(app) as reads:
        for _ in range(5):
            assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 200
    assert len(reads) == 1


async def test_a_cached_token_revoked_here_is_refused_on_the_next_request(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.token_cache.seconds = 3600  # only the revocation may end the entry
    person = await make_user(app)
    assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=person.headers)).status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=person.headers), 401, "invalid_token")


async def test_a_token_revoked_by_another_process_is_refused_within_a_second_or_two(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.token_cache.seconds = 3600  # only the change may end the entry
    person = await make_user(app)
    assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 200
    # As `gyoryu` on the command line would: another session, no broker, no cache to clear.
    async with app.state.db.transaction() as session:
        await identity.revoke_user_tokens(session, person.id)
    # The realtime hub finds the change in the log (it looks once a second) and clears it.
    for _ in range(50):
        answer = await client.get("/api/v1/me", headers=person.headers)
        if answer.status_code == 401:
            break
        await asyncio.sleep(0.1)
    assert_problem(answer, 401, "invalid_token")


async def test_a_cached_token_is_refused_once_it_expires(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.token_cache.seconds = 3600
    person = await make_user(app)
    async with app.state.db.transaction() as session:
        token, _ = await authentication.issue_session(session, person.id, timedelta(seconds=1))
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    await asyncio.sleep(1.1)
    assert_problem(await client.get("/api/v1/me", headers=headers), 401, "invalid_token")


async def test_a_lookup_that_began_before_the_cache_was_cleared_is_not_kept(
    app: FastAPI,
) -> None:
    person = await make_user(app)
    cache = TokenCache()
    async with app.state.db.session(write=False) as session:
        generation = cache.generation
        resolved = await authentication.resolve_token(session, person.token)
    assert resolved is not None
    principal, token = resolved
    cache.clear()  # a revocation committed while the lookup was under way
    cache.put(person.token, principal, token.expires_at, token.last_used_at, generation)
    assert cache.get(person.token) is None
    cache.put(person.token, principal, token.expires_at, token.last_used_at, cache.generation)
    cached = cache.get(person.token)
    assert cached is not None and cached.principal == principal
