"""Logins, tokens and the one permission dependency: who gets in, and that refusals write
nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from server.core import security
from server.core.types import utcnow
from server.identity.models import AuthToken
from tests.discussion.conftest import make_channel, make_thread
from tests.factories import PASSWORD, make_bot, make_org, make_user
from tests.helpers import assert_problem, row_counts


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )


async def test_login_returns_a_token_that_identifies_the_user(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    person = await make_user(app, username="seoul.kim")
    response = await _login(client, "seoul.kim", PASSWORD)
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    assert token.startswith("gys_")
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["id"] == person.id
    assert "password_hash" not in me.json()


async def test_wrong_password_and_unknown_user_get_the_same_answer_and_write_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await make_user(app, username="beijing.wang")
    before = await row_counts(app)
    wrong = await _login(client, "beijing.wang", "not-the-password")
    unknown = await _login(client, "nobody.here", "not-the-password")
    for response in (wrong, unknown):
        assert_problem(response, 401, "invalid_credentials")
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert await row_counts(app) == before


async def test_failed_login_for_unknown_user_still_runs_one_password_verification(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Equal work for known and unknown usernames, so timing does not reveal which exist."""
    await make_user(app, username="known.user")
    calls: list[str] = []
    original = security._hasher.verify

    def counting_verify(password: str, hashed: str) -> bool:
        calls.append(hashed)
        return original(password, hashed)

    monkeypatch.setattr(security._hasher, "verify", counting_verify)
    await _login(client, "known.user", "wrong-password-1")
    await _login(client, "unknown.user", "wrong-password-1")
    assert len(calls) == 2
    assert calls[1] == security._DUMMY_HASH


async def test_failed_logins_are_audited(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    await _login(client, "ghost", "whatever-password")
    audit = await client.get("/api/v1/audit?action=auth.login_failed", headers=admin.headers)
    assert audit.status_code == 200
    entries = audit.json()["items"]
    assert entries and entries[0]["details"]["username"] == "ghost"
    assert entries[0]["ip"] == "127.0.0.1"


async def test_expired_token_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    person = await make_user(app)
    async with app.state.db.transaction() as session:
        await session.execute(
            update(AuthToken)
            .where(AuthToken.user_id == person.id)  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_problem(await client.get("/api/v1/me", headers=person.headers), 401, "invalid_token")


async def test_logout_revokes_the_token_at_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    person = await make_user(app)
    assert (await client.post("/api/v1/auth/logout", headers=person.headers)).status_code == 204
    assert_problem(await client.get("/api/v1/me", headers=person.headers), 401, "invalid_token")


async def test_missing_and_garbage_tokens_are_refused(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/me"), 401, "unauthorized")
    response = await client.get("/api/v1/me", headers={"Authorization": "Bearer gys_forged"})
    assert_problem(response, 401, "invalid_token")


async def test_deactivated_user_tokens_stop_working_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    person = await make_user(app)
    assert (await client.get("/api/v1/me", headers=person.headers)).status_code == 200
    response = await client.patch(
        f"/api/v1/users/{person.id}", json={"is_active": False}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert_problem(await client.get("/api/v1/me", headers=person.headers), 401, "invalid_token")
    assert_problem(await _login(client, person.user.username, PASSWORD), 401, "invalid_credentials")


async def test_deactivated_organization_locks_out_its_people(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    org = await make_org(app, country="CN")
    person = await make_user(app, org=org)
    response = await client.patch(
        f"/api/v1/organizations/{org.id}", json={"is_active": False}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert_problem(await client.get("/api/v1/me", headers=person.headers), 401, "invalid_token")


async def test_bot_token_outside_its_scopes_is_forbidden_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    bot = await make_bot(app, admin, scopes=["messages:read"])
    before = await row_counts(app)
    assert_problem(
        await client.get("/api/v1/organizations", headers=bot.headers), 403, "missing_scope"
    )
    response = await client.post(
        "/api/v1/users",
        json={"username": "sneaky", "display_name": "S", "password": "long-enough-pw-1"},
        headers=bot.headers,
    )
    assert_problem(response, 403, "admin_required")
    assert await row_counts(app) == before
    # The same call with the scope is allowed.
    reader = await make_bot(app, admin, scopes=["directory:read"])
    assert (await client.get("/api/v1/organizations", headers=reader.headers)).status_code == 200


async def test_bot_token_is_shown_once_and_works(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    body = {"name": "Translator", "scopes": ["translations:write", "messages:read"]}
    headers = {**admin.headers, "Idempotency-Key": "bot-1"}
    first = await client.post("/api/v1/bots", json=body, headers=headers)
    assert first.status_code == 201, first.text
    token = first.json()["token"]
    assert token.startswith("gyb_")
    repeat = await client.post("/api/v1/bots", json=body, headers=headers)
    assert repeat.json()["id"] == first.json()["id"]
    assert repeat.json()["token"] is None
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["is_bot"] is True


async def test_unknown_bot_scope_is_rejected(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app)
    response = await client.post(
        "/api/v1/bots", json={"name": "x", "scopes": ["everything"]}, headers=admin.headers
    )
    assert_problem(response, 422, "unknown_scope")
    assert await row_counts(app) == before


async def test_login_is_rate_limited_per_username(app: FastAPI, client: httpx.AsyncClient) -> None:
    limit = app.state.settings.login_limit_per_username
    for _ in range(limit):
        await _login(client, "target.user", "wrong-password-x")
    response = await _login(client, "target.user", "wrong-password-x")
    body = assert_problem(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1
    assert "login" in body["detail"]


async def test_a_bot_cannot_log_in_with_a_password(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    bot = await make_bot(app, admin, scopes=["messages:read"])
    assert_problem(await _login(client, bot.user.username, PASSWORD), 401, "invalid_credentials")


async def test_login_is_rate_limited_per_address_across_usernames(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"login_limit_per_address": 12})
    limit = app.state.settings.login_limit_per_address
    for attempt in range(limit):
        await _login(client, f"guess.{attempt}", "wrong-password-x")
    response = await _login(client, "yet.another", "wrong-password-x")
    assert_problem(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1


async def test_bot_token_outside_its_channels_is_forbidden_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    allowed = await make_channel(client, admin, [])
    other = await make_channel(client, admin, [])
    allowed_thread = await make_thread(client, admin, allowed, "allowed")
    other_thread = await make_thread(client, admin, other, "other")
    bot = await make_bot(
        app, admin, scopes=["messages:read", "messages:write"], channel_ids=[allowed]
    )
    before = await row_counts(app)
    posted = await client.post(
        f"/api/v1/threads/{other_thread}/messages", json={"body": "hi"}, headers=bot.headers
    )
    assert posted.status_code in (403, 404), posted.text
    assert posted.headers["content-type"] == "application/problem+json"
    read = await client.get(f"/api/v1/threads/{other_thread}/messages", headers=bot.headers)
    assert read.status_code in (403, 404)
    assert await row_counts(app) == before
    ok = await client.post(
        f"/api/v1/threads/{allowed_thread}/messages", json={"body": "hi"}, headers=bot.headers
    )
    assert ok.status_code == 201, ok.text
