"""Browser tests of the directory screen updating live: what another administrator adds or
edits shows on an open directory screen without a reload.

The real app (API + the built web client) is served on a free port with the demo data; Debian's
Chromium, driven by Playwright, keeps the directory open while "someone else" writes through
the API with httpx. The client is subscribed to the `platform` scope over its one WebSocket;
a directory change re-reads only the list it touched, gathered for ~300 ms, so that a CSV import
of a thousand rows costs a read or two, not a thousand (web/src/data/directoryLive.ts).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Page, Request, expect

from server.demo import DEMO_PASSWORD
from tests.conftest import LiveServer
from tests.e2e.conftest import AdminApi, live_ready, new_page, sign_in

pytestmark = pytest.mark.e2e

DEMO_TERMS = 6
LISTS = ("regions", "cities", "partnerships", "sectors", "counterparts", "users", "glossary")

# The names of the cities in the user's saved copy of the directory (runtime.dbName), or null.
SAVED_CITIES = """async (name) => {
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  try {
    return await new Promise((ok, fail) => {
      const r = db.transaction('meta').objectStore('meta').get('copy:directory');
      r.onsuccess = () => ok(r.result ? r.result.data.cities.map((c) => c.name) : null);
      r.onerror = () => fail(r.error);
    });
  } finally {
    db.close();
  }
}"""


class Reads:
    """The list reads a page sends: one per list read (its first page; more pages follow)."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.on("request", self._on_request)

    def _on_request(self, request: Request) -> None:
        if request.method != "GET":
            return
        url = urlsplit(request.url)
        name = url.path.removeprefix("/api/v1/")
        if name in LISTS and not parse_qs(url.query).get("cursor"):
            self.seen.append(name)

    def clear(self) -> None:
        self.seen.clear()

    def count(self, name: str) -> int:
        return self.seen.count(name)


async def _directory_page(
    browser: Browser, server: LiveServer, username: str, locale: str, nav: str
) -> Page:
    """Signs in, waits for the live connection, opens the directory through its link."""
    page = await new_page(browser, locale=locale, timezone="Asia/Seoul")
    await sign_in(page, server.url, username, DEMO_PASSWORD)
    await live_ready(page)
    await page.get_by_role("link", name=nav, exact=True).click()
    await expect(page.get_by_test_id("region").first).to_be_visible()
    await expect(page.get_by_test_id("glossary-term")).to_have_count(DEMO_TERMS)
    return page


async def _sector(admin_api: AdminApi, code: str) -> dict[str, Any]:
    return next(s for s in await admin_api.items("/sectors") if s["code"] == code)


