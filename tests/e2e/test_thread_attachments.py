"""Files in the composer: a Seoul official attaches a file on a slow link and sees it go up,
sends the message, and the attachment link (for the Beijing side too, live) downloads the same
bytes. A file over the server's limit shows the server's own reason, and nothing is sent."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Response, expect

from server.core.config import Settings
from server.core.files import max_file_bytes
from tests.e2e.conftest import (
    ApiCall,
    World,
    both_delegations_in_the_thread,
    login,
    new_page,
)

pytestmark = pytest.mark.e2e

LIMIT = 300_000  # bytes the server takes per upload in these tests


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The e2e settings with a small upload limit, so that a file over it is quick to make."""
    return settings.model_copy(update={"max_upload_bytes": LIMIT})


async def thread_messages(api: ApiCall, world: World) -> list[dict[str, Any]]:
    """The thread's messages as the server has them (the Beijing official asking)."""
    path = f"/threads/{world.thread_id}/messages"
    page = await api(world.server, world.beijing_official, "GET", path)
    items: list[dict[str, Any]] = page["items"]
    return items


def same_bytes(downloaded: str | Path, original: Path) -> bool:
    return Path(downloaded).read_bytes() == original.read_bytes()


def random_file(path: Path, size: int, seed: int) -> Path:
    path.write_bytes(random.Random(seed).randbytes(size))  # incompressible, reproducible
    return path


async def test_attachment_uploads_with_progress_is_sent_and_downloads_the_same_bytes(
    browser: Browser, world: World, api: ApiCall, tmp_path: Path
) -> None:
    seoul, beijing = await both_delegations_in_the_thread(browser, world)
    data = random_file(tmp_path / "교류 계획 2027.pdf", 120_000, seed=1993)

    # A slow link (about 32 KB/s up) and a record of every value the progress bar shows.
    cdp = await seoul.context.new_cdp_session(seoul)
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 32_000},
    )
    await seoul.evaluate(
        """() => {
            window.__progress = [];
            new MutationObserver(() => {
                const bar = document.querySelector('[data-testid=attach-progress]');
                if (bar) window.__progress.push(Number(bar.value));
            }).observe(document.body, {subtree: true, childList: true, attributes: true,
                                       characterData: true});
        }"""
    )
    await seoul.get_by_test_id("composer-input").fill("2027년 교류 계획 초안을 첨부합니다.")
    await seoul.get_by_test_id("attach-input").set_input_files(data)
    item = seoul.get_by_test_id("attach-item")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("교류 계획 2027.pdf")
    await expect(item.get_by_test_id("attach-progress")).to_be_visible()
    # Not sendable while the file is going up, and the composer says why.
    await expect(seoul.get_by_test_id("send-button")).to_be_disabled()
    await expect(seoul.get_by_test_id("send-blocked")).to_have_text(
        "파일 업로드가 끝날 때까지 기다려 주세요."
    )
    await expect(item).to_have_attribute("data-status", "done", timeout=30_000)
    await cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    seen: list[float] = await seoul.evaluate("window.__progress")
    assert any(0 < v < 100 for v in seen), seen  # it moved while the file went up
    await expect(item.get_by_test_id("attach-progress")).to_have_attribute("value", "100")
    await expect(item.get_by_test_id("attach-remove")).to_have_attribute(
        "aria-label", "교류 계획 2027.pdf 첨부 취소"
    )

    await seoul.get_by_test_id("send-button").click()
    await expect(seoul.get_by_test_id("composer-input")).to_have_value("")
    await expect(seoul.get_by_test_id("attach-item")).to_have_count(0)
    sent = seoul.get_by_test_id("message-item").filter(has_text="교류 계획 초안")
    await expect(sent.get_by_test_id("message-pending")).to_have_count(0)
    link = sent.get_by_test_id("attachment-link")
    await expect(link).to_have_text("📎 교류 계획 2027.pdf")

    # The server has the message with the file attached.
    messages = await thread_messages(api, world)
    assert [m["attachments"][0]["filename"] for m in messages if m["attachments"]] == [
        "교류 계획 2027.pdf"
    ]
    assert messages[-1]["attachments"][0]["size"] == 120_000

    # Both download the very same bytes: Seoul, and Beijing, who got the message live.
    received = beijing.get_by_test_id("message-item").filter(has_text="교류 계획 초안")
    for page, message in ((seoul, sent), (beijing, received)):
        async with page.expect_download() as info:
            await message.get_by_test_id("attachment-link").click()
        download = await info.value
        assert download.suggested_filename == "교류 계획 2027.pdf"
        assert same_bytes(await download.path(), data)
    assert not seoul.errors and not beijing.errors  # type: ignore[attr-defined]


