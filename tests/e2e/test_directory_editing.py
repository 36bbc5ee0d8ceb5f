"""Browser tests of editing counterpart pairs on the directory screen.

The real app (API + the built web client) is served on a free port with the demo data; Debian's
Chromium, driven by Playwright, signs in as the demo administrator (the only demo user the
server lets write the directory) and adds, changes and ends pairs. Changes made "by someone
else" in between go straight to the API with httpx.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from server.demo import DEMO_PASSWORD
from tests.conftest import LiveServer
from tests.e2e.conftest import AdminApi, PlatformHold, new_page, sign_in

pytestmark = pytest.mark.e2e

SEOUL_BEIJING = "Seoul – Beijing"
KIM, LEE = "김지현 [DEMO]", "이준호 [DEMO]"
WANG, LI = "王芳 [DEMO]", "李伟 [DEMO]"


async def _open_directory(
    page: Page, base: str, username: str, nav_directory: str = "Directory"
) -> Locator:
    """Signs in, opens the directory (the link in the user's language) and waits for the
    counterpart rows; answers them."""
    await sign_in(page, base, username, DEMO_PASSWORD)
    await page.get_by_role("link", name=nav_directory, exact=True).click()
    rows = page.get_by_test_id("counterpart")
    await expect(rows.first).to_be_visible()
    return rows


async def _admin_page(
    browser: Browser, server: LiveServer, hold: PlatformHold | None = None
) -> tuple[Page, Locator]:
    page = await new_page(browser, locale="en-GB", timezone="Asia/Seoul")
    if hold:
        await hold.install(page)
    return page, await _open_directory(page, server.url, "admin")


async def _fill_new_pair(form: Locator, sector: str, kr: str, cn: str) -> None:
    await form.get_by_label("Partnership").select_option(label=SEOUL_BEIJING)
    await form.get_by_label("Sector").select_option(label=sector)
    await form.get_by_label("Korean official").select_option(label=kr)
    await form.get_by_label("Chinese official").select_option(label=cn)


async def test_admin_adds_changes_and_ends_a_counterpart_pair(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page, rows = await _admin_page(browser, demo_server)
    try:
        await expect(rows).to_have_count(1)
        add = page.get_by_test_id("counterpart-add")
        form = page.get_by_test_id("counterpart-form")
        status = page.get_by_test_id("counterpart-status")

        # Escape cancels the form and gives focus back to the button that opened it.
        await add.click()
        await expect(form.get_by_label("Partnership")).to_be_focused()
        await page.keyboard.press("Escape")
        await expect(form).to_have_count(0)
        await expect(add).to_be_focused()

        # Add: Culture, 이준호 with 李伟.
        await add.click()
        await _fill_new_pair(form, "Culture", LEE, LI)
        await form.get_by_test_id("counterpart-save").click()
        await expect(form).to_have_count(0)
        await expect(status).to_have_text("Saved.")
        culture = rows.filter(has_text="Culture")
        await expect(rows).to_have_count(2)
        await expect(culture).to_contain_text(LEE)
        await expect(culture).to_contain_text(LI)

        # Change the Chinese side to 王芳.
        await culture.get_by_test_id("counterpart-edit").click()
        await expect(form.get_by_label("Korean official")).to_be_focused()
        await expect(form.get_by_label("Korean official")).to_have_value(
            str(await admin_api.user_id("seoul.lee"))
        )
        await form.get_by_label("Chinese official").select_option(label=WANG)
        await form.get_by_test_id("counterpart-save").click()
        await expect(form).to_have_count(0)
        await expect(culture).to_contain_text(WANG)
        await expect(culture).not_to_contain_text(LI)

        # After a reload the list comes from the server: the change is there, with its history.
        await page.reload()
        culture = page.get_by_test_id("counterpart").filter(has_text="Culture")
        await expect(culture).to_contain_text(LEE)
        await expect(culture).to_contain_text(WANG)
        await culture.get_by_test_id("counterpart-history-toggle").click()
        history = culture.get_by_test_id("counterpart-history")
        await expect(history.locator("tbody tr")).to_have_count(2)
        await expect(history).to_contain_text(LI)

        # End: asked in the row first; then the pair leaves the current list for the ended one.
        await culture.get_by_test_id("counterpart-end").click()
        confirm = culture.get_by_test_id("counterpart-end-confirm")
        await expect(confirm).to_be_focused()
        await confirm.click()
        await expect(page.get_by_test_id("counterpart-status")).to_contain_text("ended")
        await expect(page.get_by_test_id("counterpart").filter(has_text="Culture")).to_have_count(0)
        await expect(page.get_by_test_id("counterpart")).to_have_count(1)
        ended = page.get_by_test_id("ended-counterpart").filter(has_text="Culture")
        await expect(ended).to_contain_text(LEE)
        await expect(ended).to_contain_text(WANG)
        await expect(ended.locator("time")).to_have_count(2)  # since and until

        # On the server too: only the demo pair is current; the ended one is kept.
        assert len(await admin_api.current_pairs()) == 1
        every = await admin_api.call("GET", "/counterparts?include_ended=true")
        assert len([pair for pair in every["items"] if pair["ended_at"] is not None]) == 2
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_members_see_the_pairs_without_edit_controls(
    demo_server: LiveServer, browser: Browser
) -> None:
    page = await new_page(browser, locale="ko-KR", timezone="Asia/Seoul")
    try:
        rows = await _open_directory(page, demo_server.url, "seoul.kim", "교류 명부")
        await expect(rows).to_have_count(1)
        await expect(rows.get_by_test_id("counterpart-history-toggle")).to_be_visible()
        await expect(page.get_by_test_id("counterpart-add")).to_have_count(0)
        await expect(page.get_by_test_id("counterpart-edit")).to_have_count(0)
        await expect(page.get_by_test_id("counterpart-end")).to_have_count(0)
    finally:
        await page.context.close()


async def _edit_while_someone_changes_it(page: Page, rows: Locator, admin_api: AdminApi) -> Locator:
    """Opens the economy pair (김지현 / 王芳), picks 이준호 for the Korean side, and before
    Save has someone else change the Chinese side to 李伟; answers the conflict dialog."""
    economy = rows.filter(has_text="Economy")
    await economy.get_by_test_id("counterpart-edit").click()
    form = page.get_by_test_id("counterpart-form")
    await form.get_by_label("Korean official").select_option(label=LEE)

    (pair,) = await admin_api.current_pairs()
    li = await admin_api.user_id("beijing.li")
    await admin_api.call(
        "PATCH",
        f"/counterparts/{pair['id']}",
        {"cn_user_id": li},
        headers={"If-Match": str(pair["version"])},
    )

    await form.get_by_test_id("counterpart-save").click()
    dialog = page.get_by_test_id("counterpart-conflict")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("heading", level=2)).to_be_focused()
    # Mine: only the side this user changed; theirs: the pair that replaced the one opened.
    await expect(dialog.get_by_test_id("conflict-mine")).to_contain_text(LEE)
    await expect(dialog.get_by_test_id("conflict-mine")).not_to_contain_text(WANG)
    await expect(dialog.get_by_test_id("conflict-theirs")).to_contain_text(KIM)
    await expect(dialog.get_by_test_id("conflict-theirs")).to_contain_text(LI)
    return dialog


async def test_stale_edit_shows_the_conflict_and_does_not_overwrite(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page, rows = await _admin_page(browser, demo_server)
    try:
        dialog = await _edit_while_someone_changes_it(page, rows, admin_api)
        kim, li = await admin_api.user_id("seoul.kim"), await admin_api.user_id("beijing.li")
        # The refused save changed nothing: the other person's pair stands.
        (pair,) = await admin_api.current_pairs()
        assert (pair["kr_user_id"], pair["cn_user_id"]) == (kim, li)

        await dialog.get_by_test_id("conflict-discard").click()
        await expect(dialog).to_have_count(0)
        economy = rows.filter(has_text="Economy")
        await expect(economy).to_contain_text(LI)
        await expect(economy).to_contain_text(KIM)
        await expect(economy).not_to_contain_text(LEE)
        (pair,) = await admin_api.current_pairs()
        assert (pair["kr_user_id"], pair["cn_user_id"]) == (kim, li)
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_stale_edit_can_be_reapplied_on_top_of_the_current_version(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page, rows = await _admin_page(browser, demo_server)
    try:
        dialog = await _edit_while_someone_changes_it(page, rows, admin_api)
        await dialog.get_by_test_id("conflict-reapply").click()
        await expect(dialog).to_have_count(0)
        await expect(page.get_by_test_id("counterpart-status")).to_have_text("Saved.")
        # Only the side this user changed moved; the other person's change is kept.
        economy = rows.filter(has_text="Economy")
        await expect(economy).to_contain_text(LEE)
        await expect(economy).to_contain_text(LI)
        (pair,) = await admin_api.current_pairs()
        lee, li = await admin_api.user_id("seoul.lee"), await admin_api.user_id("beijing.li")
        assert (pair["kr_user_id"], pair["cn_user_id"]) == (lee, li)
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_server_validation_error_is_shown_next_to_the_field(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    page, rows = await _admin_page(browser, demo_server)
    try:
        await page.get_by_test_id("counterpart-add").click()
        form = page.get_by_test_id("counterpart-form")

        # Saving with nothing chosen is caught before anything is sent.
        await form.get_by_test_id("counterpart-save").click()
        await expect(form.get_by_test_id("field-error")).to_have_count(4)
        await expect(form.get_by_label("Partnership")).to_be_focused()

        await _fill_new_pair(form, "Tourism", LEE, LI)
        # Meanwhile 이준호's account is closed: only the server can know.
        lee = await admin_api.user_id("seoul.lee")
        await admin_api.call("PATCH", f"/users/{lee}", {"is_active": False})
        await form.get_by_test_id("counterpart-save").click()

        korean = form.get_by_label("Korean official")
        await expect(korean).to_have_attribute("aria-invalid", "true")
        await expect(form.get_by_test_id("field-error")).to_have_text(
            re.compile("not an active official")
        )
        await expect(form.get_by_test_id("counterpart-form-error")).to_contain_text(
            "not an active official"
        )
        await expect(form.get_by_test_id("counterpart-save")).to_be_enabled()
        # Nothing was added, on the screen or on the server.
        await expect(rows).to_have_count(1)
        assert len(await admin_api.current_pairs()) == 1
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()


async def test_adding_to_a_slot_filled_meanwhile_shows_the_refusal_and_the_new_pair(
    demo_server: LiveServer, browser: Browser, admin_api: AdminApi
) -> None:
    hold = PlatformHold()
    page, rows = await _admin_page(browser, demo_server, hold)
    try:
        await page.get_by_test_id("counterpart-add").click()
        form = page.get_by_test_id("counterpart-form")
        await _fill_new_pair(form, "Tourism", LEE, LI)
        # Meanwhile someone else pairs 김지현 and 王芳 for the same sector (the live change,
        # which would show it in a moment, is held back: only the server knows).
        hold.holding = True
        (pair,) = await admin_api.current_pairs()
        sectors = await admin_api.call("GET", "/sectors?limit=200")
        tourism = next(s["id"] for s in sectors["items"] if s["code"] == "tourism")
        await admin_api.call(
            "POST",
            "/counterparts",
            {
                "partnership_id": pair["partnership_id"],
                "sector_id": tourism,
                "kr_user_id": await admin_api.user_id("seoul.kim"),
                "cn_user_id": await admin_api.user_id("beijing.wang"),
            },
        )
        await form.get_by_test_id("counterpart-save").click()

        await expect(form.get_by_test_id("counterpart-form-error")).to_be_visible()
        # The list is read again at once: the pair that won the slot shows, the form stays.
        tourism_row = rows.filter(has_text="Tourism")
        await expect(tourism_row).to_contain_text(KIM)
        await expect(tourism_row).to_contain_text(WANG)
        await expect(form).to_be_visible()
        assert len(await admin_api.current_pairs()) == 2
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        await page.context.close()
