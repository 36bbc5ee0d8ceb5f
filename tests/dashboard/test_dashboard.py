"""The dashboard's figures, computed from known data, and limited to what the reader sees."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from tests.directory.helpers import seoul_beijing
from tests.discussion.conftest import make_channel, make_thread, post
from tests.factories import make_user
from tests.helpers import assert_problem
from tests.meetings.conftest import Cast, bilateral_body, cast, create_meeting, set_status

__all__ = ["cast"]  # the meetings fixture, used here


async def _meeting(client: httpx.AsyncClient, cast: Cast, year: int) -> dict[str, Any]:
    return await create_meeting(
        client,
        cast.seoul_chair,
        bilateral_body(
            cast, starts_at=f"{year}-05-01T01:00:00Z", ends_at=f"{year}-05-01T02:00:00Z"
        ),
    )


async def test_dashboard_figures_from_known_data(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    admin = await make_user(app, role="admin")
    directory = await seoul_beijing(client, admin)
    for org, city in ((cast.seoul, directory["seoul"]), (cast.beijing, directory["beijing"])):
        linked = await client.put(
            f"/api/v1/directory/organization-cities/{org.id}",
            json={"city_id": city["id"]},
            headers=admin.headers,
        )
        assert linked.status_code == 200, linked.text
    sectors = (await client.get("/api/v1/sectors", headers=admin.headers)).json()["items"]
    environment = next(s for s in sectors if s["code"] == "environment")
    paired = await client.post(
        "/api/v1/counterparts",
        json={
            "partnership_id": directory["partnership"]["id"],
            "sector_id": environment["id"],
            "kr_user_id": cast.seoul_chair.id,
            "cn_user_id": cast.beijing_chair.id,
        },
        headers=admin.headers,
    )
    assert paired.status_code == 201, paired.text

    # Meetings: two in 2026, one in 2027, and a cancelled one that does not count.
    first = await _meeting(client, cast, 2026)
    await _meeting(client, cast, 2026)
    await _meeting(client, cast, 2027)
    cancelled = await _meeting(client, cast, 2027)
    await set_status(client, cast.seoul_chair, cancelled["id"], "cancelled")
    await set_status(client, cast.seoul_chair, first["id"], "scheduled", "in_progress")
    items = [
        ("Share air data", cast.beijing_chair.id, "2020-01-01"),
        ("Translate the report", cast.beijing_secretary.id, "2099-01-01"),
        ("Book rooms", cast.seoul_secretary.id, None),
    ]
    for title, owner, due in items:
        made = await client.post(
            f"/api/v1/meetings/{first['id']}/action-items",
            json={"title": title, "owner_id": owner, "due_date": due},
            headers=cast.seoul_secretary.headers,
        )
        assert made.status_code == 201, made.text

    # Activity: three messages this month in a channel of its own.
    channel = await make_channel(client, cast.seoul_chair, [cast.beijing_chair])
    thread = await make_thread(client, cast.seoul_chair, channel, "dashboard")
    for body in ("하나", "二", "three"):
        await post(client, cast.seoul_chair, thread, body)

    response = await client.get("/api/v1/dashboard", headers=cast.beijing_chair.headers)
    assert response.status_code == 200, response.text
    figures = response.json()
    assert [
        (c["city_name"], c["year"], c["meetings"])
        for c in figures["meetings_per_partner_city_year"]
    ] == [("北京", 2026, 2), ("北京", 2027, 1)]
    per_org = {
        a["organization_id"]: (a["open"], a["overdue"])
        for a in figures["action_items_per_organization"]
    }
    assert per_org == {cast.beijing.id: (2, 1), cast.seoul.id: (1, 0)}
    month = datetime.now(UTC).strftime("%Y-%m")
    assert {
        "channel_id": channel,
        "channel_name": figures["activity_per_channel_month"][0]["channel_name"],
        "month": month,
        "messages": 3,
    } in figures["activity_per_channel_month"]
    by_sector = {s["code"]: s["partnerships"] for s in figures["partnerships_per_sector"]}
    assert by_sector["environment"] == 1 and by_sector["tourism"] == 0

    # Someone outside every meeting and channel sees none of their numbers.
    outside = (await client.get("/api/v1/dashboard", headers=cast.outsider.headers)).json()
    assert outside["meetings_per_partner_city_year"] == []
    assert outside["action_items_per_organization"] == []
    assert channel not in [a["channel_id"] for a in outside["activity_per_channel_month"]]


async def test_dashboard_needs_a_signed_in_reader_and_a_sane_window(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    assert_problem(await client.get("/api/v1/dashboard"), 401, "unauthorized")
    member = await make_user(app)
    bad = await client.get("/api/v1/dashboard", params={"months": 0}, headers=member.headers)
    assert_problem(bad, 422, "invalid_input")
