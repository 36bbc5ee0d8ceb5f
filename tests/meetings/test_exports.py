"""Exports: the .ics parses with icalendar (TZID, local times, attendees, same UID with a
higher SEQUENCE after an update); minutes as DOCX (opens with python-docx, holds every section,
translations side by side) and Markdown; exports are audited."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import docx
import httpx
import icalendar
from fastapi import FastAPI
from sqlalchemy import select

from server.identity.models import AuditEntry
from tests.meetings.conftest import (
    Cast,
    add_agenda,
    bilateral_body,
    create_meeting,
    put_minutes,
    set_status,
)


def _event(data: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    assert [str(t["TZID"]) for t in calendar.walk("VTIMEZONE")] == ["Asia/Seoul"]
    return events[0]


async def test_ics_has_local_times_attendees_and_a_stable_uid(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    meeting = await create_meeting(client, cast.seoul_chair, bilateral_body(cast))
    url = f"/api/v1/meetings/{meeting['id']}/ics"
    response = await client.get(url, headers=cast.beijing_chair.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert b"DTSTART;TZID=Asia/Seoul:20270310T100000" in response.content
    event = _event(response.content)
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == "Asia/Seoul"
    assert start.hour == 10
    assert start.astimezone(ZoneInfo("Asia/Shanghai")).hour == 9  # one hour apart
    assert start == datetime(2027, 3, 10, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert str(event["summary"]) == meeting["title"]
    attendees = event.get("attendee")
    assert len(attendees) == len(meeting["participants"])
    assert {str(a.params["cn"]) for a in attendees} >= {"Seoul.Chair", "Beijing.Chair"}
    uid, sequence = str(event["uid"]), int(event["sequence"])

    moved = await client.patch(
        f"/api/v1/meetings/{meeting['id']}",
        json={"starts_at": "2027-03-10T02:00:00Z", "ends_at": "2027-03-10T04:00:00Z"},
        headers=cast.seoul_chair.headers,
    )
    assert moved.status_code == 200
    local = {t["organization_id"]: t["starts_at"] for t in moved.json()["local_times"]}
    assert local == {
        cast.seoul.id: "2027-03-10T11:00:00+09:00",
        cast.beijing.id: "2027-03-10T10:00:00+08:00",
    }
    updated = _event((await client.get(url, headers=cast.seoul_chair.headers)).content)
    assert str(updated["uid"]) == uid and int(updated["sequence"]) > sequence
    assert updated.decoded("dtstart").hour == 11

    await set_status(client, cast.seoul_chair, meeting["id"], "cancelled")
    cancelled = _event((await client.get(url, headers=cast.seoul_chair.headers)).content)
    assert str(cancelled["status"]) == "CANCELLED" and str(cancelled["uid"]) == uid


async def test_minutes_export_as_docx_and_markdown_with_translations_side_by_side(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = (await create_meeting(client, cast.seoul_chair, bilateral_body(cast)))["id"]
    first = await add_agenda(client, cast.seoul_chair, mid, "대기질 공동연구")
    second = await add_agenda(client, cast.seoul_chair, mid, "청년 교류")
    await set_status(client, cast.seoul_chair, mid, "scheduled", "in_progress")
    written = await put_minutes(
        client,
        cast.seoul_secretary,
        mid,
        [
            {"notes": "개회 인사"},
            {
                "agenda_item_id": first["id"],
                "notes": "미세먼지 자료 공유",
                "translations": {"zh-Hans": "共享细颗粒物数据", "en": "Share PM2.5 data"},
            },
            {"agenda_item_id": second["id"], "notes": "청년 교류 확대"},
        ],
    )
    assert written.status_code == 200, written.text
    await client.post(
        f"/api/v1/meetings/{mid}/decisions",
        json={"agenda_item_id": second["id"], "text": "교류 인원 두 배"},
        headers=cast.seoul_secretary.headers,
    )

    response = await client.get(
        f"/api/v1/meetings/{mid}/minutes/export?format=docx", headers=cast.beijing_chair.headers
    )
    assert response.status_code == 200, response.text
    document = docx.Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["General", "1. 대기질 공동연구", "2. 청년 교류"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "개회 인사" in text and "청년 교류 확대" in text and "교류 인원 두 배" in text
    [table] = document.tables
    assert [c.text for c in table.rows[0].cells] == ["한국어 (original)", "中文", "English"]
    assert [c.text for c in table.rows[1].cells] == [
        "미세먼지 자료 공유",
        "共享细颗粒物数据",
        "Share PM2.5 data",
    ]

    markdown = await client.get(
        f"/api/v1/meetings/{mid}/minutes/export?format=md", headers=cast.seoul_chair.headers
    )
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "| 미세먼지 자료 공유 | 共享细颗粒物数据 | Share PM2.5 data |" in markdown.text
    assert "## 2. 청년 교류" in markdown.text

    async with app.state.db.session(write=False) as session:
        rows = (
            await session.execute(
                select(AuditEntry)
                .where(AuditEntry.action == "minutes.exported")  # type: ignore[arg-type]
                .order_by(AuditEntry.id)  # type: ignore[arg-type]
            )
        ).scalars()
        assert [(a.actor_id, a.details["format"], a.target_id) for a in rows] == [
            (cast.beijing_chair.id, "docx", str(mid)),
            (cast.seoul_chair.id, "md", str(mid)),
        ]
