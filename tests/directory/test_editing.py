"""Administrators edit regions, sectors and glossary terms in place (PATCH with If-Match), the
way cities and partnerships are edited: only the fields sent change, each real change is one new
version with one change row and one audit entry, and a PATCH that changes nothing writes
nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from server.core.db import Database
from tests.directory.helpers import DIRECTORY_TABLES, post
from tests.factories import Person, make_user
from tests.helpers import assert_problem, row_counts

WRITTEN = (*DIRECTORY_TABLES, "audit_log")


@dataclass(frozen=True)
class Editable:
    """One kind of entity under test, and the bodies the shared tests send it."""

    entity: str
    path: str
    change: dict[str, Any]
    expected: dict[str, Any]
    same: dict[str, Any]
    nulls: dict[str, Any]


EDITABLE = [
    Editable(
        entity="region",
        path="/regions",
        change={"kind": "special_self_governing_province", "translations": {"en": "Jeju"}},
        expected={"kind": "special_self_governing_province", "translations": {"en": "Jeju"}},
        same={"name": "제주도", "kind": "province", "translations": {"en": "Jeju Province"}},
        nulls={"name": None, "kind": None},
    ),
    Editable(
        entity="sector",
        path="/sectors",
        change={"name": "체육 교류", "translations": {"en": "Sports exchange"}},
        expected={"name": "체육 교류", "translations": {"en": "Sports exchange"}},
        same={"name": "체육", "name_lang": "ko", "translations": {"en": "Sports"}},
        nulls={"name": None},
    ),
    Editable(
        entity="glossary_term",
        path="/glossary",
        change={"terms": {"ko": "협약", "zh-Hans": "协议", "en": "agreement"}, "note": "MOU"},
        expected={"terms": {"ko": "협약", "zh-Hans": "协议", "en": "agreement"}, "note": "MOU"},
        same={"terms": {"ko": "협약", "zh-Hans": "协议"}, "note": ""},
        nulls={"terms": None, "note": None},
    ),
]
BY_ENTITY = {e.entity: e for e in EDITABLE}


async def _make(client: httpx.AsyncClient, admin: Person, entity: str) -> dict[str, Any]:
    """A fresh entity of that kind, at version 1 (the `same` bodies above describe it)."""
    if entity == "region":
        body: dict[str, Any] = {
            "name": "제주도",
            "country": "KR",
            "kind": "province",
            "translations": {"en": "Jeju Province"},
        }
        return await post(client, admin, "/regions", body)
    if entity == "sector":
        body = {"code": "sports", "name": "체육", "translations": {"en": "Sports"}}
        return await post(client, admin, "/sectors", body)
    return await post(client, admin, "/glossary", {"terms": {"ko": "협약", "zh-Hans": "协议"}})


async def _patch(
    client: httpx.AsyncClient,
    who: Person,
    path: str,
    body: dict[str, Any],
    version: int | None = 1,
) -> httpx.Response:
    headers = {**who.headers, **({"If-Match": str(version)} if version is not None else {})}
    return await client.patch(f"/api/v1{path}", json=body, headers=headers)


async def _changes(app: FastAPI, entity: str) -> list[tuple[str, int, dict[str, Any]]]:
    db: Database = app.state.db
    async with db.session(write=False) as session:
        rows = await session.execute(
            text("SELECT op, version, data FROM change_log WHERE entity = :e ORDER BY seq"),
            {"e": entity},
        )
        return [(r[0], r[1], json.loads(r[2])) for r in rows.all()]


async def _audit_actions(app: FastAPI) -> list[str]:
    db: Database = app.state.db
    async with db.session(write=False) as session:
        rows = await session.execute(text("SELECT action FROM audit_log ORDER BY id"))
        return [r[0] for r in rows.all()]


@pytest.fixture
async def admin(app: FastAPI) -> Person:
    return await make_user(app, role="admin")


# ---- what the three share ---------------------------------------------------------------

ENTITIES = pytest.mark.parametrize("spec", EDITABLE, ids=lambda e: e.entity)


@ENTITIES
async def test_an_administrator_edits_it_as_a_new_version_with_a_change_row(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, spec: Editable
) -> None:
    made = await _make(client, admin, spec.entity)
    edited = await _patch(client, admin, f"{spec.path}/{made['id']}", spec.change)
    assert edited.status_code == 200, edited.text
    assert edited.json() == {**made, **spec.expected, "version": 2}
    assert await _changes(app, spec.entity) == [
        ("created", 1, made),
        ("updated", 2, edited.json()),
    ]
    assert f"{spec.entity}.updated" in await _audit_actions(app)
    got = await client.get(f"/api/v1{spec.path}/{made['id']}", headers=admin.headers)
    assert got.json() == edited.json()


@ENTITIES
async def test_a_stale_if_match_is_refused_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, spec: Editable
) -> None:
    made = await _make(client, admin, spec.entity)
    path = f"{spec.path}/{made['id']}"
    assert (await _patch(client, admin, path, spec.change)).status_code == 200
    before = await row_counts(app, WRITTEN)
    stale = await _patch(client, admin, path, spec.same, version=1)
    current = assert_problem(stale, 412, "version_mismatch")["current"]
    assert current == {**made, **spec.expected, "version": 2}
    assert await row_counts(app, WRITTEN) == before


@ENTITIES
async def test_a_member_may_not_edit_and_nothing_is_written(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, spec: Editable
) -> None:
    member = await make_user(app)
    made = await _make(client, admin, spec.entity)
    before = await row_counts(app, DIRECTORY_TABLES)
    refused = await _patch(client, member, f"{spec.path}/{made['id']}", spec.change)
    assert_problem(refused, 403, "admin_required")
    assert await row_counts(app, DIRECTORY_TABLES) == before


@ENTITIES
async def test_an_unknown_id_is_not_found(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, spec: Editable
) -> None:
    before = await row_counts(app, WRITTEN)
    missing = await _patch(client, admin, f"{spec.path}/999999", spec.change, version=None)
    assert_problem(missing, 404, "not_found")
    assert_problem(
        await client.get(f"/api/v1{spec.path}/999999", headers=admin.headers), 404, "not_found"
    )
    assert await row_counts(app, WRITTEN) == before


@ENTITIES
async def test_a_patch_that_changes_nothing_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, spec: Editable
) -> None:
    made = await _make(client, admin, spec.entity)
    before = await row_counts(app, WRITTEN)
    for body in ({}, spec.same):
        same = await _patch(client, admin, f"{spec.path}/{made['id']}", body)
        assert same.status_code == 200, same.text
        assert same.json() == made
    assert await row_counts(app, WRITTEN) == before


@ENTITIES
async def test_null_for_a_field_that_cannot_be_empty_is_invalid_input(
    app: FastAPI, client: httpx.AsyncClient, admin: Person, spec: Editable
) -> None:
    made = await _make(client, admin, spec.entity)
    before = await row_counts(app, WRITTEN)
    refused = await _patch(client, admin, f"{spec.path}/{made['id']}", spec.nulls)
    problem = assert_problem(refused, 422, "invalid_input")
    assert {e["field"] for e in problem["errors"]} == set(spec.nulls)
    assert await row_counts(app, WRITTEN) == before


# ---- regions ----------------------------------------------------------------------------


async def test_a_taken_region_name_is_a_conflict_on_the_name_field(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    jeju = await _make(client, admin, "region")
    await post(client, admin, "/regions", {"name": "경기도", "country": "KR", "kind": "province"})
    guangdong = await post(
        client, admin, "/regions", {"name": "广东省", "country": "CN", "kind": "province"}
    )
    before = await row_counts(app, WRITTEN)
    taken = await _patch(client, admin, f"/regions/{jeju['id']}", {"name": "경기도"})
    assert assert_problem(taken, 409, "region_exists")["errors"][0]["field"] == "name"
    assert await row_counts(app, WRITTEN) == before
    # Names are unique per country: the same name in the other country is free.
    elsewhere = await _patch(client, admin, f"/regions/{guangdong['id']}", {"name": "경기도"})
    assert elsewhere.status_code == 200, elsewhere.text


async def test_the_country_of_a_region_does_not_change(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    jeju = await _make(client, admin, "region")
    refused = await _patch(client, admin, f"/regions/{jeju['id']}", {"country": "CN"})
    assert assert_problem(refused, 422, "invalid_input")["errors"][0]["field"] == "country"


# ---- sectors ----------------------------------------------------------------------------


async def test_a_sector_takes_another_original_language_and_keeps_its_old_name(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    sectors = (await client.get("/api/v1/sectors", headers=admin.headers)).json()["items"]
    tourism = next(s for s in sectors if s["code"] == "tourism")
    swapped = await _patch(client, admin, f"/sectors/{tourism['id']}", {"name_lang": "en"})
    assert swapped.status_code == 200, swapped.text
    assert (swapped.json()["name"], swapped.json()["name_lang"]) == ("Tourism", "en")
    assert swapped.json()["translations"] == {"ko": "관광", "zh-Hans": "旅游"}
    # A seeded sector has no change row of its creation; its edit has one.
    assert [(op, version) for op, version, _ in await _changes(app, "sector")] == [("updated", 2)]


async def test_the_code_of_a_sector_does_not_change(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    sports = await _make(client, admin, "sector")
    before = await row_counts(app, WRITTEN)
    refused = await _patch(client, admin, f"/sectors/{sports['id']}", {"code": "tourism"})
    assert assert_problem(refused, 422, "invalid_input")["errors"][0]["field"] == "code"
    assert await row_counts(app, WRITTEN) == before


# ---- glossary ---------------------------------------------------------------------------


async def test_a_glossary_term_moves_between_sectors_and_out_of_them(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    term = await _make(client, admin, "glossary_term")
    sports = await _make(client, admin, "sector")
    path = f"/glossary/{term['id']}"
    moved = await _patch(client, admin, path, {"sector_id": sports["id"]})
    assert moved.json()["sector_id"] == sports["id"], moved.text
    out = await _patch(client, admin, path, {"sector_id": None}, version=2)
    assert (out.json()["sector_id"], out.json()["version"]) == (None, 3), out.text
    unknown = await _patch(client, admin, path, {"sector_id": 999999}, version=3)
    assert assert_problem(unknown, 422, "unknown_sector")["errors"][0]["field"] == "sector_id"


async def test_an_edited_glossary_term_still_needs_two_short_enough_languages(
    app: FastAPI, client: httpx.AsyncClient, admin: Person
) -> None:
    term = await _make(client, admin, "glossary_term")
    before = await row_counts(app, WRITTEN)
    path = f"/glossary/{term['id']}"
    one = await _patch(client, admin, path, {"terms": {"ko": "협약", "zh-Hans": " "}})
    assert assert_problem(one, 422, "glossary_needs_two_languages")["errors"][0]["field"] == "terms"
    # Longer than the column (PostgreSQL answered 500 for such a term, on POST too).
    long_term = {"ko": "가" * 201, "en": "agreement"}
    for method, url, body in (
        ("PATCH", f"/api/v1{path}", {"terms": long_term}),
        ("POST", "/api/v1/glossary", {"terms": long_term}),
    ):
        response = await client.request(method, url, json=body, headers=admin.headers)
        problem = assert_problem(response, 422, "invalid_input")
        assert [e["field"] for e in problem["errors"]] == ["terms.ko"]
    assert await row_counts(app, WRITTEN) == before
