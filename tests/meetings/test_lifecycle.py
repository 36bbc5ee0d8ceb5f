"""The whole life of a bilateral (Seoul-Beijing) and a multilateral meeting over the API:
schedule, agenda, minutes, approvals by each delegation, an approval withdrawn by a later edit,
an amendment, action items overdue and carried over into the next meeting of the channel."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import col

from server.identity.models import AuditEntry
from tests.helpers import assert_problem
from tests.meetings.conftest import (
    Cast,
    add_agenda,
    approve,
    bilateral_body,
    changes_in,
    create_meeting,
    put_minutes,
    set_status,
)


async def test_bilateral_meeting_from_schedule_to_amended_minutes(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    meeting = await create_meeting(client, cast.seoul_chair, bilateral_body(cast))
    mid = meeting["id"]
    assert meeting["status"] == "draft" and meeting["allowed_transitions"] == [
        "scheduled",
        "cancelled",
    ]
    local = {t["organization_id"]: t for t in meeting["local_times"]}
    assert local[cast.seoul.id]["timezone"] == "Asia/Seoul"
    assert local[cast.seoul.id]["starts_at"] == "2027-03-10T10:00:00+09:00"
    assert local[cast.beijing.id]["starts_at"] == "2027-03-10T09:00:00+08:00"
    roles = {p["username"]: p["role"] for p in meeting["participants"]}
    assert roles["seoul.chair"] == "chair" and roles["seoul.observer"] == "observer"

    # The invited learn of it in their own scope.
    invited = await changes_in(app, f"user:{cast.beijing_chair.id}")
    assert [
        json.loads(c.data)["meeting"]["title"] for c in invited if c.entity == "meeting_participant"
    ] == [meeting["title"]]

    # Agenda: two items, each with a thread in the meeting's channel; reorder.
    first = await add_agenda(
        client,
        cast.seoul_secretary,
        mid,
        "대기질 공동연구",
        translations={"zh-Hans": "空气质量联合研究"},
        presenter_id=cast.beijing_chair.id,
        duration_minutes=30,
    )
    second = await add_agenda(client, cast.seoul_secretary, mid, "청년 교류 프로그램")
    assert first["thread_id"] and second["thread_id"]
    thread = await client.get(
        f"/api/v1/threads/{first['thread_id']}", headers=cast.beijing_chair.headers
    )
    assert thread.json()["channel_id"] == cast.channel_id
    order_url = f"/api/v1/meetings/{mid}/agenda/order"
    stale = await client.put(
        order_url,
        json={"item_ids": [second["id"], first["id"]]},
        headers={**cast.seoul_secretary.headers, "If-Match": "1"},
    )
    assert_problem(stale, 412, "version_mismatch")
    reordered = await client.put(
        order_url,
        json={"item_ids": [second["id"], first["id"]]},
        headers={**cast.seoul_secretary.headers, "If-Match": "3"},
    )
    assert [i["id"] for i in reordered.json()] == [second["id"], first["id"]]

    # Minutes are not open before the meeting starts.
    early = await put_minutes(
        client, cast.seoul_secretary, mid, [{"agenda_item_id": first["id"], "notes": "x"}]
    )
    assert_problem(early, 409, "minutes_not_open")

    await set_status(client, cast.seoul_chair, mid, "scheduled", "in_progress", "held")
    written = await put_minutes(
        client,
        cast.seoul_secretary,
        mid,
        [
            {
                "agenda_item_id": first["id"],
                "notes": "**미세먼지** 공동 관측",
                "translations": {"zh-Hans": "**细颗粒物** 联合观测"},
            },
            {"agenda_item_id": second["id"], "notes": "청년 교류 2027년 확대"},
        ],
        version=0,
    )
    assert written.status_code == 200, written.text
    minutes = written.json()
    assert minutes["version"] == 1 and minutes["state"] == "draft"
    html = {s["agenda_item_id"]: s["notes_html"] for s in minutes["sections"]}
    assert "<strong>미세먼지</strong>" in html[first["id"]]
    decision = await client.post(
        f"/api/v1/meetings/{mid}/decisions",
        json={"agenda_item_id": first["id"], "text": "공동 관측소 2곳 설치"},
        headers=cast.beijing_secretary.headers,
    )
    assert decision.status_code == 201, decision.text

    # Approvals: not before review; then Seoul, an edit withdraws it, both approve.
    assert_problem(await approve(client, cast.seoul_chair, mid), 409, "minutes_not_in_review")
    await set_status(client, cast.seoul_chair, mid, "minutes_review")
    forced = await client.patch(
        f"/api/v1/meetings/{mid}", json={"status": "approved"}, headers=cast.seoul_chair.headers
    )
    assert_problem(forced, 409, "minutes_not_approved")
    seoul_ok = await approve(client, cast.seoul_chair, mid)
    assert seoul_ok.status_code == 200, seoul_ok.text
    assert seoul_ok.json()["state"] == "in_review"
    assert seoul_ok.json()["pending_organization_ids"] == [cast.beijing.id]
    assert_problem(await approve(client, cast.seoul_secretary, mid), 409, "already_approved")

    edit = await put_minutes(
        client,
        cast.beijing_secretary,
        mid,
        [{"agenda_item_id": second["id"], "notes": "청년 교류 2027년 두 배로 확대"}],
        version=2,
    )
    assert edit.status_code == 200, edit.text
    withdrawn = edit.json()["withdrawn_approvals"]
    assert [w["organization_id"] for w in withdrawn] == [cast.seoul.id]
    assert edit.json()["approvals"] == [] and edit.json()["state"] == "draft"
    logged = [
        json.loads(c.data) for c in await changes_in(app, f"meeting:{mid}") if c.entity == "minutes"
    ]
    assert logged[-1]["withdrawn_approvals"][0]["organization_id"] == cast.seoul.id

    assert (await approve(client, cast.beijing_secretary, mid)).status_code == 200
    final = await approve(client, cast.seoul_secretary, mid)
    assert final.json()["state"] == "approved" and final.json()["approved_amendment"] == 0
    got = await client.get(f"/api/v1/meetings/{mid}", headers=cast.seoul_chair.headers)
    assert got.json()["status"] == "approved"

    # Approved minutes are frozen: a later change is amendment 1, with its own approvals.
    amended = await put_minutes(
        client,
        cast.seoul_secretary,
        mid,
        [{"agenda_item_id": first["id"], "notes": "**미세먼지** 공동 관측 (관측소 3곳)"}],
    )
    assert amended.status_code == 200, amended.text
    body = amended.json()
    assert body["amendment_opened"] is True and body["amendment"] == 1
    assert body["withdrawn_approvals"] == [] and body["approved_amendment"] == 0
    assert body["state"] == "draft" and body["status"] == "approved"
    assert (await approve(client, cast.beijing_chair, mid)).json()["state"] == "in_review"
    done = await approve(client, cast.seoul_chair, mid)
    assert done.json()["state"] == "approved" and done.json()["approved_amendment"] == 1

    history = await client.get(
        f"/api/v1/meetings/{mid}/minutes/history", headers=cast.observer.headers
    )
    first_versions = [
        (r["version"], r["amendment"]) for r in history.json() if r["agenda_item_id"] == first["id"]
    ]
    assert first_versions == [(1, 0), (2, 1)]

    # Public bodies are asked who approved what: every approval is in the audit log.
    async with app.state.db.session(write=False) as session:
        approvals = (
            await session.execute(
                select(AuditEntry)
                .where(col(AuditEntry.action) == "minutes.approved")
                .order_by(col(AuditEntry.id))
            )
        ).scalars()
        assert [a.actor_id for a in approvals] == [
            cast.seoul_chair.id,
            cast.beijing_secretary.id,
            cast.seoul_secretary.id,
            cast.beijing_chair.id,
            cast.seoul_chair.id,
        ]


async def test_multilateral_meeting_needs_every_delegation_and_carries_action_items_over(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    body = bilateral_body(
        cast,
        title="서울-중국 자매우호도시 다자회의",
        organization_ids=[cast.seoul.id, cast.beijing.id, cast.shanghai.id],
        participants=[
            {"user_id": cast.beijing_chair.id, "role": "chair"},
            {"user_id": cast.shanghai_chair.id, "role": "chair"},
            {"user_id": cast.seoul_secretary.id, "role": "secretary"},
            {"user_id": cast.observer.id, "role": "member"},
        ],
    )
    meeting = await create_meeting(client, cast.seoul_chair, body)
    mid = meeting["id"]
    assert len(meeting["local_times"]) == 3
    item = await add_agenda(client, cast.seoul_chair, mid, "기후 협력")
    await set_status(client, cast.seoul_chair, mid, "scheduled", "in_progress")
    minutes = await put_minutes(
        client, cast.seoul_secretary, mid, [{"agenda_item_id": item["id"], "notes": "협력 합의"}]
    )
    assert minutes.status_code == 200, minutes.text
    decision = (
        await client.post(
            f"/api/v1/meetings/{mid}/decisions",
            json={"agenda_item_id": item["id"], "text": "공동 보고서 작성"},
            headers=cast.seoul_secretary.headers,
        )
    ).json()
    overdue = await client.post(
        f"/api/v1/meetings/{mid}/action-items",
        json={
            "title": "Draft the joint report",
            "owner_id": cast.shanghai_chair.id,
            "due_date": "2020-01-31",
            "decision_id": decision["id"],
        },
        headers=cast.seoul_secretary.headers,
    )
    assert overdue.status_code == 201, overdue.text
    assert overdue.json()["organization_id"] == cast.shanghai.id
    assert overdue.json()["agenda_item_id"] == item["id"] and overdue.json()["overdue"] is True
    later = await client.post(
        f"/api/v1/meetings/{mid}/action-items",
        json={
            "title": "Share air data",
            "owner_id": cast.beijing_chair.id,
            "due_date": "2099-01-01",
        },
        headers=cast.seoul_secretary.headers,
    )
    assert later.status_code == 201, later.text
    closed = await client.post(
        f"/api/v1/meetings/{mid}/action-items",
        json={"title": "Book rooms", "owner_id": cast.observer.id},
        headers=cast.seoul_secretary.headers,
    )
    closed_url = f"/api/v1/action-items/{closed.json()['id']}"
    # The owner (not a chair or secretary) may change only the status.
    assert_problem(
        await client.patch(closed_url, json={"title": "x"}, headers=cast.observer.headers),
        403,
        "not_action_item_editor",
    )
    stale = await client.patch(
        closed_url, json={"status": "done"}, headers={**cast.observer.headers, "If-Match": "7"}
    )
    assert_problem(stale, 412, "version_mismatch")
    done = await client.patch(
        closed_url, json={"status": "done"}, headers={**cast.observer.headers, "If-Match": "1"}
    )
    assert done.status_code == 200 and done.json()["status"] == "done"

    mine = await client.get(
        "/api/v1/action-items?owner=me&overdue=true", headers=cast.shanghai_chair.headers
    )
    assert [i["id"] for i in mine.json()["items"]] == [overdue.json()["id"]]
    by_org = await client.get(
        f"/api/v1/action-items?organization_id={cast.beijing.id}&status=open",
        headers=cast.seoul_chair.headers,
    )
    assert [i["title"] for i in by_org.json()["items"]] == ["Share air data"]
    nothing = await client.get("/api/v1/action-items", headers=cast.outsider.headers)
    assert nothing.json()["items"] == []

    # Approval by all three delegations.
    await set_status(client, cast.seoul_chair, mid, "held", "minutes_review")
    for who in (cast.seoul_chair, cast.beijing_chair):
        response = await approve(client, who, mid)
        assert response.json()["state"] == "in_review"
    assert response.json()["pending_organization_ids"] == [cast.shanghai.id]
    final = await approve(client, cast.shanghai_chair, mid)
    assert final.json()["state"] == "approved"

    # The next meeting of the same channel carries the open items over.
    follow_up = await create_meeting(
        client,
        cast.seoul_chair,
        {
            **body,
            "title": "2차 다자회의",
            "starts_at": "2027-09-10T01:00:00Z",
            "ends_at": "2027-09-10T03:00:00Z",
        },
    )
    carried = await client.get(
        f"/api/v1/meetings/{follow_up['id']}/action-items", headers=cast.shanghai_chair.headers
    )
    rows = {i["title"]: i for i in carried.json()}
    assert set(rows) == {"Draft the joint report", "Share air data"}
    assert all(r["carried_over"] and r["meeting_id"] == mid for r in rows.values())
