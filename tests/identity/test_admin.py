"""Administrators manage organizations and people; everyone else is refused, with nothing
written; the audit log is append-only."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.core.pagination import encode_cursor
from tests.factories import make_org, make_user
from tests.helpers import assert_problem, row_counts

NEW_USER = {
    "username": "beijing.zhao",
    "display_name": "赵敏",
    "password": "a-long-enough-secret",
    "locale": "zh-Hans",
    "timezone": "Asia/Shanghai",
}


async def test_admin_creates_organization_and_user_with_translations(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    org = await client.post(
        "/api/v1/organizations",
        json={
            "name": "北京市人民政府外事办公室",
            "name_lang": "zh-Hans",
            "translations": {"ko": "베이징시 외사판공실", "en": "Beijing Foreign Affairs Office"},
            "country": "CN",
            "city": "Beijing",
        },
        headers=admin.headers,
    )
    assert org.status_code == 201, org.text
    assert org.json()["translations"]["ko"] == "베이징시 외사판공실"
    user = await client.post(
        "/api/v1/users",
        json={**NEW_USER, "organization_id": org.json()["id"]},
        headers=admin.headers,
    )
    assert user.status_code == 201, user.text
    assert user.json()["organization_id"] == org.json()["id"]
    assert user.json()["timezone"] == "Asia/Shanghai"
    listed = await client.get("/api/v1/users", headers=admin.headers)
    assert "beijing.zhao" in [u["username"] for u in listed.json()["items"]]


async def test_non_admin_cannot_create_users_or_organizations_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member = await make_user(app)
    before = await row_counts(app)
    assert_problem(
        await client.post("/api/v1/users", json=NEW_USER, headers=member.headers),
        403,
        "admin_required",
    )
    assert_problem(
        await client.post(
            "/api/v1/organizations",
            json={"name": "X", "country": "KR", "city": "Seoul"},
            headers=member.headers,
        ),
        403,
        "admin_required",
    )
    assert await row_counts(app) == before


async def test_member_may_edit_own_profile_but_not_own_role(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member = await make_user(app)
    ok = await client.patch(
        f"/api/v1/users/{member.id}", json={"locale": "en"}, headers=member.headers
    )
    assert ok.status_code == 200 and ok.json()["locale"] == "en"
    assert_problem(
        await client.patch(
            f"/api/v1/users/{member.id}", json={"role": "admin"}, headers=member.headers
        ),
        403,
        "admin_required",
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"password": "short"}, "weak_password"),
        ({"password": "password1"}, "weak_password"),
        ({"timezone": "Mars/Olympus"}, "invalid_input"),
        ({"username": "Bad Name!"}, "invalid_input"),
        ({"organization_id": 9999}, "unknown_organization"),
        ({"role": "emperor"}, "invalid_input"),
    ],
)
async def test_invalid_user_fields_are_refused_with_field_errors(
    app: FastAPI, client: httpx.AsyncClient, change: dict[str, object], code: str
) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app)
    response = await client.post(
        "/api/v1/users", json={**NEW_USER, **change}, headers=admin.headers
    )
    body = assert_problem(response, 422, code)
    assert body.get("errors"), body
    assert await row_counts(app) == before


async def test_duplicate_username_is_a_conflict(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    assert (
        await client.post("/api/v1/users", json=NEW_USER, headers=admin.headers)
    ).status_code == 201
    before = await row_counts(app)
    assert_problem(
        await client.post("/api/v1/users", json=NEW_USER, headers=admin.headers),
        409,
        "username_taken",
    )
    assert await row_counts(app) == before


async def test_stale_if_match_is_refused_with_the_current_state(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    org = await make_org(app)
    first = await client.patch(
        f"/api/v1/organizations/{org.id}",
        json={"city": "Busan"},
        headers={**admin.headers, "If-Match": "1"},
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = await client.patch(
        f"/api/v1/organizations/{org.id}",
        json={"city": "Incheon"},
        headers={**admin.headers, "If-Match": "1"},
    )
    body = assert_problem(stale, 412, "version_mismatch")
    assert body["current"]["city"] == "Busan"


async def test_idempotency_key_repeat_returns_the_first_result(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    headers = {**admin.headers, "Idempotency-Key": "org-create-1"}
    body = {"name": "Shanghai", "country": "CN", "city": "Shanghai"}
    first = await client.post("/api/v1/organizations", json=body, headers=headers)
    before = await row_counts(app)
    again = await client.post("/api/v1/organizations", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await row_counts(app) == before
    other = await client.post(
        "/api/v1/organizations", json={**body, "name": "Other"}, headers=headers
    )
    assert_problem(other, 422, "idempotency_key_reused")


async def test_audit_log_lists_user_changes_for_admins_only(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    member = await make_user(app)
    await client.post("/api/v1/users", json=NEW_USER, headers=admin.headers)
    assert_problem(await client.get("/api/v1/audit", headers=member.headers), 403, "admin_required")
    page = await client.get("/api/v1/audit?limit=1", headers=admin.headers)
    assert page.status_code == 200
    assert len(page.json()["items"]) == 1 and page.json()["next_cursor"]
    assert page.json()["items"][0]["action"] == "user.created"
    assert page.json()["items"][0]["actor_id"] == admin.id
    second = await client.get(
        f"/api/v1/audit?limit=1&cursor={page.json()['next_cursor']}", headers=admin.headers
    )
    assert second.json()["items"][0]["id"] < page.json()["items"][0]["id"]


async def test_audit_log_refuses_updates_and_deletes_in_the_database(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    await client.post("/api/v1/users", json=NEW_USER, headers=admin.headers)
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with app.state.db.transaction() as session:
                await session.execute(text(statement))


async def test_user_list_is_paginated(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    for _ in range(4):
        await make_user(app)
    seen: list[int] = []
    cursor = None
    while True:
        url = "/api/v1/users?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(url, headers=admin.headers)).json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5 and seen == sorted(set(seen))
    assert_problem(
        await client.get("/api/v1/users?cursor=@@", headers=admin.headers), 422, "bad_cursor"
    )


async def test_a_cursor_past_any_id_is_refused_not_a_server_error(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # A cursor is base64 of "v1:<id>"; one past the 32-bit ids of the users table made the
    # database refuse the query (500).
    admin = await make_user(app, role="admin")
    for position in (2**31, 2**63, 10**30, -1):
        cursor = encode_cursor(position)
        assert_problem(
            await client.get(f"/api/v1/users?cursor={cursor}", headers=admin.headers),
            422,
            "bad_cursor",
        )
    last = encode_cursor(2**31 - 1)
    page = await client.get(f"/api/v1/users?cursor={last}", headers=admin.headers)
    assert page.status_code == 200 and page.json()["items"] == []


@pytest.mark.parametrize(
    ("path", "change", "fields"),
    [
        ("organizations", {"name": None, "city": None}, {"name", "city"}),
        ("organizations", {"name_lang": None, "is_active": None}, {"name_lang", "is_active"}),
        ("users", {"display_name": None, "role": None}, {"display_name", "role"}),
        ("users", {"password": None, "is_active": None}, {"password", "is_active"}),
        ("users", {"locale": None, "timezone": None}, {"locale", "timezone"}),
    ],
)
async def test_null_for_a_field_that_cannot_be_empty_is_invalid_input_and_writes_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    path: str,
    change: dict[str, object],
    fields: set[str],
) -> None:
    # Found by fuzzing: these nulls reached the NOT NULL columns (500), and a null password
    # crashed the password check (500).
    admin = await make_user(app, role="admin")
    org = await make_org(app)
    member = await make_user(app, org=org)
    target = org.id if path == "organizations" else member.id
    before = await row_counts(app)
    response = await client.patch(f"/api/v1/{path}/{target}", json=change, headers=admin.headers)
    body = assert_problem(response, 422, "invalid_input")
    assert {e["field"] for e in body["errors"]} == fields
    assert await row_counts(app) == before


async def test_null_organization_and_translations_still_clear_what_may_be_empty(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    org = await make_org(app)
    member = await make_user(app, org=org)
    cleared = await client.patch(
        f"/api/v1/organizations/{org.id}", json={"translations": None}, headers=admin.headers
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["translations"] == {}
    moved = await client.patch(
        f"/api/v1/users/{member.id}", json={"organization_id": None}, headers=admin.headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["organization_id"] is None


async def test_nul_characters_in_text_are_refused_before_they_reach_the_database(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # PostgreSQL cannot store U+0000 in text (SQLite can): 500 (found by fuzzing in a thread
    # title; the same for every free-text field and filter).
    admin = await make_user(app, role="admin")
    org = await make_org(app)
    before = await row_counts(app)
    for method, url, body, field in [
        ("PATCH", f"/api/v1/organizations/{org.id}", {"city": "Seo\x00ul"}, "city"),
        ("POST", "/api/v1/users", {**NEW_USER, "display_name": "赵\x00敏"}, "display_name"),
        ("POST", "/api/v1/auth/login", {"username": "x\x00", "password": "p"}, "username"),
    ]:
        response = await client.request(method, url, json=body, headers=admin.headers)
        problem = assert_problem(response, 422, "invalid_input")
        assert [e["field"] for e in problem["errors"]] == [field]
    assert_problem(
        await client.get("/api/v1/audit?action=user.%00", headers=admin.headers),
        422,
        "invalid_input",
    )
    assert await row_counts(app) == before
