"""Browser tests of the directory, meeting-series and dashboard screens.

The real app (API + the built web client) is served on a free port with the demo data; Debian's
Chromium, driven by Playwright, signs in as a demo user in Korean, Chinese and English and reads
what the screens show. Screenshots go to docs/screenshots/ (directory-<lang>.png,
dashboard-<lang>.png).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, Page, expect

from server.demo import DEMO_PASSWORD
from tests.conftest import LiveServer
from tests.e2e.conftest import SCREENSHOTS, new_page, sign_in

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Case:
    lang: str
    username: str
    locale: str
    timezone: str
    nav_directory: str
    nav_series: str
    nav_dashboard: str
    seoul: str
    beijing: str
    sister: str
    official_kr: str
    official_cn: str
    history_button: str
    glossary_query: str
    glossary_hit: str
    series_name: str
    meeting_title: str
    dashboard_title: str
    meetings_chart: str
    sectors_chart: str
    economy: str


CASES = [
    Case(
        lang="ko",
        username="seoul.kim",
        locale="ko-KR",
        timezone="Asia/Seoul",
        nav_directory="교류 명부",
        nav_series="회의 시리즈",
        nav_dashboard="대시보드",
        seoul="서울",
        beijing="베이징",
        sister="자매도시",
        official_kr="김지현 [DEMO]",
        official_cn="王芳 [DEMO]",
        history_button="담당 이력 보기",
        glossary_query="자매도시",
        glossary_hit="sister city",
        series_name="서울–베이징 공동위원회 [DEMO]",
        meeting_title="서울–베이징 실무협의 [DEMO]",
        dashboard_title="대시보드",
        meetings_chart="중국 교류 도시별·연도별 회의 수",
        sectors_chart="분야별 담당자가 있는 교류 관계 수",
        economy="경제",
    ),
    Case(
        lang="zh-Hans",
        username="beijing.wang",
        locale="zh-CN",
        timezone="Asia/Shanghai",
        nav_directory="交流名录",
        nav_series="系列会议",
        nav_dashboard="数据概览",
        seoul="首尔",
        beijing="北京",
        sister="友好城市",
        official_kr="김지현 [DEMO]",
        official_cn="王芳 [DEMO]",
        history_button="历任负责人",
        glossary_query="联合委员会",
        glossary_hit="공동위원회",
        series_name="首尔–北京联合委员会",
        meeting_title="首尔–北京工作会议",
        dashboard_title="数据概览",
        meetings_chart="各中国友好城市每年的会议数",
        sectors_chart="各领域有对口负责人的友好关系数",
        economy="经济",
    ),
    Case(
        lang="en",
        username="admin",
        locale="en-GB",
        timezone="Asia/Seoul",
        nav_directory="Directory",
        nav_series="Series",
        nav_dashboard="Dashboard",
        seoul="Seoul",
        beijing="Beijing",
        sister="Sister city",
        official_kr="김지현 [DEMO]",
        official_cn="王芳 [DEMO]",
        history_button="Show who held",
        glossary_query="memorandum",
        glossary_hit="양해각서",
        series_name="Seoul–Beijing Joint Committee",
        meeting_title="Seoul–Beijing working meeting",
        dashboard_title="Dashboard",
        meetings_chart="Meetings per partner city and year",
        sectors_chart="Partnerships with counterparts, per sector",
        economy="Economy",
    ),
]


async def _screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Viewport only (not the full page) keeps the PNGs small.
    await page.screenshot(path=str(SCREENSHOTS / name))


@pytest.mark.parametrize("case", CASES, ids=[c.lang for c in CASES])
async def test_directory_series_and_dashboard_show_demo_data_in_each_language(
    demo_server: LiveServer, browser: Browser, case: Case
) -> None:
    page = await new_page(browser, locale=case.locale, timezone=case.timezone)
    try:
        await sign_in(page, demo_server.url, case.username, DEMO_PASSWORD)
        await expect(page.locator("html")).to_have_attribute("lang", case.lang)

        # Directory: the Seoul–Beijing sister-city partnership of 1993, in the reader's language.
        await page.get_by_role("link", name=case.nav_directory, exact=True).click()
        partnership = page.get_by_test_id("partnership").first
        await expect(partnership).to_contain_text(case.seoul)
        await expect(partnership).to_contain_text(case.beijing)
        await expect(partnership).to_contain_text(case.sister)
        signed = partnership.locator("time")
        await expect(signed).to_have_attribute("datetime", "1993-10-23")
        await expect(signed).to_contain_text("1993")
        regions = page.get_by_test_id("regions")
        await expect(regions).to_contain_text(case.beijing)
        await expect(page.get_by_test_id("sectors")).to_contain_text("economy_trade")

        # Counterparts with their history (one pair so far: it is the current one).
        counterpart = page.get_by_test_id("counterpart").first
        await expect(counterpart).to_contain_text(case.official_kr)
        await expect(counterpart).to_contain_text(case.official_cn)
        toggle = counterpart.get_by_test_id("counterpart-history-toggle")
        await expect(toggle).to_contain_text(case.history_button)
        await toggle.focus()
        await page.keyboard.press("Enter")  # keyboard, not only the mouse
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        history = counterpart.get_by_test_id("counterpart-history")
        await expect(history.locator("tbody tr")).to_have_count(1)
        await expect(history).to_contain_text(case.official_cn)

        # Glossary search in the reader's language finds the term in the other languages.
        await page.get_by_test_id("glossary-input").fill(case.glossary_query)
        await page.get_by_test_id("glossary-input").press("Enter")
        await expect(page.get_by_test_id("glossary-term")).to_have_count(1)
        await expect(page.get_by_test_id("glossary-term")).to_contain_text(case.glossary_hit)
        await page.evaluate("window.scrollTo(0, 0)")
        await _screenshot(page, f"directory-{case.lang}.png")

        # Series list and page: the joint committee with its meeting.
        await page.get_by_role("link", name=case.nav_series, exact=True).click()
        await page.get_by_role("link", name=case.series_name).click()
        series = page.get_by_test_id("series-page")
        await expect(series.get_by_role("heading", level=1)).to_have_text(case.series_name)
        await expect(series.get_by_test_id("series-meeting")).to_contain_text(case.meeting_title)
        await expect(series.get_by_test_id("series-partnerships")).to_contain_text(case.beijing)
        await expect(series.get_by_test_id("series-years").locator("tbody tr")).to_have_count(1)

        # Dashboard (a lazily loaded chunk): charts with their numbers as tables.
        await page.get_by_role("link", name=case.nav_dashboard, exact=True).click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(case.dashboard_title)
        meetings = page.get_by_test_id("chart-meetings")
        await expect(meetings).to_contain_text(case.meetings_chart)
        canvas = meetings.locator("canvas[role=img]")
        await expect(canvas).to_have_attribute(
            "aria-label", re.compile(re.escape(case.meetings_chart))
        )
        table = page.get_by_test_id("chart-table-meetings")
        await expect(table.locator("thead")).to_contain_text(case.beijing)
        await expect(table.locator("tbody td").first).to_have_text("1")
        sectors = page.get_by_test_id("chart-table-sectors")
        await expect(page.get_by_test_id("chart-sectors")).to_contain_text(case.sectors_chart)
        economy_row = sectors.locator("tbody tr", has_text=case.economy)
        await expect(economy_row.locator("td")).to_have_text("1")
        await expect(page.get_by_test_id("chart-table-activity")).to_be_visible()
        drawn = await canvas.evaluate(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
            " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"
        )
        assert drawn > 100, "the meetings chart drew nothing"
        await _screenshot(page, f"dashboard-{case.lang}.png")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
