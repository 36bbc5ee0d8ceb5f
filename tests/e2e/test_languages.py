"""The interface in Chinese and in Korean: the switch changes every label at once, the choice
survives a reload, dates follow the language, and each person starts in their profile's
language. Also saves screenshots of the main screens in each language to docs/screenshots/."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import (
    SCREENSHOTS,
    ApiCall,
    JointMeeting,
    World,
    goto,
    live_ready,
    login,
    new_page,
)

pytestmark = pytest.mark.e2e

NAV = {
    "ko": ["채널", "회의", "내 후속 조치", "검색"],
    "zh-Hans": ["频道", "会议", "我的待办事项", "搜索"],
    "en": ["Channels", "Meetings", "My action items", "Search"],
}
MEETING_TITLE = {
    "ko": "서울-베이징 공동위원회",
    "zh-Hans": "首尔-北京联合委员会",
    "en": "Seoul-Beijing Joint Committee",
}


async def expect_language(page: Page, lang: str) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", lang)
    nav = page.get_by_role("navigation")
    for label in NAV[lang]:
        await expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()


async def test_switching_to_chinese_then_korean_relabels_the_interface(
    browser: Browser, world: World, meeting: JointMeeting
) -> None:
    page = await new_page(browser, locale="en-US")
    await login(page, world.url, world.seoul_official, "/meetings")
    # Kim's profile says Korean: that wins over the browser's English.
    await expect_language(page, "ko")

    await page.get_by_test_id("language-switch").select_option("zh-Hans")
    await expect_language(page, "zh-Hans")
    await expect(page.get_by_role("heading", level=1)).to_have_text("会议")
    item = page.get_by_test_id("meeting-item")
    await expect(item).to_contain_text(MEETING_TITLE["zh-Hans"])
    # Dates in Chinese: 2027年3月10日 (and the Beijing delegation's local time, 9:00).
    await expect(item).to_contain_text("2027年3月10日")
    await expect(item.get_by_test_id("delegation-time").last).to_contain_text("09:00")

    # The choice is kept on this device across a reload.
    await page.reload()
    await expect_language(page, "zh-Hans")

    await page.get_by_test_id("language-switch").select_option("ko")
    await expect_language(page, "ko")
    await expect(page.get_by_role("heading", level=1)).to_have_text("회의")
    await expect(item).to_contain_text(MEETING_TITLE["ko"])
    await expect(item).to_contain_text("2027년 3월 10일")
    assert not page.errors  # type: ignore[attr-defined]


async def test_a_beijing_official_starts_in_chinese_from_the_profile(
    browser: Browser, world: World
) -> None:
    page = await new_page(browser, locale="en-US", timezone="Asia/Shanghai")
    await login(page, world.url, world.beijing_official)
    await expect_language(page, "zh-Hans")
    await expect(page.get_by_test_id("channel-list")).to_contain_text("서울-北京 공동위원회")


@pytest.mark.parametrize("lang", ["ko", "zh-Hans", "en"])
async def test_screenshots_of_the_main_screens_in_each_language(
    browser: Browser, world: World, meeting: JointMeeting, api: ApiCall, lang: str
) -> None:
    """Channels, a thread (its Korean message with Li's Chinese translation beside it), the
    meetings list and a meeting page, saved as small PNGs."""
    messages = await api(
        world.server, world.beijing_official, "GET", f"/threads/{world.thread_id}/messages"
    )
    await api(
        world.server,
        world.beijing_official,
        "PUT",
        f"/messages/{messages['items'][0]['id']}/translations/zh-Hans",
        {"body": "你好，**欢迎**。"},
    )
    page = await new_page(browser, locale="en-US", timezone="Asia/Seoul")
    await page.set_viewport_size({"width": 1000, "height": 700})
    await login(page, world.url, world.seoul_official)
    await page.get_by_test_id("language-switch").select_option(lang)
    await expect_language(page, lang)
    await live_ready(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def shot(name: str) -> None:
        await page.wait_for_load_state("networkidle")
        await expect(page.get_by_test_id("loading")).to_have_count(0)
        await page.screenshot(path=SCREENSHOTS / f"{name}-{lang}.png", animations="disabled")

    await expect(page.get_by_test_id("channel-item")).to_have_count(1)
    await shot("channels")
    await goto(page, f"/threads/{world.thread_id}")
    await expect(page.get_by_test_id("message-item")).to_have_count(1)
    if lang != "zh-Hans":  # the translation in the reader's language is shown; others on demand
        await page.get_by_test_id("translations-toggle").click()
    await expect(page.get_by_test_id("translation")).to_have_count(1)
    await shot("thread")
    await goto(page, "/meetings")
    await expect(page.get_by_test_id("meeting-item")).to_contain_text(MEETING_TITLE[lang])
    await shot("meetings")
    await goto(page, f"/meetings/{meeting.meeting_id}")
    await expect(page.get_by_test_id("agenda-item")).to_have_count(1)
    await shot("meeting")
