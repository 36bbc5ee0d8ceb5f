"""Accessibility: axe-core (web/node_modules/axe-core, a dev dependency of the client) checks
the main screens against WCAG 2.1 A and AA rules, in each language, with the demo's data. Any
violation fails the test, with axe's own description of what and where."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.demo import DEMO_PASSWORD
from tests.conftest import LiveServer
from tests.e2e.conftest import goto, live_ready, new_page, sign_in

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    # The page's Content-Security-Policy refuses inline scripts; Playwright's evaluate is exempt.
    await page.evaluate("source => (0, eval)(source)", AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = await page.evaluate(
        "tags => axe.run(document, { runOnly: { type: 'tag', values: tags } })", RULES
    )
    assert result["passes"], "axe checked nothing: are the rule tags right?"
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "where": [n["target"] for n in v["nodes"]][:5],
            "why": v["nodes"][0]["failureSummary"],
        }
        for v in result["violations"]
    ]


async def screens(page: Page, server: LiveServer) -> list[str]:
    """The paths of the main screens, found through the app like a user would."""
    await page.get_by_test_id("channel-list").get_by_role("link").first.click()
    channel_path = page.url.removeprefix(server.url)
    await page.get_by_test_id("thread-item").first.get_by_role("link").click()
    thread_path = page.url.removeprefix(server.url)
    await goto(page, "/meetings")
    await page.get_by_test_id("meeting-item").first.get_by_role("link").first.click()
    meeting_path = page.url.removeprefix(server.url)
    return [
        "/",
        channel_path,
        thread_path,
        "/mentions",
        "/meetings",
        meeting_path,
        "/action-items",
        "/search?q=%EC%84%9C%EC%9A%B8&kind=all",
        "/directory",
        "/series",
        "/dashboard",
    ]


@pytest.mark.parametrize("lang", ["en", "ko", "zh-Hans"])
async def test_the_main_screens_have_no_accessibility_violations(
    browser: Browser, demo_server: LiveServer, lang: str
) -> None:
    page = await new_page(browser)
    await sign_in(page, demo_server.url, "seoul.kim", DEMO_PASSWORD)
    await live_ready(page)
    await page.get_by_test_id("language-switch").select_option(lang)
    await expect(page.locator("html")).to_have_attribute("lang", lang)
    found: dict[str, list[dict[str, Any]]] = {}
    for path in await screens(page, demo_server):
        await goto(page, path)
        await page.wait_for_load_state("networkidle")
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        violations = await axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}, found
