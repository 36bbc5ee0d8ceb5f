"""Browser tests of adding regions and glossary terms on the directory screen.

The real app (API + the built web client) is served on a free port with the demo data; Debian's
Chromium, driven by Playwright, signs in as the demo administrator (the only demo user the
server lets write the directory) and adds a region and a glossary term through their forms.
Entries made "by someone else" in between go straight to the API with httpx.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.conftest import LiveServer
from tests.e2e.conftest import (
    AdminApi,
    PlatformHold,
    directory_admin_page,
    new_page,
    open_directory,
)

pytestmark = pytest.mark.e2e

DEMO_REGIONS = 7
DEMO_TERMS = 6


_READY = ("region", "glossary-term")


async def _open_directory(
    page: Page, base: str, username: str, nav_directory: str = "Directory"
) -> None:
    await open_directory(page, base, username, _READY, nav_directory=nav_directory)


async def _admin_page(
    browser: Browser, server: LiveServer, hold: PlatformHold | None = None
) -> Page:
    return await directory_admin_page(browser, server, _READY, hold)


def _label(form: Locator, text: str) -> Locator:
    return form.get_by_label(text, exact=True)


async def test_admin_adds_a_region_and_sees_it_listed(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _admin_page(browser, demo_server)
    try:
        regions = page.get_by_test_id("region")
        await expect(regions).to_have_count(DEMO_REGIONS)
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        add = page.get_by_test_id("region-add")
        form = page.get_by_test_id("region-form")

        # Escape cancels the form and gives focus back to the button that opened it.
        await add.click()
        await expect(_label(form, "Country")).to_be_focused()
        await page.keyboard.press("Escape")
        await expect(form).to_have_count(0)
        await expect(add).to_be_focused()

        # Saving with nothing filled in is caught before anything is sent.
        await add.click()
        await form.get_by_test_id("region-save").click()
        await expect(form.get_by_test_id("field-error")).to_have_count(3)  # country, kind, name
        await expect(_label(form, "Country")).to_be_focused()
        assert posts == []

        # China: the name's original language becomes Chinese, and only China's kinds are offered.
        await _label(form, "Country").select_option(label="China")
        await expect(_label(form, "Original language of the name")).to_have_value("zh-Hans")
        kinds = await _label(form, "Kind of region").locator("option").all_inner_texts()
        assert "Special city" not in kinds and "Province" in kinds
        await _label(form, "Kind of region").select_option(label="Province")
        await _label(form, "Chinese name").fill("江苏省")
        await _label(form, "Korean name").fill("장쑤성")
        await _label(form, "English name").fill("Jiangsu Province")
        async with page.expect_request(
            lambda r: r.method == "POST" and r.url.endswith("/api/v1/regions")
        ) as sent:
            await form.get_by_test_id("region-save").click()
        request = await sent.value
        assert request.post_data_json == {
            "name": "江苏省",
            "name_lang": "zh-Hans",
            "translations": {"ko": "장쑤성", "en": "Jiangsu Province"},
            "country": "CN",
            "kind": "province",
        }
        assert (await request.all_headers())["idempotency-key"]

        # Listed at once, without a reload; the card's heading has focus and says "Saved.".
        await expect(form).to_have_count(0)
        await expect(page.get_by_test_id("region-status")).to_have_text("Saved.")
        await expect(page.locator("#dir-regions")).to_be_focused()
        await expect(regions).to_have_count(DEMO_REGIONS + 1)
        jiangsu = regions.filter(has_text="Jiangsu Province")
        await expect(jiangsu.locator("td").nth(0)).to_have_text("Province")
        await expect(jiangsu.locator("td").nth(1)).to_have_text("China")
        added = next(r for r in await admin_api.items("/regions") if r["name"] == "江苏省")
        assert (added["country"], added["kind"], added["version"]) == ("CN", "province", 1)

        # The new region is offered to a new city of its country at once.
        await page.get_by_test_id("city-add").click()
        city_form = page.get_by_test_id("city-form")
        await _label(city_form, "Country").select_option(label="China")
        await _label(city_form, "Region").select_option(label="Jiangsu Province")
        await page.keyboard.press("Escape")
        await expect(city_form).to_have_count(0)
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_a_region_added_meanwhile_under_the_same_name_is_refused_next_to_the_name(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    hold = PlatformHold()
    page = await _admin_page(browser, demo_server, hold)
    try:
        regions = page.get_by_test_id("region")
        await page.get_by_test_id("region-add").click()
        form = page.get_by_test_id("region-form")
        await _label(form, "Country").select_option(label="Korea")
        await _label(form, "Kind of region").select_option(label="Province")

        # A name the list already has is caught before sending.
        await _label(form, "Korean name").fill("경기도")
        await form.get_by_test_id("region-save").click()
        await expect(form.get_by_test_id("field-error")).to_have_text(
            "Another region of this country already has this name."
        )

        # Another administrator adds 강원특별자치도 while this form is open: only the server knows
        # (the live change, which would show it in a moment, is held back).
        await _label(form, "Korean name").fill("강원특별자치도")
        hold.holding = True
        await admin_api.call(
            "POST",
            "/regions",
            {"name": "강원특별자치도", "country": "KR", "kind": "special_self_governing_province"},
        )
        await form.get_by_test_id("region-save").click()
        korean = _label(form, "Korean name")
        await expect(korean).to_have_attribute("aria-invalid", "true")
        await expect(form.get_by_test_id("field-error")).to_have_text(
            "already exists in this country"
        )
        await expect(form.get_by_test_id("region-form-error")).to_contain_text("already exists")
        await expect(form.get_by_test_id("region-form-error")).to_be_focused()
        await expect(form.get_by_test_id("region-save")).to_be_enabled()
        # The list is read again at once: the other administrator's region shows, once; the form
        # stays with what was typed.
        await expect(regions).to_have_count(DEMO_REGIONS + 1)
        await expect(regions.filter(has_text="강원특별자치도")).to_have_count(1)
        await expect(korean).to_have_value("강원특별자치도")
        same = [r for r in await admin_api.items("/regions") if r["name"] == "강원특별자치도"]
        assert len(same) == 1
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_admin_adds_a_glossary_term_and_sees_it_listed(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _admin_page(browser, demo_server)
    try:
        terms = page.get_by_test_id("glossary-term")
        await expect(terms).to_have_count(DEMO_TERMS)
        add = page.get_by_test_id("glossary-add")
        form = page.get_by_test_id("glossary-form")

        await add.click()
        await expect(_label(form, "Korean term")).to_be_focused()
        await page.keyboard.press("Escape")
        await expect(form).to_have_count(0)
        await expect(add).to_be_focused()

        # One language is not enough: caught before sending, each empty language marked.
        await add.click()
        await _label(form, "Korean term").fill("실무협의")
        await form.get_by_test_id("glossary-save").click()
        await expect(form.get_by_test_id("field-error")).to_have_count(2)
        await expect(_label(form, "Chinese term")).to_be_focused()

        await _label(form, "Chinese term").fill("工作磋商")
        await _label(form, "English term").fill("working-level consultation")
        await _label(form, "Sector").select_option(label="Culture")
        await _label(form, "Note").fill("Before each joint committee.")
        await form.get_by_test_id("glossary-save").click()

        # Listed at once (the whole glossary is shown: the empty search lists it too).
        await expect(form).to_have_count(0)
        await expect(page.get_by_test_id("glossary-status")).to_have_text("Saved.")
        await expect(page.locator("#dir-glossary")).to_be_focused()
        await expect(terms).to_have_count(DEMO_TERMS + 1)
        row = terms.filter(has_text="실무협의")
        await expect(row).to_contain_text("工作磋商")
        await expect(row).to_contain_text("working-level consultation")
        await expect(row).to_contain_text("Culture")
        await expect(row).to_contain_text("Before each joint committee.")
        (added,) = [
            t for t in await admin_api.items("/glossary") if t["terms"].get("ko") == "실무협의"
        ]
        assert added["note"] == "Before each joint committee."

        # Added while a search that does not list it is shown: the search becomes the new term.
        await page.get_by_test_id("glossary-input").fill("delegation")
        await page.get_by_test_id("glossary-submit").click()
        await expect(terms).to_have_count(1)
        await add.click()
        await _label(form, "Korean term").fill("의전")
        await _label(form, "English term").fill("protocol")
        await form.get_by_test_id("glossary-save").click()
        await expect(form).to_have_count(0)
        await expect(page.get_by_test_id("glossary-status")).to_contain_text("new term")
        await expect(page.get_by_test_id("glossary-input")).to_have_value("protocol")
        await expect(terms).to_have_count(1)
        await expect(terms.first).to_contain_text("의전")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_a_glossary_term_the_server_refuses_shows_its_error_next_to_the_language(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page = await _admin_page(browser, demo_server)
    try:
        terms = page.get_by_test_id("glossary-term")
        await expect(terms).to_have_count(DEMO_TERMS)
        await page.get_by_test_id("glossary-add").click()
        form = page.get_by_test_id("glossary-form")
        # Lengths are the server's rule (200 characters a term): its message lands next to it.
        await _label(form, "Korean term").fill("교류")
        await _label(form, "English term").fill("exchange " * 25)
        await form.get_by_test_id("glossary-save").click()

        english = _label(form, "English term")
        await expect(english).to_have_attribute("aria-invalid", "true")
        await expect(form.get_by_test_id("field-error")).to_have_text(
            re.compile("at most 200 characters")
        )
        assert await english.get_attribute("aria-describedby") == "glossary-new-en-error"
        await expect(form.get_by_test_id("glossary-form-error")).to_be_visible()
        await expect(form.get_by_test_id("glossary-save")).to_be_enabled()
        # Nothing was added, on the screen or on the server.
        await expect(terms).to_have_count(DEMO_TERMS)
        assert len(await admin_api.items("/glossary")) == DEMO_TERMS

        # Corrected, it goes through.
        await english.fill("exchange")
        await form.get_by_test_id("glossary-save").click()
        await expect(form).to_have_count(0)
        await expect(terms).to_have_count(DEMO_TERMS + 1)
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_members_see_no_add_buttons(demo_server: LiveServer, browser: Browser) -> None:
    page = await new_page(browser, locale="ko-KR", timezone="Asia/Seoul")
    try:
        await _open_directory(page, demo_server.url, "seoul.kim", nav_directory="교류 명부")
        await expect(page.get_by_test_id("region")).not_to_have_count(0)
        for test_id in ("region-add", "glossary-add", "region-form", "glossary-form"):
            await expect(page.get_by_test_id(test_id)).to_have_count(0)
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
