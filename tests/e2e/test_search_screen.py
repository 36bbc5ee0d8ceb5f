"""The search screen: Kim (Seoul) searches for 北京 in Chinese messages Li (Beijing) wrote, sees
ranked hits with the match marked, follows "Load more" to the rest (one page is 30 hits), and
opens a hit's thread; and searches one channel from its thread list, then everywhere."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import ApiCall, World, login, new_page

pytestmark = pytest.mark.e2e


async def test_searching_marks_the_match_loads_more_and_opens_the_thread(
    browser: Browser, world: World, api: ApiCall
) -> None:
    li, kim = world.beijing_official, world.seoul_official
    for n in range(34):
        await api(
            world.server,
            li,
            "POST",
            f"/threads/{world.thread_id}/messages",
            {"body": f"北京市第{n}次工作会议", "lang": "zh-Hans"},
        )
    page = await new_page(browser, locale="ko-KR")
    await login(page, world.url, kim, "/search")
    await page.get_by_test_id("search-input").fill("北京")
    await page.get_by_test_id("search-input").press("Enter")
    results = page.get_by_test_id("search-result")
    await expect(results).to_have_count(30)
    await expect(results.first.locator("mark")).to_have_text("北京")
    await page.get_by_test_id("search-more").click()
    await expect(results).to_have_count(34)
    await expect(page.get_by_test_id("search-more")).to_have_count(0)
    await results.first.get_by_role("link").click()
    await expect(page).to_have_url(f"{world.url}/threads/{world.thread_id}")


async def test_searching_one_channel_from_its_thread_list_and_then_everywhere(
    browser: Browser, world: World, api: ApiCall
) -> None:
    li, kim = world.beijing_official, world.seoul_official
    thread = f"/threads/{world.thread_id}/messages"
    await api(world.server, li, "POST", thread, {"body": "北京 工作会议", "lang": "zh-Hans"})
    other = await api(world.server, kim, "POST", "/channels", {"name": "관광 旅游"})
    other_thread = await api(
        world.server, kim, "POST", f"/channels/{other['id']}/threads", {"title": "관광"}
    )
    await api(
        world.server,
        kim,
        "POST",
        f"/threads/{other_thread['id']}/messages",
        {"body": "北京 관광 홍보", "lang": "ko"},
    )
    page = await new_page(browser, locale="ko-KR")
    await login(page, world.url, kim, f"/channels/{world.channel_id}")
    await page.get_by_test_id("channel-search").fill("北京")
    await page.get_by_test_id("channel-search").press("Enter")
    results = page.get_by_test_id("search-result")
    await expect(results).to_have_count(1)
    await expect(results.first).to_contain_text("工作会议")
    scope = page.get_by_test_id("search-scope")
    await expect(scope).to_be_visible()
    await scope.get_by_role("link").click()
    await expect(results).to_have_count(2)
    await expect(scope).to_have_count(0)