async def test_file_over_the_limit_shows_the_servers_error_and_nothing_is_sent(
    browser: Browser, world: World, api: ApiCall, tmp_path: Path
) -> None:
    page = await new_page(browser, locale="zh-CN", timezone="Asia/Shanghai")
    await login(page, world.url, world.beijing_official, f"/threads/{world.thread_id}")
    await expect(page.get_by_test_id("message-item")).to_have_count(1)
    big = random_file(tmp_path / "会议纪要.pdf", LIMIT + 50_000, seed=8)
    small = random_file(tmp_path / "议程.txt", 2_000, seed=9)

    await page.get_by_test_id("composer-input").fill("请查收附件。")
    await page.get_by_test_id("attach-input").set_input_files([small, big])
    items = page.get_by_test_id("attach-item")
    await expect(items).to_have_count(2)
    failed = items.filter(has_text="会议纪要.pdf")
    await expect(failed).to_have_attribute("data-status", "failed")
    # The server's own words, under a plain "too large".
    await expect(failed.get_by_test_id("attach-error")).to_have_text(
        f"文件过大：The file is too large: files may have at most {max_file_bytes(LIMIT)} bytes."
    )
    await expect(items.filter(has_text="议程.txt")).to_have_attribute("data-status", "done")
    # Nothing leaves without the file it was meant to carry.
    send = page.get_by_test_id("send-button")
    await expect(send).to_be_disabled()
    await expect(page.get_by_test_id("send-blocked")).to_have_text(
        "请先移除未能上传的文件，再发送。"
    )
    await page.get_by_test_id("composer-input").press("Control+Enter")
    await page.wait_for_timeout(500)
    await expect(page.get_by_test_id("message-item")).to_have_count(1)
    await expect(page.get_by_test_id("message-pending")).to_have_count(0)
    messages = await thread_messages(api, world)
    assert len(messages) == 1

    # Removing the failed file makes the message sendable again, with the file that arrived.
    await failed.get_by_test_id("attach-remove").click()
    await expect(items).to_have_count(1)
    await expect(send).to_be_enabled()
    await send.click()
    sent = page.get_by_test_id("message-item").filter(has_text="请查收附件")
    await expect(sent.get_by_test_id("attachment-link")).to_have_text("📎 议程.txt")
    await expect(sent.get_by_test_id("message-pending")).to_have_count(0)
    assert not page.errors  # type: ignore[attr-defined]


async def test_a_file_removed_from_the_composer_is_taken_back_from_the_server(
    browser: Browser, world: World, tmp_path: Path
) -> None:
    page = await new_page(browser, locale="en-GB", timezone="Asia/Seoul")
    await login(page, world.url, world.seoul_official, f"/threads/{world.thread_id}")
    await page.get_by_test_id("attach-input").set_input_files(
        [random_file(tmp_path / "wrong.pdf", 5_000, seed=3)]
    )
    item = page.get_by_test_id("attach-item")
    await expect(item).to_have_attribute("data-status", "done")

    def taking_back(response: Response) -> bool:
        return response.request.method == "DELETE" and "/attachments/" in response.url

    async with page.expect_response(taking_back) as answer:
        await item.get_by_test_id("attach-remove").click()
    deleted = await answer.value
    assert deleted.status == 204
    await expect(item).to_have_count(0)
    async with httpx.AsyncClient(base_url=world.url, headers=world.seoul_official.headers) as c:
        gone = await c.get(deleted.url.removeprefix(world.url))
    assert gone.status_code == 404
    assert not page.errors  # type: ignore[attr-defined]
