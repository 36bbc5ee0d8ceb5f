"""The browser enforces the web client's Content-Security-Policy (server/app.py), and the client
works under it: every other browser test runs under it too; this one also checks that no
violation is reported while a thread opens and goes live, and that an inline script and an
image from another host are refused."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, ConsoleMessage, expect

from tests.e2e.conftest import ApiCall, World, goto, live_ready, login, new_page

pytestmark = pytest.mark.e2e


async def test_the_client_runs_under_its_policy_which_refuses_inline_script_and_other_hosts(
    browser: Browser, world: World, api: ApiCall
) -> None:
    page = await new_page(browser)
    violations: list[str] = []

    def note_violation(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", note_violation)
    # A Markdown table aligns its cells by class: no style attribute for the policy to refuse.
    table = "| 도시 | 2026 |\n|:--|--:|\n| 서울 | 12 |"
    path = f"/threads/{world.thread_id}/messages"
    await api(world.server, world.seoul_official, "POST", path, {"body": table})
    await login(page, world.url, world.seoul_official, f"/threads/{world.thread_id}")
    await live_ready(page)
    await expect(page.locator("textarea").first).to_be_visible()
    cell = page.locator(".message-body td").last
    await expect(cell).to_have_text("12")
    assert await cell.evaluate("td => getComputedStyle(td).textAlign") == "right"
    assert violations == []
    # (Playwright's own evaluate is exempt from the policy, so eval cannot be tried from here;
    # the header test checks there is no 'unsafe-eval'.)
    attempts = await page.evaluate(
        """async () => {
            const refused = [];
            document.addEventListener("securitypolicyviolation", (e) =>
                refused.push(e.effectiveDirective)
            );
            window.__inline = "blocked";
            const script = document.createElement("script");
            script.textContent = "window.__inline = 'ran'";
            document.body.appendChild(script);
            const image = document.createElement("img");
            image.src = "https://example.org/tracking-pixel.png";
            document.body.appendChild(image);
            await new Promise((resolve) => setTimeout(resolve, 300));
            return { inline: window.__inline, refused: [...new Set(refused)].sort() };
        }"""
    )
    assert attempts == {"inline": "blocked", "refused": ["img-src", "script-src-elem"]}
    await page.wait_for_timeout(200)  # let the reports of those two arrive before forgetting them
    violations.clear()
    await goto(page, "/dashboard")  # the charts draw under the policy too
    await expect(page.locator("canvas").first).to_be_visible()
    assert violations == []
