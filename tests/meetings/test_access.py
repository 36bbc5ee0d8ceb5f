"""Who may see and do what: outsiders see nothing (not even in search), observers cannot edit
minutes, a participant outside the delegations cannot approve; forbidden status transitions."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from server.identity.service import Principal
from server.meetings import access as meetings
from server.search import service as search
from tests.helpers import assert_problem, row_counts
from tests.meetings.conftest import (
    MEETING_TABLES,
    Cast,
    add_agenda,
    approve,
    bilateral_body,
    create_meeting,
    put_minutes,
    set_status,
)


def _principal(cast_person_id: int, org_id: int | None) -> Principal:
    return Principal(
        user_id=cast_person_id,
        username="",
        role="member",
        organization_id=org_id,
        is_bot=False,
        token_id=0,
        scopes=None,
        channel_ids=None,
    )


async def test_outsider_sees_nothing_of_a_meeting_not_even_in_search(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    meeting = await create_meeting(client, cast.seoul_chair, bilateral_body(cast))
    mid = meeting["id"]
    item = await add_agenda(client, cast.seoul_chair, mid, "미세먼지저감 협력사업")
    await set_status(client, cast.seoul_chair, mid, "scheduled", "in_progress")
    await put_minutes(
        client, cast.seoul_secretary, mid, [{"agenda_item_id": item["id"], "notes": "黄沙 观测"}]
    )
    h = cast.outsider.headers  # a member of the meeting's channel, but not of the meeting
    for path in (
        f"/meetings/{mid}",
        f"/meetings/{mid}/agenda",
        f"/meetings/{mid}/minutes",
        f"/meetings/{mid}/minutes/history",
        f"/meetings/{mid}/minutes/export?format=docx",
        f"/meetings/{mid}/ics",
        f"/meetings/{mid}/action-items",
    ):
        assert_problem(await client.get(f"/api/v1{path}", headers=h), 404, "not_found")
    before = await row_counts(app, MEETING_TABLES)
    assert_problem(
        await client.patch(f"/api/v1/meetings/{mid}", json={"title": "x"}, headers=h),
        404,
        "not_found",
    )
    assert_problem(
        await client.patch(f"/api/v1/agenda-items/{item['id']}", json={"title": "x"}, headers=h),
        404,
        "not_found",
    )
    assert_problem(await approve(client, cast.outsider, mid), 404, "not_found")
    assert await row_counts(app, MEETING_TABLES) == before
    assert (await client.get("/api/v1/meetings", headers=h)).json()["items"] == []
    found = await client.get("/api/v1/search?q=미세먼지&kind=all", headers=h)
    assert all(hit.get("meeting_id") != mid for hit in found.json()["items"])
    for q in ("黄沙", "서울-베이징"):
        hits = await client.get(f"/api/v1/search?q={q}&kind=meetings", headers=h)
        assert hits.json()["items"] == []

    # The index holds the meeting under the meeting only; participants (and members of the
    # delegations) find it, the outsider does not.
    async with app.state.db.session(write=False) as session:
        for who, org, expected in (
            (cast.outsider, None, []),
            (cast.interpreter, None, [mid]),
            (cast.beijing_chair, cast.beijing.id, [mid]),
        ):
            principal = _principal(who.id, org)
            ids = await meetings.visible_meeting_ids(session, principal)
            page = await search.search(
                session, "黄沙", kinds=("meeting",), channel_ids=[], meeting_ids=ids
            )
            assert [h.id for h in page.hits] == expected
            assert await meetings.can_read_meeting(session, principal, mid) == bool(expected)


async def test_members_of_a_delegation_see_the_meeting_without_being_invited(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    body = bilateral_body(cast, participants=[])
    meeting = await create_meeting(client, cast.seoul_chair, body)
    seen = await client.get(
        f"/api/v1/meetings/{meeting['id']}", headers=cast.beijing_secretary.headers
    )
    assert seen.status_code == 200
    # ... but, not being a participant, cannot write its minutes or approve them.
    await set_status(client, cast.seoul_chair, meeting["id"], "scheduled", "in_progress")
    refused = await put_minutes(client, cast.beijing_secretary, meeting["id"], [{"notes": "x"}])
    assert_problem(refused, 403, "minutes_editor_required")


async def test_observer_cannot_edit_minutes_and_interpreter_cannot_approve(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = (await create_meeting(client, cast.seoul_chair, bilateral_body(cast)))["id"]
    await set_status(client, cast.seoul_chair, mid, "scheduled", "in_progress", "held")
    before = await row_counts(app, MEETING_TABLES)
    observer = await put_minutes(client, cast.observer, mid, [{"notes": "관찰"}])
    assert_problem(observer, 403, "minutes_editor_required")
    decision = await client.post(
        f"/api/v1/meetings/{mid}/decisions", json={"text": "x"}, headers=cast.observer.headers
    )
    assert_problem(decision, 403, "minutes_editor_required")
    assert await row_counts(app, MEETING_TABLES) == before

    interpreted = await put_minutes(client, cast.interpreter, mid, [{"notes": "통역 메모"}])
    assert interpreted.status_code == 200, interpreted.text
    await set_status(client, cast.seoul_chair, mid, "minutes_review")
    before = await row_counts(app, MEETING_TABLES)
    for who in (cast.interpreter, cast.observer):
        assert_problem(await approve(client, who, mid), 403, "not_delegation_approver")
    # A chair cannot approve for the other delegation.
    other = await client.post(
        f"/api/v1/meetings/{mid}/minutes/approve",
        json={"organization_id": cast.beijing.id},
        headers=cast.seoul_chair.headers,
    )
    assert_problem(other, 403, "not_delegation_approver")
    # Approving an older version than the current one is refused with the current minutes.
    stale = await client.post(
        f"/api/v1/meetings/{mid}/minutes/approve",
        json={},
        headers={**cast.seoul_chair.headers, "If-Match": "0"},
    )
    assert assert_problem(stale, 412, "version_mismatch")["current"]["version"] == 1
    assert await row_counts(app, MEETING_TABLES) == before


async def test_forbidden_transitions_are_409_naming_the_allowed_ones(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = (await create_meeting(client, cast.seoul_chair, bilateral_body(cast)))["id"]
    before = await row_counts(app, MEETING_TABLES)
    url = f"/api/v1/meetings/{mid}"
    body = assert_problem(
        await client.patch(url, json={"status": "held"}, headers=cast.seoul_chair.headers),
        409,
        "invalid_transition",
    )
    assert body["allowed"] == ["scheduled", "cancelled"]
    assert "scheduled, cancelled" in body["detail"]
    assert await row_counts(app, MEETING_TABLES) == before
    # Only chairs and secretaries may move it.
    assert_problem(
        await client.patch(url, json={"status": "scheduled"}, headers=cast.interpreter.headers),
        403,
        "manager_required",
    )
    await set_status(client, cast.seoul_chair, mid, "cancelled")
    body = assert_problem(
        await client.patch(url, json={"status": "draft"}, headers=cast.seoul_chair.headers),
        409,
        "invalid_transition",
    )
    assert body["allowed"] == []


async def test_meeting_versions_and_bad_input(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    before = await row_counts(app, MEETING_TABLES)
    one_side = bilateral_body(cast, organization_ids=[cast.seoul.id])
    response = await client.post(
        "/api/v1/meetings", json=one_side, headers=cast.seoul_chair.headers
    )
    assert_problem(response, 422, "invalid_input")
    backwards = bilateral_body(cast, ends_at="2027-03-10T00:00:00Z")
    response = await client.post(
        "/api/v1/meetings", json=backwards, headers=cast.seoul_chair.headers
    )
    assert_problem(response, 422, "invalid_input")
    bad_zone = bilateral_body(cast, timezone="Asia/Nowhere")
    response = await client.post(
        "/api/v1/meetings", json=bad_zone, headers=cast.seoul_chair.headers
    )
    assert_problem(response, 422, "invalid_input")
    unknown = bilateral_body(cast, participant_ids=[99999])
    response = await client.post("/api/v1/meetings", json=unknown, headers=cast.seoul_chair.headers)
    assert_problem(response, 422, "unknown_user")
    assert await row_counts(app, MEETING_TABLES) == before

    meeting = await create_meeting(client, cast.seoul_chair, bilateral_body(cast))
    url = f"/api/v1/meetings/{meeting['id']}"
    moved = await client.patch(
        url,
        json={"starts_at": "2027-03-11T01:00:00Z", "ends_at": "2027-03-11T02:00:00Z"},
        headers={**cast.seoul_chair.headers, "If-Match": "1"},
    )
    assert moved.status_code == 200 and moved.json()["version"] == 2
    stale = await client.patch(
        url, json={"location": "x"}, headers={**cast.seoul_chair.headers, "If-Match": "1"}
    )
    body = assert_problem(stale, 412, "version_mismatch")
    assert body["current"]["starts_at"].startswith("2027-03-11T01:00:00")


async def test_ids_out_of_range_and_nul_in_text_are_invalid_input_and_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    # Found by fuzzing: ids past the 32-bit id columns (path, query, body, and the digits of
    # ?owner=) reached the database (500 on SQLite and PostgreSQL); NUL in text reached it too
    # (500 on PostgreSQL).
    meeting = await create_meeting(client, cast.seoul_chair, bilateral_body(cast))
    url = f"/api/v1/meetings/{meeting['id']}"
    h = cast.seoul_chair.headers
    before = await row_counts(app, MEETING_TABLES)
    for method, path, body, field in [
        ("GET", f"/api/v1/meetings/{2**31}/agenda", None, "path.meeting_id"),
        ("GET", f"/api/v1/meeting-series/{10**20}", None, "path.series_id"),
        ("GET", "/api/v1/meetings?channel_id=-1", None, "query.channel_id"),
        ("GET", f"/api/v1/action-items?owner={2**31}", None, "owner"),
        ("GET", "/api/v1/action-items?owner=0", None, "query.owner"),
        ("PATCH", f"/api/v1/agenda-items/{2**40}", {"title": "x"}, "path.item_id"),
        ("POST", f"{url}/agenda", {"title": "안건", "presenter_id": 2**31}, "presenter_id"),
        ("PATCH", url, {"location": "서울\x00시청"}, "location"),
        ("PATCH", url, {"online_url": "https://meet.example.org/\x00"}, "online_url"),
        ("POST", f"{url}/action-items", {"title": "\x00"}, "title"),
    ]:
        response = await client.request(method, path, json=body, headers=h)
        problem = assert_problem(response, 422, "invalid_input")
        assert [e["field"] for e in problem["errors"]] == [field], problem
    assert await row_counts(app, MEETING_TABLES) == before
    mine = await client.get("/api/v1/action-items?owner=me", headers=h)
    assert mine.status_code == 200, mine.text
    theirs = await client.get(f"/api/v1/action-items?owner={cast.beijing_chair.id}", headers=h)
    assert theirs.status_code == 200, theirs.text


@pytest.mark.postgres_only
async def test_a_participant_deleted_while_being_updated_is_a_conflict_not_a_server_error(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast, database_url: str
) -> None:
    # Found by fuzzing on PostgreSQL: a DELETE of a participant committed between another
    # request's read and its UPDATE, which then matched no row (StaleDataError: 500). Here the
    # DELETE holds the row until the PATCH waits on it, then commits.
    meeting = await create_meeting(client, cast.seoul_chair, bilateral_body(cast))
    observer = cast.observer.id
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        deleting = conn.transaction()
        await deleting.start()
        await conn.execute(
            "DELETE FROM meeting_participants WHERE meeting_id = $1 AND user_id = $2",
            meeting["id"],
            observer,
        )
        patch = asyncio.create_task(
            client.patch(
                f"/api/v1/meetings/{meeting['id']}/participants/{observer}",
                json={"attendance": "attended"},
                headers=cast.seoul_chair.headers,
            )
        )
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        for _ in range(200):
            if await conn.fetchval(waiting):
                break
            await asyncio.sleep(0.02)
        await deleting.commit()
        response = await asyncio.wait_for(patch, 10)
    finally:
        await conn.close()
    assert_problem(response, 409, "concurrent_change")
