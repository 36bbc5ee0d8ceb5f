"""Minutes files over the API: a DOCX with Korean and Chinese headings (made here with
python-docx), a PDF, an HWPX and Markdown are proposed and confirmed; bad files are refused
with the extractor's code and leave nothing written."""

from __future__ import annotations

import io
from typing import Any

import docx
import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from server.core.config import Settings
from server.core.files import MULTIPART_HEADROOM
from server.identity.models import AuditEntry
from tests.factories import Person
from tests.helpers import assert_problem, row_counts
from tests.meetings.conftest import (
    MEETING_TABLES,
    Cast,
    add_agenda,
    bilateral_body,
    create_meeting,
    set_status,
)
from tests.meetings.documents import hwpx_p, make_hwpx, make_pdf, zip_with_zeros
from tests.meetings.test_extract import PDF_PAGES

UPLOAD_LIMIT = 256 * 1024
FILE_LIMIT = UPLOAD_LIMIT - MULTIPART_HEADROOM


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": UPLOAD_LIMIT})


def minutes_docx() -> bytes:
    document = docx.Document()
    document.add_heading("서울-베이징 통합위원회 회의록", level=0)
    document.add_paragraph("일시: 2027년 3월 10일")
    document.add_heading("제1안건 대기질 공동연구 / 第一项 空气质量联合研究", level=1)
    document.add_paragraph("양측은 미세먼지 관측 자료를 매월 공유하기로 합의하였다.")
    document.add_heading("1.1 관측소", level=2)
    document.add_paragraph("관측소 2곳을 설치한다.")
    document.add_heading("제2안건 청년 교류 / 第二项 青年交流", level=1)
    document.add_paragraph("双方同意扩大青年交流项目。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


async def _meeting(client: httpx.AsyncClient, cast: Cast) -> tuple[int, list[dict[str, Any]]]:
    mid = (await create_meeting(client, cast.seoul_chair, bilateral_body(cast)))["id"]
    items = [
        await add_agenda(client, cast.seoul_secretary, mid, "대기질 공동연구"),
        await add_agenda(client, cast.seoul_secretary, mid, "청년 교류"),
    ]
    await set_status(client, cast.seoul_chair, mid, "scheduled", "in_progress", "held")
    return mid, items


async def _upload(
    client: httpx.AsyncClient, who: Person, mid: int, name: str, data: bytes
) -> httpx.Response:
    return await client.post(
        f"/api/v1/meetings/{mid}/minutes/upload",
        files={"file": (name, data, "application/octet-stream")},
        headers=who.headers,
    )


async def test_docx_upload_is_proposed_then_confirmed_and_the_original_kept(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid, items = await _meeting(client, cast)
    data = minutes_docx()
    before = await row_counts(app, ("minutes_sections", "minutes_revisions"))
    response = await _upload(client, cast.seoul_secretary, mid, "회의록.docx", data)
    assert response.status_code == 201, response.text
    proposal = response.json()
    assert proposal["kind"] == "docx" and proposal["status"] == "proposed"
    assert proposal["title"] == "서울-베이징 통합위원회 회의록"
    mapped = {s["heading"]: s["agenda_item_id"] for s in proposal["sections"] if s["heading"]}
    assert mapped == {
        "제1안건 대기질 공동연구 / 第一项 空气质量联合研究": items[0]["id"],
        "1.1 관측소": items[0]["id"],
        "제2안건 청년 교류 / 第二项 青年交流": items[1]["id"],
    }
    # Nothing of the minutes changed yet.
    assert await row_counts(app, ("minutes_sections", "minutes_revisions")) == before

    confirm_url = f"/api/v1/meetings/{mid}/minutes/uploads/{proposal['id']}/confirm"
    confirmed = await client.post(confirm_url, json={}, headers=cast.seoul_secretary.headers)
    assert confirmed.status_code == 200, confirmed.text
    notes = {s["agenda_item_id"]: s["notes"] for s in confirmed.json()["sections"]}
    assert "미세먼지" in notes[items[0]["id"]] and "#### 1.1 관측소" in notes[items[0]["id"]]
    assert "青年交流项目" in notes[items[1]["id"]]
    assert "일시" in notes[None]
    again = await client.post(confirm_url, json={}, headers=cast.seoul_secretary.headers)
    assert_problem(again, 409, "upload_already_applied")

    original = await client.get(
        f"/api/v1/meetings/{mid}/minutes/uploads/{proposal['id']}/file",
        headers=cast.beijing_chair.headers,
    )
    assert original.status_code == 200 and original.content == data
    async with app.state.db.session(write=False) as session:
        audited = (
            await session.execute(
                select(AuditEntry).where(AuditEntry.action == "minutes.downloaded")  # type: ignore[arg-type]
            )
        ).scalars()
        assert [a.actor_id for a in audited] == [cast.beijing_chair.id]


async def test_secretary_can_reassign_sections_when_confirming(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    mid, items = await _meeting(client, cast)
    text = "# 회의록\n\n## 첫째\n\n내용 A\n\n## 둘째\n\n내용 B\n"
    proposal = (
        await _upload(client, cast.seoul_secretary, mid, "minutes.md", text.encode())
    ).json()
    assert proposal["kind"] == "markdown"
    index = {s["heading"]: s["index"] for s in proposal["sections"]}
    confirmed = await client.post(
        f"/api/v1/meetings/{mid}/minutes/uploads/{proposal['id']}/confirm",
        json={
            "assignments": [
                {"section_index": index["첫째"], "agenda_item_id": items[1]["id"]},
                {"section_index": index["둘째"], "agenda_item_id": items[0]["id"]},
            ]
        },
        headers=cast.seoul_secretary.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    notes = {s["agenda_item_id"]: s["notes"] for s in confirmed.json()["sections"]}
    assert "내용 A" in notes[items[1]["id"]] and "내용 B" in notes[items[0]["id"]]


async def test_a_section_too_long_for_the_minutes_is_a_clear_422_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid, _ = await _meeting(client, cast)
    text = "# 회의록\n\n## 첫째\n\n" + "word " * 20_001 + "\n"
    proposal = (
        await _upload(client, cast.seoul_secretary, mid, "minutes.md", text.encode())
    ).json()
    before = await row_counts(app, MEETING_TABLES)
    confirmed = await client.post(
        f"/api/v1/meetings/{mid}/minutes/uploads/{proposal['id']}/confirm",
        json={},
        headers=cast.seoul_secretary.headers,
    )
    assert_problem(confirmed, 422, "section_too_long")
    assert await row_counts(app, MEETING_TABLES) == before


async def test_pdf_and_hwpx_uploads_are_proposed(client: httpx.AsyncClient, cast: Cast) -> None:
    mid, _ = await _meeting(client, cast)
    pdf = await _upload(client, cast.seoul_secretary, mid, "minutes.pdf", make_pdf(PDF_PAGES))
    assert pdf.status_code == 201, pdf.text
    assert pdf.json()["kind"] == "pdf" and len(pdf.json()["sections"]) > 1
    hwpx = make_hwpx([[hwpx_p("제1안건 대기질 공동연구"), hwpx_p("미세먼지 자료를 공유한다.")]])
    response = await _upload(client, cast.seoul_secretary, mid, "회의록.hwpx", hwpx)
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "hwpx"


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(PDF_PAGES))))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


async def test_bad_uploads_are_refused_and_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid, _ = await _meeting(client, cast)
    blobs = app.state.settings.data_dir / "blobs"
    before = await row_counts(app, MEETING_TABLES)
    cases = [
        ("corrupt.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50, 422, "corrupt_file"),
        ("encrypted.pdf", _encrypted_pdf(), 422, "encrypted_document"),
        ("bomb.docx", zip_with_zeros("word/document.xml", 60), 422, "zip_bomb"),
        ("fake.docx", b"this is plain text, not a Word file", 422, "type_mismatch"),
        ("big.txt", b"a" * (FILE_LIMIT + 1), 413, "file_too_large"),
        ("huge.txt", b"a" * (UPLOAD_LIMIT + 1), 413, "file_too_large"),
    ]
    for name, data, status, code in cases:
        response = await _upload(client, cast.seoul_secretary, mid, name, data)
        assert_problem(response, status, code)
    exact = await _upload(client, cast.seoul_secretary, mid, "ok.txt", b"a" * FILE_LIMIT)
    assert exact.status_code == 201, exact.text
    after = await row_counts(app, MEETING_TABLES)
    assert after["minutes_uploads"] == before["minutes_uploads"] + 1
    assert after["change_log"] == before["change_log"] + 1
    assert {k: v for k, v in after.items() if k not in ("minutes_uploads", "change_log")} == {
        k: v for k, v in before.items() if k not in ("minutes_uploads", "change_log")
    }
    assert len([p for p in blobs.rglob("*") if p.is_file()]) == 1


async def test_observer_and_outsider_cannot_upload(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid, _ = await _meeting(client, cast)
    before = await row_counts(app, MEETING_TABLES)
    observer = await _upload(client, cast.observer, mid, "m.docx", minutes_docx())
    assert_problem(observer, 403, "minutes_editor_required")
    outsider = await _upload(client, cast.outsider, mid, "m.docx", minutes_docx())
    assert_problem(outsider, 404, "not_found")
    assert await row_counts(app, MEETING_TABLES) == before
