"""The directory without a network: an official opens the app in a meeting room abroad with no
connection, and still finds the partner cities and counterpart officials, from the copy saved on
the laptop the last time the directory was read online (web/src/data/remote.ts, `persist`).

The real app (API + the built web client) is served on a free port with the demo data; Debian's
Chromium, driven by Playwright, goes offline with ``context.set_offline`` and reloads: the app
shell comes from the service worker, the directory from IndexedDB. The copy is per user: another
official signing in on the same browser never sees it, and signing out removes it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from server.demo import DEMO_PASSWORD
from tests.conftest import LiveServer
from tests.e2e.conftest import goto, new_page, sign_in

pytestmark = pytest.mark.e2e

KIM_KR, WANG_CN = "김지현 [DEMO]", "王芳 [DEMO]"

# The user's saved copy of the directory in their own database (runtime.dbName), or null.
READ_COPY = """async (name) => {
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  try {
    if (!db.objectStoreNames.contains('meta')) return null;
    return await new Promise((ok, fail) => {
      const r = db.transaction('meta').objectStore('meta').get('copy:directory');
      r.onsuccess = () => ok(r.result ? r.result.savedAt : null);
      r.onerror = () => fail(r.error);
    });
  } finally {
    db.close();
  }
}"""


async def _open_directory_online(page: Page, nav_directory: str) -> None:
    """Opens the directory through its link and waits until the first answer is shown (it is
    saved before it is shown), with the service worker in control of the page."""
    await page.get_by_role("link", name=nav_directory, exact=True).click()
    await expect(page.get_by_test_id("counterpart").first).to_contain_text(WANG_CN)
    await expect(page.get_by_test_id("saved-copy-notice")).to_have_count(0)
    await page.wait_for_function("navigator.serviceWorker.controller !== null")


async def _reload_offline(page: Page) -> None:
    """The network goes and the app is opened again: shell from the worker, data from IndexedDB."""
    await goto(page, "/")
    await page.context.set_offline(True)
    await page.reload()
    await expect(page.get_by_test_id("offline-banner")).to_be_visible()


async def _user_id(page: Page) -> int:
    return int(await page.evaluate("JSON.parse(localStorage.getItem('gyoryu.session')).user.id"))


async def test_an_official_reads_the_directory_offline_from_the_saved_copy(
    demo_server: LiveServer, browser: Browser
) -> None:
    # A Seoul official's laptop in a meeting room in Berlin: times follow the profile (Seoul).
    page = await new_page(browser, locale="ko-KR", timezone="Europe/Berlin")
    try:
        await sign_in(page, demo_server.url, "seoul.kim", DEMO_PASSWORD)
        await _open_directory_online(page, "교류 명부")
        kim = await _user_id(page)
        assert await page.evaluate(READ_COPY, f"gyoryu-u{kim}") is not None

        await _reload_offline(page)
        await page.get_by_role("link", name="교류 명부", exact=True).click()

        # The saved copy, said to be one, with the time it was read in the user's zone.
        notice = page.get_by_test_id("saved-copy-notice")
        await expect(notice).to_contain_text("저장된 사본입니다")
        await expect(notice).to_contain_text("오프라인 상태입니다")
        saved_at = await notice.locator("time").get_attribute("datetime")
        assert saved_at is not None
        seoul_time = datetime.fromisoformat(saved_at).astimezone(ZoneInfo("Asia/Seoul"))
        await expect(notice.locator("time")).to_contain_text(seoul_time.strftime("%H:%M"))
        await expect(notice.locator("time")).to_contain_text(str(seoul_time.year))

        partnership = page.get_by_test_id("partnership").first
        await expect(partnership).to_contain_text("서울")
        await expect(partnership).to_contain_text("베이징")
        await expect(partnership).to_contain_text("자매도시")
        counterpart = page.get_by_test_id("counterpart").first
        await expect(counterpart).to_contain_text(KIM_KR)
        await expect(counterpart).to_contain_text(WANG_CN)
        await expect(page.get_by_test_id("regions")).to_contain_text("베이징")
        await expect(page.get_by_test_id("sectors")).to_contain_text("economy_trade")
        # The history is a call per slot: the toggle says it needs the network.
        toggle = counterpart.get_by_test_id("counterpart-history-toggle")
        await expect(toggle).to_be_disabled()
        await expect(toggle).to_contain_text("서버 연결 필요")
        # Not an administrator: no write controls at all, online or not.
        await expect(page.get_by_test_id("counterpart-add")).to_have_count(0)
        await expect(page.get_by_test_id("counterpart-offline-hint")).to_have_count(0)

        # Back online: the server's answer replaces the copy and the notice goes.
        await page.context.set_offline(False)
        await expect(notice).to_have_count(0)
        await expect(page.get_by_test_id("offline-banner")).to_have_count(0)
        await expect(toggle).to_be_enabled()
        await toggle.click()
        await expect(counterpart.get_by_test_id("counterpart-history")).to_contain_text(WANG_CN)
        newer = await page.evaluate(READ_COPY, f"gyoryu-u{kim}")
        assert newer is not None and newer > saved_at

        # Signing out removes the copy from this browser with the rest of the offline store.
        await page.get_by_test_id("logout").click()
        await expect(page.get_by_test_id("login-form")).to_be_visible()
        names = await page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
        assert f"gyoryu-u{kim}" not in names
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_an_administrator_offline_sees_the_edit_controls_disabled(
    demo_server: LiveServer, browser: Browser
) -> None:
    page = await new_page(browser, locale="en-GB", timezone="Asia/Seoul")
    try:
        await sign_in(page, demo_server.url, "admin", DEMO_PASSWORD)
        await _open_directory_online(page, "Directory")
        add = page.get_by_test_id("counterpart-add")
        await expect(add).to_be_enabled()

        await _reload_offline(page)
        await page.get_by_role("link", name="Directory", exact=True).click()
        await expect(page.get_by_test_id("saved-copy-notice")).to_contain_text("Saved copy from")
        await expect(page.get_by_test_id("saved-copy-notice")).to_contain_text("you are offline")
        counterpart = page.get_by_test_id("counterpart").first
        await expect(counterpart).to_contain_text(KIM_KR)

        # Writes are online-only: each control is there, disabled, and says why.
        hint = page.get_by_test_id("counterpart-offline-hint")
        await expect(hint).to_contain_text("needs a connection to the server")
        hint_id = await hint.get_attribute("id")
        assert hint_id
        edit = counterpart.get_by_test_id("counterpart-edit")
        end = counterpart.get_by_test_id("counterpart-end")
        for control in (add, edit, end):
            await expect(control).to_be_disabled()
            await expect(control).to_have_attribute("aria-describedby", hint_id)
        await expect(counterpart.get_by_test_id("counterpart-history-toggle")).to_be_disabled()
        # So are those of partnerships, cities and sectors, each card saying why.
        others = []
        for name in ("partnership", "city", "sector"):
            card_hint = page.get_by_test_id(f"{name}-offline-hint")
            await expect(card_hint).to_contain_text("changes need a connection to the server")
            controls = [
                page.get_by_test_id(f"{name}-add"),
                page.get_by_test_id(f"{name}-edit").first,
            ]
            for control in controls:
                await expect(control).to_be_disabled()
                await expect(control).to_have_attribute("aria-describedby", f"{name}-offline-hint")
            others += controls
        # The regions' Add and Edit buttons share the line of their card with the cities'.
        for control in (
            page.get_by_test_id("region-add"),
            page.get_by_test_id("region-edit").first,
        ):
            await expect(control).to_be_disabled()
            await expect(control).to_have_attribute("aria-describedby", "city-offline-hint")
            others.append(control)
        # The glossary's search needs the server too: its Add button says so on its own line.
        glossary_add = page.get_by_test_id("glossary-add")
        await expect(page.get_by_test_id("glossary-offline-hint")).to_contain_text(
            "changes need a connection to the server"
        )
        await expect(glossary_add).to_be_disabled()
        await expect(glossary_add).to_have_attribute("aria-describedby", "glossary-offline-hint")
        others.append(glossary_add)

        # Back online: the answer comes, the notice goes, the controls work again.
        await page.context.set_offline(False)
        await expect(page.get_by_test_id("saved-copy-notice")).to_have_count(0)
        await expect(hint).to_have_count(0)
        for control in (add, edit, end, *others):
            await expect(control).to_be_enabled()
        await add.click()
        await expect(page.get_by_test_id("counterpart-form")).to_be_visible()
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_another_official_on_the_same_browser_never_sees_the_first_ones_copy(
    demo_server: LiveServer, browser: Browser
) -> None:
    page = await new_page(browser, locale="zh-CN", timezone="Asia/Shanghai")
    try:
        await sign_in(page, demo_server.url, "seoul.kim", DEMO_PASSWORD)
        await _open_directory_online(page, "교류 명부")
        kim = await _user_id(page)
        await goto(page, "/")

        # Kim's session ends without signing out here (revoked elsewhere): the next start of
        # the app asks for a login, and Wang signs in on the same browser.
        token = await page.evaluate("JSON.parse(localStorage.getItem('gyoryu.session')).token")
        async with httpx.AsyncClient(base_url=demo_server.url) as client:
            response = await client.post(
                "/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}
            )
        assert response.status_code < 300, response.text
        await page.reload()
        await page.get_by_test_id("login-username").fill("beijing.wang")
        await page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
        await page.get_by_test_id("login-submit").click()
        await expect(page.get_by_test_id("logout")).to_be_visible()
        assert await _user_id(page) != kim
        await page.wait_for_function("navigator.serviceWorker.controller !== null")

        # Offline, Wang opens the directory: nothing saved for Wang, so the offline notice.
        await _reload_offline(page)
        await page.get_by_role("link", name="交流名录", exact=True).click()
        # The screen's own notice (the glossary search below has one of its own).
        notice = page.locator("section.directory > [data-testid=remote-offline]")
        await expect(notice).to_contain_text("需要连接到服务器")
        await expect(page.get_by_test_id("saved-copy-notice")).to_have_count(0)
        await expect(page.get_by_test_id("partnership")).to_have_count(0)
        await expect(page.get_by_test_id("counterpart")).to_have_count(0)
        # Kim's copy is still on the browser, in Kim's database only.
        assert await page.evaluate(READ_COPY, f"gyoryu-u{kim}") is not None
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
