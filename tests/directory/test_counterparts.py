"""Counterpart pairs: a Korean and a Chinese official per sector of a partnership; changing a
holder ends the current pair and starts the next, so the history shows who held it when."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.directory.helpers import post, seoul_beijing
from tests.factories import make_bot, make_org, make_user
from tests.helpers import assert_problem


async def test_counterpart_history(app: FastAPI, client: httpx.AsyncClient) -> None:
    admin = await make_user(app, role="admin")
    kr_org, cn_org = await make_org(app, country="KR"), await make_org(app, country="CN")
    kim, lee = await make_user(app, org=kr_org), await make_user(app, org=kr_org)
    wang = await make_user(app, org=cn_org, locale="zh-Hans", timezone="Asia/Shanghai")
    li = await make_user(app, org=cn_org, locale="zh-Hans", timezone="Asia/Shanghai")
    made = await seoul_beijing(client, admin)
    partnership_id = made["partnership"]["id"]
    sectors = (await client.get("/api/v1/sectors", headers=admin.headers)).json()["items"]
    economy, tourism = sectors[0]["id"], sectors[1]["id"]

    first = await post(
        client,
        admin,
        "/counterparts",
        {
            "partnership_id": partnership_id,
            "sector_id": economy,
            "kr_user_id": kim.id,
            "cn_user_id": wang.id,
        },
    )
    assert first["ended_at"] is None and first["previous_id"] is None
    await post(
        client,
        admin,
        "/counterparts",
        {
            "partnership_id": partnership_id,
            "sector_id": tourism,
            "kr_user_id": lee.id,
            "cn_user_id": li.id,
        },
    )
    taken = await client.post(
        "/api/v1/counterparts",
        json={
            "partnership_id": partnership_id,
            "sector_id": economy,
            "kr_user_id": lee.id,
            "cn_user_id": li.id,
        },
        headers=admin.headers,
    )
    assert assert_problem(taken, 409, "counterpart_exists")["current"]["id"] == first["id"]

    # Seoul's side changes hands, then Beijing's.
    second = await client.patch(
        f"/api/v1/counterparts/{first['id']}",
        json={"kr_user_id": lee.id},
        headers={**admin.headers, "If-Match": "1"},
    )
    assert second.status_code == 200, second.text
    second_body = second.json()
    assert second_body["id"] != first["id"] and second_body["previous_id"] == first["id"]
    assert (second_body["kr_user_id"], second_body["cn_user_id"]) == (lee.id, wang.id)
    third = await client.patch(
        f"/api/v1/counterparts/{second_body['id']}",
        json={"cn_user_id": li.id},
        headers=admin.headers,
    )
    third_body = third.json()
    assert (third_body["kr_user_id"], third_body["cn_user_id"]) == (lee.id, li.id)

    stale = await client.patch(
        f"/api/v1/counterparts/{first['id']}", json={"kr_user_id": kim.id}, headers=admin.headers
    )
    assert_problem(stale, 409, "counterpart_ended")

    current = await client.get(
        "/api/v1/counterparts",
        params={"partnership_id": partnership_id, "sector_id": economy},
        headers=wang.headers,
    )
    assert [c["id"] for c in current.json()["items"]] == [third_body["id"]]
    everything = await client.get(
        "/api/v1/counterparts", params={"partnership_id": partnership_id}, headers=wang.headers
    )
    assert len(everything.json()["items"]) == 2  # economy and tourism, current pairs only

    history = await client.get(
        f"/api/v1/counterparts/{third_body['id']}/history", headers=wang.headers
    )
    rows = history.json()["items"]
    assert [(r["kr_user_id"], r["cn_user_id"]) for r in rows] == [
        (kim.id, wang.id),
        (lee.id, wang.id),
        (lee.id, li.id),
    ]
    assert rows[0]["ended_at"] == rows[1]["started_at"]
    assert rows[1]["ended_at"] == rows[2]["started_at"]
    assert rows[2]["ended_at"] is None
    same = await client.get(f"/api/v1/counterparts/{first['id']}/history", headers=wang.headers)
    assert same.json()["items"] == rows

    ended = await client.post(f"/api/v1/counterparts/{third_body['id']}/end", headers=admin.headers)
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    none_left = await client.get(
        "/api/v1/counterparts",
        params={"partnership_id": partnership_id, "sector_id": economy},
        headers=wang.headers,
    )
    assert none_left.json()["items"] == []

    bot = await make_bot(app, admin, scopes=["directory:read"])
    assert (
        await client.get(f"/api/v1/counterparts/{first['id']}/history", headers=bot.headers)
    ).status_code == 200


async def test_counterparts_must_be_officials_of_the_right_side(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    kr_org, cn_org = await make_org(app, country="KR"), await make_org(app, country="CN")
    kim = await make_user(app, org=kr_org)
    wang = await make_user(app, org=cn_org)
    made = await seoul_beijing(client, admin)
    body = {
        "partnership_id": made["partnership"]["id"],
        "sector_id": 1,
        "kr_user_id": wang.id,
        "cn_user_id": kim.id,
    }
    response = await client.post("/api/v1/counterparts", json=body, headers=admin.headers)
    assert_problem(response, 422, "official_country_mismatch")
    response = await client.post(
        "/api/v1/counterparts",
        json={**body, "kr_user_id": kim.id, "cn_user_id": wang.id, "sector_id": 999},
        headers=admin.headers,
    )
    assert_problem(response, 422, "unknown_sector")
    member_attempt = await client.post(
        "/api/v1/counterparts",
        json={**body, "kr_user_id": kim.id, "cn_user_id": wang.id},
        headers=kim.headers,
    )
    assert_problem(member_attempt, 403, "admin_required")
