"""Meeting series: a joint committee that meets every year, with its member partnership; its
page shows every meeting, decision and open action item across years, to those who may see
them."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.directory.helpers import seoul_beijing
from tests.factories import Person, make_user
from tests.helpers import assert_problem, row_counts
from tests.meetings.conftest import (
    Cast,
    add_agenda,
    bilateral_body,
    create_meeting,
    put_minutes,
    set_status,
)


async def _held_meeting(
    client: httpx.AsyncClient, cast: Cast, series_id: int, year: int, decision: str
) -> dict[str, Any]:
    meeting = await create_meeting(
        client,
        cast.seoul_chair,
        bilateral_body(
            cast,
            series_id=series_id,
            starts_at=f"{year}-03-10T01:00:00Z",
            ends_at=f"{year}-03-10T03:00:00Z",
        ),
    )
    mid = meeting["id"]
    item = await add_agenda(client, cast.seoul_secretary, mid, f"{year} 협력 점검")
    await set_status(client, cast.seoul_chair, mid, "scheduled", "in_progress")
    written = await put_minutes(
        client, cast.seoul_secretary, mid, [{"agenda_item_id": item["id"], "notes": "논의"}]
    )
    assert written.status_code == 200, written.text
    made = await client.post(
        f"/api/v1/meetings/{mid}/decisions",
        json={"agenda_item_id": item["id"], "text": decision},
        headers=cast.seoul_secretary.headers,
    )
    assert made.status_code == 201, made.text
    return meeting


async def test_series_page_gathers_meetings_decisions_and_open_items_across_years(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    admin = await make_user(app, role="admin")
    directory = await seoul_beijing(client, admin)
    created = await client.post(
        "/api/v1/meeting-series",
        json={
            "name": "서울-베이징 공동위원회",
            "translations": {
                "zh-Hans": "首尔-北京联合委员会",
                "en": "Seoul-Beijing Joint Committee",
            },
            "partnership_ids": [directory["partnership"]["id"]],
            "channel_id": cast.channel_id,
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    series = created.json()
    assert series["partnership_ids"] == [directory["partnership"]["id"]]

    later = await _held_meeting(client, cast, series["id"], 2027, "대기질 공동 보고서 발간")
    earlier = await _held_meeting(client, cast, series["id"], 2026, "청년 교류 확대")
    assert earlier["series_id"] == series["id"]
    open_item = await client.post(
        f"/api/v1/meetings/{earlier['id']}/action-items",
        json={"title": "Exchange air data", "owner_id": cast.beijing_chair.id},
        headers=cast.seoul_secretary.headers,
    )
    done_item = await client.post(
        f"/api/v1/meetings/{later['id']}/action-items",
        json={"title": "Book rooms", "owner_id": cast.beijing_chair.id},
        headers=cast.seoul_secretary.headers,
    )
    closed = await client.patch(
        f"/api/v1/action-items/{done_item.json()['id']}",
        json={"status": "done"},
        headers=cast.seoul_secretary.headers,
    )
    assert closed.status_code == 200, closed.text
    # A meeting of the series that the Beijing chair is not part of.
    private = await create_meeting(
        client,
        cast.seoul_chair,
        {
            **bilateral_body(cast, series_id=series["id"]),
            "organization_ids": [cast.seoul.id, cast.shanghai.id],
            "participants": [],
        },
    )

    page = await client.get(
        f"/api/v1/meeting-series/{series['id']}", headers=cast.beijing_chair.headers
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert [m["id"] for m in body["meetings"]] == [earlier["id"], later["id"]]
    assert [d["text"] for d in body["decisions"]] == ["청년 교류 확대", "대기질 공동 보고서 발간"]
    assert [a["id"] for a in body["open_action_items"]] == [open_item.json()["id"]]
    assert body["years"] == [
        {"year": 2026, "meetings": 1, "decisions": 1},
        {"year": 2027, "meetings": 1, "decisions": 1},
    ]
    # An administrator sees every meeting of the series, the private one included.
    everything = await client.get(f"/api/v1/meeting-series/{series['id']}", headers=admin.headers)
    assert private["id"] in [m["id"] for m in everything.json()["meetings"]]

    listed = await client.get("/api/v1/meeting-series", headers=cast.outsider.headers)
    assert [s["id"] for s in listed.json()["items"]] == [series["id"]]
    outsider_page = await client.get(
        f"/api/v1/meeting-series/{series['id']}", headers=cast.outsider.headers
    )
    assert outsider_page.json()["meetings"] == [] and outsider_page.json()["decisions"] == []


async def test_series_writes_are_for_admins_and_bad_references_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app, ("meeting_series", "meeting_series_partnerships", "change_log"))
    member: Person = cast.seoul_chair
    refused = await client.post(
        "/api/v1/meeting-series", json={"name": "위원회"}, headers=member.headers
    )
    assert_problem(refused, 403, "admin_required")
    unknown = await client.post(
        "/api/v1/meeting-series",
        json={"name": "위원회", "partnership_ids": [999]},
        headers=admin.headers,
    )
    assert_problem(unknown, 422, "unknown_partnership")
    assert (
        await row_counts(app, ("meeting_series", "meeting_series_partnerships", "change_log"))
        == before
    )
    no_series = await client.post(
        "/api/v1/meetings", json=bilateral_body(cast, series_id=999), headers=member.headers
    )
    assert_problem(no_series, 422, "unknown_series")

    series = (
        await client.post("/api/v1/meeting-series", json={"name": "위원회"}, headers=admin.headers)
    ).json()
    stale = await client.patch(
        f"/api/v1/meeting-series/{series['id']}",
        json={"name": "공동위원회"},
        headers={**admin.headers, "If-Match": "7"},
    )
    assert_problem(stale, 412, "version_mismatch")
    renamed = await client.patch(
        f"/api/v1/meeting-series/{series['id']}",
        json={"name": "공동위원회"},
        headers={**admin.headers, "If-Match": "1"},
    )
    assert renamed.json()["name"] == "공동위원회" and renamed.json()["version"] == 2