async def test_a_member_sees_cities_sectors_and_terms_others_add_without_reloading(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _directory_page(browser, demo_server, "seoul.kim", "ko-KR", "교류 명부")
    try:
        reads = Reads(page)
        loads: list[str] = []
        page.on("load", lambda p: loads.append(p.url))
        gyeonggi = await admin_api.region_id("Gyeonggi Province")
        await admin_api.call(
            "POST",
            "/cities",
            {
                "name": "성남시",
                "country": "KR",
                "region_id": gyeonggi,
                "translations": {"zh-Hans": "城南市", "en": "Seongnam"},
            },
        )
        row = page.get_by_test_id("region").filter(has_text="경기도")
        await expect(row.get_by_test_id("city").filter(has_text="성남시")).to_have_count(1)
        # Only the cities were read again; the other lists stand.
        assert reads.count("cities") == 1, reads.seen
        assert set(reads.seen) == {"cities"}, reads.seen
        # The copy saved for reading offline has it too.
        me = int(await page.evaluate("JSON.parse(localStorage.getItem('gyoryu.session')).user.id"))
        assert "성남시" in await page.evaluate(SAVED_CITIES, f"gyoryu-u{me}")

        # A sector renamed elsewhere: its row shows the new name.
        reads.clear()
        tourism = await _sector(admin_api, "tourism")
        await admin_api.call(
            "PATCH",
            f"/sectors/{tourism['id']}",
            {"translations": {**tourism["translations"], "en": "Tourism and travel"}},
            headers={"If-Match": str(tourism["version"])},
        )
        sector_row = page.get_by_test_id("sector").filter(has_text="tourism")
        await expect(sector_row).to_contain_text("Tourism and travel")
        assert set(reads.seen) == {"sectors"}, reads.seen

        # A glossary term added elsewhere joins the list the (empty) search shows.
        reads.clear()
        await admin_api.call(
            "POST",
            "/glossary",
            {"terms": {"ko": "우호협력도시", "zh-Hans": "友好合作城市", "en": "friendly city"}},
        )
        await expect(page.get_by_test_id("glossary-term")).to_have_count(DEMO_TERMS + 1)
        await expect(page.get_by_test_id("glossary")).to_contain_text("우호협력도시")
        assert set(reads.seen) == {"glossary"}, reads.seen
        assert loads == []  # never reloaded
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_an_open_edit_form_keeps_its_draft_and_a_stale_save_meets_the_dialog(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _directory_page(browser, demo_server, "admin", "en-GB", "Directory")
    try:
        row = page.get_by_test_id("sector").filter(has_text="tourism")
        await row.get_by_test_id("sector-edit").click()
        form = page.get_by_test_id("sector-form")
        english = form.get_by_label("English name", exact=True)
        await english.fill("Tourism (draft)")

        # Another administrator renames the same sector in Chinese meanwhile: the row shows it
        # at once, the form stays open with what was typed, focus where it was.
        tourism = await _sector(admin_api, "tourism")
        await admin_api.call(
            "PATCH",
            f"/sectors/{tourism['id']}",
            {"translations": {**tourism["translations"], "zh-Hans": "旅游观光"}},
            headers={"If-Match": str(tourism["version"])},
        )
        await expect(row).to_contain_text("旅游观光")
        await expect(form).to_be_visible()
        await expect(english).to_have_value("Tourism (draft)")
        await expect(english).to_be_focused()

        # Saving on the version the form opened on: the conflict dialog, as before.
        await form.get_by_test_id("sector-save").click()
        dialog = page.get_by_test_id("sector-conflict")
        await expect(dialog.get_by_test_id("conflict-mine")).to_contain_text(
            "Tourism → Tourism (draft)"
        )
        await expect(dialog.get_by_test_id("conflict-theirs")).to_contain_text("旅游观光")
        await page.keyboard.press("Escape")  # discard: theirs stays
        await expect(dialog).to_have_count(0)
        now = await _sector(admin_api, "tourism")
        assert now["translations"]["zh-Hans"] == "旅游观光"
        assert now["version"] == tourism["version"] + 1
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_a_csv_import_of_a_thousand_cities_is_read_again_once_or_twice(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _directory_page(browser, demo_server, "seoul.kim", "ko-KR", "교류 명부")
    try:
        reads = Reads(page)
        rows = 1000
        csv = "name,country\n" + "".join(f"测试城市{i:04d},CN\n" for i in range(rows))
        async with httpx.AsyncClient(
            base_url=demo_server.url, headers={"Authorization": f"Bearer {admin_api.token}"}
        ) as client:
            response = await client.post(
                "/api/v1/directory/import/cities?dry_run=false",
                files={"file": ("cities.csv", csv.encode(), "text/csv")},
            )
        assert response.status_code == 200, response.text
        assert response.json()["created"] == rows

        cities = page.get_by_test_id("city")
        await expect(cities.filter(has_text=f"测试城市{rows - 1:04d}")).to_have_count(1)
        await expect(cities.filter(has_text="测试城市")).to_have_count(rows)
        # Give any late change a window to ask again, then count: one re-read per ~300 ms window
        # while the changes arrive, not one per change.
        await page.wait_for_timeout(1000)
        assert 1 <= reads.count("cities") <= 3, reads.seen
        assert set(reads.seen) == {"cities"}, reads.seen
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
