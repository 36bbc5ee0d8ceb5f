"""A secretary uploads the minutes as a DOCX: a progress bar while it goes up, then a preview of
how the file's sections were matched to the agenda, which they may change before applying."""

from __future__ import annotations

import io
import random
import re
import string
from pathlib import Path

import pytest
from docx import Document
from playwright.async_api import Browser, expect

from tests.e2e.conftest import JointMeeting, World, login, new_page

pytestmark = pytest.mark.e2e


def minutes_docx(path: Path) -> Path:
    """Minutes with a title, a heading per agenda item and a large appendix (so the upload
    takes long enough on a throttled link to show progress)."""
    doc = Document()
    doc.add_heading("서울-베이징 공동위원회 회의록", level=0)
    doc.add_heading("1. 청소년 교류", level=1)
    doc.add_paragraph("양측은 2027년 여름 청소년 교류단 각 30명 파견에 합의하였다.")
    doc.add_heading("2. 기타 사항", level=1)
    doc.add_paragraph("다음 회의는 베이징에서 개최한다.")
    doc.add_heading("부록", level=1)
    rng = random.Random(6)  # incompressible filler, reproducible
    for _ in range(20):  # 80,000 characters: under the 100,000 a section may hold
        doc.add_paragraph("".join(rng.choices(string.ascii_letters + string.digits, k=4000)))
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


async def test_docx_upload_shows_progress_and_the_section_mapping_preview(
    browser: Browser, world: World, meeting: JointMeeting, tmp_path: Path
) -> None:
    page = await new_page(browser, locale="ko-KR", timezone="Asia/Seoul")
    await login(page, world.url, world.seoul_official, f"/meetings/{meeting.meeting_id}")
    await expect(page.get_by_test_id("agenda-item")).to_have_count(1)
    docx = minutes_docx(tmp_path / "minutes.docx")
    assert docx.stat().st_size > 50_000

    # A slow link (about 32 KB/s up) and a record of every value the progress bar shows.
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 32_000},
    )
    await page.evaluate(
        """() => {
            window.__progress = [];
            new MutationObserver(() => {
                const bar = document.querySelector('[data-testid=upload-progress]');
                if (bar) window.__progress.push(Number(bar.value));
            }).observe(document.body, {subtree: true, childList: true, attributes: true,
                                       characterData: true});
        }"""
    )
    await page.get_by_test_id("upload-input").set_input_files(docx)
    await page.get_by_test_id("upload-button").click()
    await expect(page.get_by_test_id("upload-progress")).to_be_visible()
    preview = page.get_by_test_id("mapping-preview")
    await expect(preview).to_be_visible(timeout=30_000)
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    seen: list[float] = await page.evaluate("window.__progress")
    assert any(0 < v < 100 for v in seen), seen  # it moved while the file went up
    await expect(page.get_by_test_id("upload-progress")).to_have_attribute("value", "100")

    # The preview: the "청소년 교류" section went to that agenda item, by its heading.
    rows = preview.get_by_test_id("mapping-row")
    await expect(rows).to_have_count(3)
    youth = rows.filter(has=page.get_by_role("rowheader", name="1. 청소년 교류"))
    await expect(youth.get_by_test_id("mapping-select")).to_have_value(str(meeting.agenda_item_id))
    await expect(youth.get_by_test_id("mapping-method")).to_contain_text("heading")
    other = rows.filter(has=page.get_by_role("rowheader", name="2. 기타 사항"))
    await expect(other.get_by_test_id("mapping-select")).to_have_value("")

    await page.get_by_test_id("apply-mapping").click()
    await expect(page.get_by_test_id("mapping-applied")).to_be_visible()
    notes = page.get_by_test_id(f"minutes-textarea-{meeting.agenda_item_id}")
    await expect(notes).to_have_value(
        "양측은 2027년 여름 청소년 교류단 각 30명 파견에 합의하였다.", timeout=10_000
    )
    general = page.get_by_test_id("minutes-textarea-general")
    await expect(general).to_have_value(re.compile("다음 회의는 베이징에서 개최한다"))
    assert not page.errors  # type: ignore[attr-defined]
