"""@-mentions in the web client: Li (Beijing) writes "@seoul.kim ..." in the demo thread; Kim
(Seoul), without reloading, sees a new-mention badge in the navigation, opens Mentions, finds
Li's message there and follows it to the thread, and the badge is gone. The list is kept on
Kim's laptop for reading offline (web/src/screens/Mentions.tsx, web/src/data/mentions.ts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from server.demo import DEMO_PASSWORD
from tests.conftest import LiveServer
from tests.e2e.conftest import goto, live_ready, new_page, sign_in

pytestmark = pytest.mark.e2e

LI_NAME = "李伟 [DEMO]"
DEMO_THREAD = "환영합니다 · 欢迎 · Welcome"
# HTML in the Markdown source must come out as the characters typed, never as markup.
MENTION = "@seoul.kim 请确认 <b>会议资料</b>，谢谢！"


@dataclass
class DemoThread:
    id: int
    title: str


async def _token(server: LiveServer, username: str) -> str:
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def _call(server: LiveServer, token: str, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
        response = await client.request(method, f"/api/v1{path}", json=body)
    assert response.status_code < 300, response.text
    return response.json()


async def _demo_thread(server: LiveServer, token: str) -> DemoThread:
    """The demo channel's welcome thread, which Kim (its owner) and Li (a member) both see."""
    channels = (await _call(server, token, "GET", "/channels"))["items"]
    channel = next(c for c in channels if "[DEMO]" in c["name"])
    threads = (await _call(server, token, "GET", f"/channels/{channel['id']}/threads"))["items"]
    thread = next(t for t in threads if t["title"] == DEMO_THREAD)
    return DemoThread(thread["id"], thread["title"])


async def _kim_signed_in(browser: Browser, server: LiveServer) -> Page:
    """Kim on a Seoul laptop (Korean), signed in and live, on the channel list."""
    page = await new_page(browser, locale="ko-KR", timezone="Asia/Seoul")
    await sign_in(page, server.url, "seoul.kim", DEMO_PASSWORD)
    await live_ready(page)
    return page


async def test_kim_sees_a_live_mention_badge_and_follows_the_mention_to_the_thread(
    demo_server: LiveServer, browser: Browser
) -> None:
    li_token = await _token(demo_server, "beijing.li")
    thread = await _demo_thread(demo_server, li_token)
    kim = await _kim_signed_in(browser, demo_server)
    li = await new_page(browser, locale="zh-CN", timezone="Asia/Shanghai")
    try:
        mentions_link = kim.get_by_role("link", name="멘션")
        badge = kim.get_by_test_id("mentions-badge")
        await expect(mentions_link).to_be_visible()
        await expect(badge).to_have_count(0)

        # Li writes in the thread from her own browser.
        await sign_in(li, demo_server.url, "beijing.li", DEMO_PASSWORD)
        await goto(li, f"/threads/{thread.id}")
        await li.get_by_test_id("composer-input").fill(MENTION)
        await li.get_by_test_id("send-button").click()
        await expect(li.get_by_test_id("message-item").filter(has_text="会议资料")).to_be_visible()
        await expect(li.get_by_test_id("message-pending")).to_have_count(0)

        # Kim's navigation counts it without a reload, in words for a screen reader.
        await expect(badge).to_have_attribute("data-count", "1")
        await expect(badge.locator("[aria-hidden=true]")).to_have_text("1")
        await expect(mentions_link).to_have_accessible_name("멘션 새 멘션 1건")
        # ...and says it once as it arrives, in a polite live region outside the link.
        announcer = kim.get_by_test_id("mentions-announcer")
        await expect(announcer).to_have_attribute("role", "status")
        await expect(announcer).to_have_text("새 멘션 1건")

        await mentions_link.click()
        await expect(kim.get_by_role("heading", level=1)).to_have_text("멘션")
        item = kim.get_by_test_id("mention-item")
        await expect(item).to_have_count(1)
        await expect(item.get_by_test_id("mention-author")).to_have_text(LI_NAME)
        await expect(item.get_by_test_id("mention-excerpt")).to_have_text(MENTION)
        await expect(item.locator("b")).to_have_count(0)
        await expect(item.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
        link = item.get_by_test_id("mention-thread")
        await expect(link).to_contain_text(DEMO_THREAD)
        # Seen by opening the screen: the badge goes.
        await expect(badge).to_have_count(0)

        await link.click()
        await kim.wait_for_url(f"**/threads/{thread.id}")
        await expect(kim.get_by_role("heading", level=1)).to_have_text(DEMO_THREAD)
        await expect(kim.get_by_test_id("message-item").filter(has_text="会议资料")).to_be_visible()
        await expect(badge).to_have_count(0)
        assert kim.errors == [] and li.errors == []  # type: ignore[attr-defined]
    finally:
        await kim.context.close()
        await li.context.close()


async def test_kim_reads_his_mentions_offline_from_the_copy_on_his_laptop(
    demo_server: LiveServer, browser: Browser
) -> None:
    li_token = await _token(demo_server, "beijing.li")
    thread = await _demo_thread(demo_server, li_token)
    await _call(
        demo_server,
        li_token,
        "POST",
        f"/threads/{thread.id}/messages",
        {"body": MENTION, "lang": "zh-Hans"},
    )
    kim = await _kim_signed_in(browser, demo_server)
    try:
        await kim.get_by_role("link", name="멘션").click()
        await expect(kim.get_by_test_id("mention-author")).to_have_text(LI_NAME)
        await kim.wait_for_function("navigator.serviceWorker.controller !== null")

        # No network; the app is opened again, from the service worker and IndexedDB.
        await goto(kim, "/")
        await kim.context.set_offline(True)
        await kim.reload()
        await expect(kim.get_by_test_id("offline-banner")).to_be_visible()
        await kim.get_by_role("link", name="멘션").click()

        await expect(kim.get_by_test_id("saved-copy-notice")).to_contain_text("오프라인 상태입니다")
        item = kim.get_by_test_id("mention-item")
        await expect(item.get_by_test_id("mention-author")).to_have_text(LI_NAME)
        await expect(item.get_by_test_id("mention-excerpt")).to_have_text(MENTION)
        await expect(kim.get_by_test_id("mentions-badge")).to_have_count(0)
        assert kim.errors == []  # type: ignore[attr-defined]
    finally:
        await kim.context.close()
