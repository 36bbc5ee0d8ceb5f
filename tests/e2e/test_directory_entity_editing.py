"""Browser tests of editing regions, cities, partnerships, sectors and glossary terms on the
directory screen.

The real app (API + the built web client) is served on a free port with the demo data; Debian's
Chromium, driven by Playwright, signs in as the demo administrator (and, for concurrent edits,
a second administrator in a second browser context) and adds and edits cities, partnerships
and sectors, and edits regions and glossary terms (adding those: test_directory_adding.py).
Changes made "by someone else" in between go straight to the API with httpx.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from server.demo import DEMO_PASSWORD
from tests.conftest import LiveServer
from tests.e2e.conftest import (
    AdminApi,
    PlatformHold,
    directory_admin_page,
    new_page,
    open_directory,
)
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

SEEDED_SECTORS = 9


async def _open_directory(
    page: Page,
    base: str,
    username: str,
    password: str = DEMO_PASSWORD,
    nav_directory: str = "Directory",
) -> None:
    await open_directory(
        page, base, username, ("partnership",), password=password, nav_directory=nav_directory
    )


async def _admin_page(
    browser: Browser, server: LiveServer, hold: PlatformHold | None = None
) -> Page:
    return await directory_admin_page(browser, server, ("partnership",), hold)


def _label(form: Locator, text: str) -> Locator:
    return form.get_by_label(text, exact=True)


async def test_admin_adds_a_city_in_three_languages_and_edits_its_english_name(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _admin_page(browser, demo_server)
    try:
        form = page.get_by_test_id("city-form")
        await page.get_by_test_id("city-add").click()
        await expect(_label(form, "Country")).to_be_focused()
        await _label(form, "Country").select_option(label="Korea")
        # A Korean city's name is written in Korean unless said otherwise.
        await expect(_label(form, "Original language of the name")).to_have_value("ko")
        await _label(form, "Region").select_option(label="Gyeonggi Province")
        await _label(form, "Korean name").fill("성남시")
        await _label(form, "Chinese name").fill("城南市")
        await _label(form, "English name").fill("Seongnam")
        await form.get_by_test_id("city-save").click()

        await expect(form).to_have_count(0)
        await expect(page.get_by_test_id("city-status")).to_have_text("Saved.")
        gyeonggi = page.get_by_test_id("region").filter(has_text="Gyeonggi Province")
        seongnam = gyeonggi.get_by_test_id("city").filter(has_text="Seongnam")
        await expect(seongnam).to_have_count(1)
        created = await admin_api.city_named("성남시")
        assert created["name_lang"] == "ko"
        assert created["translations"] == {"zh-Hans": "城南市", "en": "Seongnam"}
        assert created["country"] == "KR"
        assert created["region_id"] == await admin_api.region_id("Gyeonggi Province")

        # Edit: only the English name changes; the PATCH carries just the translations, with
        # the version the form was opened on.
        await seongnam.get_by_test_id("city-edit").click()
        await expect(_label(form, "Korean name")).to_have_value("성남시")
        await _label(form, "English name").fill("Seongnam City")
        async with page.expect_request(
            lambda r: r.method == "PATCH" and "/api/v1/cities/" in r.url
        ) as sent:
            await form.get_by_test_id("city-save").click()
        request = await sent.value
        assert request.post_data_json == {
            "translations": {"zh-Hans": "城南市", "en": "Seongnam City"}
        }
        assert (await request.all_headers())["if-match"] == "1"
        await expect(form).to_have_count(0)
        await expect(
            gyeonggi.get_by_test_id("city").filter(has_text="Seongnam City")
        ).to_have_count(1)
        edited = await admin_api.city_named("성남시")
        assert edited["translations"]["en"] == "Seongnam City"
        assert edited["version"] == 2
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_a_second_administrators_stale_partnership_edit_gets_the_conflict_dialog(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    await make_user(demo_server.app, role="admin", username="admin.second", locale="en")
    first = await _admin_page(browser, demo_server)
    second = await new_page(browser, locale="en-GB", timezone="Asia/Shanghai")
    try:
        await _open_directory(second, demo_server.url, "admin.second", PASSWORD)
        # The second administrator opens the Seoul–Beijing partnership and starts an edit...
        row2 = second.get_by_test_id("partnership").filter(has_text="Beijing")
        await row2.get_by_test_id("partnership-edit").click()
        form2 = second.get_by_test_id("partnership-form")
        await expect(_label(form2, "Kind")).to_be_focused()
        await _label(form2, "Status").select_option(label="Suspended")

        # ...while the first one changes the notes and saves.
        row1 = first.get_by_test_id("partnership").filter(has_text="Beijing")
        await row1.get_by_test_id("partnership-edit").click()
        form1 = first.get_by_test_id("partnership-form")
        await _label(form1, "Notes").fill("MOU renewed in 2024.")
        await form1.get_by_test_id("partnership-save").click()
        await expect(form1).to_have_count(0)
        await expect(row1).to_contain_text("MOU renewed in 2024.")

        # The second save was made on the older version: the dialog, nothing overwritten.
        await form2.get_by_test_id("partnership-save").click()
        dialog = second.get_by_test_id("partnership-conflict")
        await expect(dialog).to_be_visible()
        await expect(dialog.get_by_role("heading", level=2)).to_be_focused()
        mine = dialog.get_by_test_id("conflict-mine")
        await expect(mine).to_contain_text("Active → Suspended")
        await expect(mine).not_to_contain_text("Notes")
        theirs = dialog.get_by_test_id("conflict-theirs")
        await expect(theirs).to_contain_text("MOU renewed in 2024.")
        await expect(theirs).to_contain_text("Active")
        (partnership,) = await admin_api.items("/partnerships")
        assert (partnership["status"], partnership["version"]) == ("active", 2)

        # Reapplied on top of the current version: both changes stand.
        await dialog.get_by_test_id("conflict-reapply").click()
        await expect(dialog).to_have_count(0)
        await expect(second.get_by_test_id("partnership-status")).to_have_text("Saved.")
        await expect(row2).to_contain_text("Suspended")
        await expect(row2).to_contain_text("MOU renewed in 2024.")
        (partnership,) = await admin_api.items("/partnerships")
        assert partnership["status"] == "suspended"
        assert partnership["notes"] == "MOU renewed in 2024."
        assert partnership["version"] == 3
        assert first.errors == [] and second.errors == []  # type: ignore[attr-defined]
    finally:
        await first.context.close()
        await second.context.close()


async def test_a_stale_city_edit_can_be_discarded_and_keeps_the_other_change(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _admin_page(browser, demo_server)
    try:
        qingdao = page.get_by_test_id("city").filter(has_text="Qingdao")
        await qingdao.get_by_test_id("city-edit").click()
        form = page.get_by_test_id("city-form")
        await _label(form, "English name").fill("Tsingtao")
        city = await admin_api.city_named("青岛市")
        await admin_api.call(
            "PATCH",
            f"/cities/{city['id']}",
            {"translations": {"ko": "칭다오", "en": "Qingdao"}},
            headers={"If-Match": str(city["version"])},
        )
        await form.get_by_test_id("city-save").click()
        dialog = page.get_by_test_id("city-conflict")
        await expect(dialog.get_by_test_id("conflict-mine")).to_contain_text("Qingdao → Tsingtao")
        await expect(dialog.get_by_test_id("conflict-theirs")).to_contain_text("칭다오")
        await page.keyboard.press("Escape")  # the safe way out: discard
        await expect(dialog).to_have_count(0)
        now = await admin_api.city_named("青岛市")
        assert now["translations"] == {"ko": "칭다오", "en": "Qingdao"}
        assert now["version"] == city["version"] + 1
        await expect(page.get_by_test_id("city").filter(has_text="Qingdao")).to_have_count(1)
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_admin_adds_a_sector_in_three_languages_and_edits_its_english_name(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _admin_page(browser, demo_server)
    try:
        await expect(page.get_by_test_id("sector")).to_have_count(SEEDED_SECTORS)
        await page.get_by_test_id("sector-add").click()
        form = page.get_by_test_id("sector-form")
        await expect(_label(form, "Code")).to_be_focused()
        await _label(form, "Code").fill("sports_exchange")
        await _label(form, "Original language of the name").select_option("ko")
        await _label(form, "Korean name").fill("체육 교류")
        await _label(form, "Chinese name").fill("体育交流")
        await _label(form, "English name").fill("Sports exchange")
        await form.get_by_test_id("sector-save").click()

        await expect(form).to_have_count(0)
        await expect(page.get_by_test_id("sector-status")).to_have_text("Saved.")
        row = page.get_by_test_id("sector").filter(has_text="sports_exchange")
        await expect(row).to_contain_text("체육 교류")
        await expect(row).to_contain_text("体育交流")
        await expect(row).to_contain_text("Sports exchange")
        added = next(s for s in await admin_api.items("/sectors") if s["code"] == "sports_exchange")
        assert (added["name"], added["name_lang"]) == ("체육 교류", "ko")
        assert added["translations"] == {"zh-Hans": "体育交流", "en": "Sports exchange"}

        # Edit: the names change, the code stays (the form has no input for it); the PATCH
        # carries just the translations, with the version the form was opened on.
        await row.get_by_test_id("sector-edit").click()
        await expect(_label(form, "Korean name")).to_be_focused()
        await expect(_label(form, "Code")).to_have_count(0)
        await expect(form).to_contain_text("sports_exchange")
        await _label(form, "English name").fill("Sports exchanges")
        async with page.expect_request(
            lambda r: r.method == "PATCH" and "/api/v1/sectors/" in r.url
        ) as sent:
            await form.get_by_test_id("sector-save").click()
        request = await sent.value
        assert request.post_data_json == {
            "translations": {"zh-Hans": "体育交流", "en": "Sports exchanges"}
        }
        assert (await request.all_headers())["if-match"] == "1"
        await expect(form).to_have_count(0)
        await expect(page.get_by_test_id("sector-status")).to_have_text("Saved.")
        await expect(row).to_contain_text("Sports exchanges")
        edited = next(s for s in await admin_api.items("/sectors") if s["id"] == added["id"])
        assert (edited["code"], edited["version"]) == ("sports_exchange", 2)
        assert edited["translations"]["en"] == "Sports exchanges"
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_admin_edits_a_region_and_a_glossary_term_changed_meanwhile(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _admin_page(browser, demo_server)
    try:
        # A region: its kind changes; its country is not offered.
        gyeonggi = page.get_by_test_id("region").filter(has_text="Gyeonggi Province")
        await gyeonggi.get_by_test_id("region-edit").click()
        form = page.get_by_test_id("region-form")
        await expect(_label(form, "Korean name")).to_have_value("경기도")
        await expect(_label(form, "Country")).to_have_count(0)
        await _label(form, "Kind of region").select_option(label="Special self-governing province")
        await form.get_by_test_id("region-save").click()
        await expect(form).to_have_count(0)
        await expect(page.get_by_test_id("region-status")).to_have_text("Saved.")
        await expect(gyeonggi).to_contain_text("Special self-governing province")
        region = next(r for r in await admin_api.items("/regions") if r["name"] == "경기도")
        assert (region["kind"], region["version"]) == ("special_self_governing_province", 2)

        # A glossary term: the administrator adds a note while someone else corrects the
        # English term; the save meets the conflict dialog and is laid on top.
        delegation = page.get_by_test_id("glossary-term").filter(has_text="대표단")
        await delegation.get_by_test_id("glossary-edit").click()
        term_form = page.get_by_test_id("glossary-form")
        # The form opens with its first field focused (before it is painted).
        await expect(_label(term_form, "Korean term")).to_be_focused()
        await _label(term_form, "Note").fill("Both sides send one.")
        term = next(t for t in await admin_api.items("/glossary") if t["terms"]["ko"] == "대표단")
        await admin_api.call(
            "PATCH",
            f"/glossary/{term['id']}",
            {"terms": {**term["terms"], "en": "delegation (official)"}},
            headers={"If-Match": str(term["version"])},
        )
        await term_form.get_by_test_id("glossary-save").click()
        dialog = page.get_by_test_id("glossary-conflict")
        await expect(dialog.get_by_test_id("conflict-mine")).to_contain_text("Both sides send one.")
        await expect(dialog.get_by_test_id("conflict-theirs")).to_contain_text(
            "delegation (official)"
        )
        await dialog.get_by_test_id("conflict-reapply").click()
        await expect(dialog).to_have_count(0)
        await expect(page.get_by_test_id("glossary-status")).to_have_text("Saved.")
        await expect(delegation).to_contain_text("delegation (official)")
        await expect(delegation).to_contain_text("Both sides send one.")
        now = next(t for t in await admin_api.items("/glossary") if t["id"] == term["id"])
        assert (now["note"], now["terms"]["en"], now["version"]) == (
            "Both sides send one.",
            "delegation (official)",
            3,
        )
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_server_validation_error_is_shown_next_to_the_field(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    hold = PlatformHold()
    page = await _admin_page(browser, demo_server, hold)
    try:
        await page.get_by_test_id("sector-add").click()
        form = page.get_by_test_id("sector-form")
        # Saving with nothing filled in is caught before anything is sent.
        await form.get_by_test_id("sector-save").click()
        await expect(form.get_by_test_id("field-error")).to_have_count(2)  # code, English name
        await expect(_label(form, "Code")).to_be_focused()

        # The form of a code is the server's rule: its message lands next to the code.
        await _label(form, "Code").fill("Sports-Exchange")
        await _label(form, "English name").fill("Sports exchange")
        await form.get_by_test_id("sector-save").click()
        code = _label(form, "Code")
        await expect(code).to_have_attribute("aria-invalid", "true")
        await expect(form.get_by_test_id("field-error")).to_have_text(re.compile("pattern"))
        assert (
            await code.get_attribute("aria-describedby")
            == "sector-new-code-hint sector-new-code-error"
        )
        await expect(form.get_by_test_id("sector-form-error")).to_contain_text("invalid fields")
        await expect(form.get_by_test_id("sector-save")).to_be_enabled()
        assert len(await admin_api.items("/sectors")) == SEEDED_SECTORS

        # A 409 names no field, but its code does: a city added meanwhile under the same name
        # (the live change, which would show it in a moment, is held back: only the server knows).
        hold.holding = True
        await page.get_by_test_id("city-add").click()
        city_form = page.get_by_test_id("city-form")
        await _label(city_form, "Country").select_option(label="Korea")
        await _label(city_form, "Region").select_option(label="Gyeonggi Province")
        await _label(city_form, "Korean name").fill("안산시")
        await admin_api.call(
            "POST",
            "/cities",
            {
                "name": "안산시",
                "country": "KR",
                "region_id": await admin_api.region_id("Gyeonggi Province"),
            },
        )
        await city_form.get_by_test_id("city-save").click()
        korean = _label(city_form, "Korean name")
        await expect(korean).to_have_attribute("aria-invalid", "true")
        await expect(city_form.get_by_test_id("field-error")).to_contain_text("already exists")
        await expect(city_form.get_by_test_id("city-form-error")).to_be_visible()
        # The list is read again at once: the city that won the name shows; the form stays.
        await expect(page.get_by_test_id("city").filter(has_text="안산시")).to_have_count(1)
        await expect(city_form).to_be_visible()
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_members_see_no_controls_to_edit_the_directory(
    demo_server: LiveServer, browser: Browser
) -> None:
    page = await new_page(browser, locale="ko-KR", timezone="Asia/Seoul")
    try:
        await _open_directory(page, demo_server.url, "seoul.kim", nav_directory="교류 명부")
        await expect(page.get_by_test_id("city")).not_to_have_count(0)
        await expect(page.get_by_test_id("glossary-term")).not_to_have_count(0)
        for test_id in (
            "partnership-add",
            "partnership-edit",
            "city-add",
            "city-edit",
            "region-add",
            "region-edit",
            "sector-add",
            "sector-edit",
            "glossary-add",
            "glossary-edit",
            "partnership-status",
            "region-status",
        ):
            await expect(page.get_by_test_id(test_id)).to_have_count(0)
        await expect(page.get_by_test_id("partnerships").locator("thead th")).to_have_count(6)
        await expect(page.get_by_test_id("sectors").locator("thead th")).to_have_count(4)
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
