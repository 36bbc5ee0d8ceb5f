"""Translations on the thread screen: a Beijing official adds a Chinese translation of a Seoul
colleague's Korean message; both see it beside the original with its kind and translator (the
Seoul side live, without reloading), once and without flicker; when the original is edited both
see the translation marked stale. A machine translation can be marked as reviewed, and offline
the online-only controls are disabled with the reason shown."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.e2e.conftest import (
    ApiCall,
    World,
    both_delegations_in_the_thread,
    live_ready,
    login,
    new_page,
)
from tests.factories import make_bot, make_user

pytestmark = pytest.mark.e2e

ORIGINAL = "환영합니다"  # in the world's first message: "안녕하세요, **환영합니다**."


def first_message(page: Page) -> Locator:
    return page.get_by_test_id("message-item").filter(has_text=ORIGINAL)


async def record_translation_counts(page: Page, message_id: int) -> None:
    """From now on, window.__counts gets how many translations that message shows, at every
    change of the page (to catch a flicker to none, or a second copy)."""
    await page.evaluate(
        """id => {
            window.__counts = [];
            const count = () => document.querySelectorAll(
                `[data-message-id="${id}"] [data-testid=translation]`).length;
            new MutationObserver(() => window.__counts.push(count()))
                .observe(document.body, {subtree: true, childList: true, characterData: true});
        }""",
        message_id,
    )


async def test_chinese_translation_of_a_korean_message_shows_live_and_goes_stale_on_edit(
    browser: Browser, world: World
) -> None:
    seoul, beijing = await both_delegations_in_the_thread(browser, world)

    message_b = first_message(beijing)
    message_id = int(await message_b.get_attribute("data-message-id") or 0)
    await expect(message_b.get_by_test_id("translation")).to_have_count(0)
    await message_b.get_by_test_id("translation-add").click()
    form = message_b.get_by_test_id("translation-form")
    # Only the languages other than the original (Korean); Li's own language first.
    lang = form.get_by_test_id("translation-lang")
    await expect(lang).to_have_value("zh-Hans")
    values = await lang.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert values == ["zh-Hans", "en"]

    await record_translation_counts(beijing, message_id)
    await form.get_by_test_id("translation-body").fill("您好，**欢迎**。")
    await form.get_by_test_id("translation-save").click()
    await expect(form).to_have_count(0)

    # Beside the original for Li (his language): kind, translator, server-rendered body.
    mine = message_b.get_by_test_id("translation")
    await expect(mine).to_have_count(1)
    await expect(mine).to_have_attribute("data-lang", "zh-Hans")
    await expect(mine.get_by_test_id("translation-kind")).to_have_text("人工翻译")
    await expect(mine.get_by_test_id("translation-by")).to_have_text("译者：Li.Beijing")
    await expect(mine.locator("strong")).to_have_text("欢迎")
    await expect(mine.get_by_test_id("translation-stale")).to_have_count(0)

    # Live for Kim in Seoul (no reload): behind "번역 (1)", in Korean labels.
    message_s = first_message(seoul)
    toggle = message_s.get_by_test_id("translations-toggle")
    await expect(toggle).to_have_text("번역 (1)")
    await toggle.click()
    theirs = message_s.get_by_test_id("translation")
    await expect(theirs).to_have_count(1)
    await expect(theirs).to_contain_text("您好，欢迎。")
    await expect(theirs.get_by_test_id("translation-kind")).to_have_text("사람 번역")
    await expect(theirs.get_by_test_id("translation-by")).to_have_text("번역자: Li.Beijing")

    # The REST answer and the live change both reached Li's page: shown once, never gone.
    counts: list[int] = await beijing.evaluate("window.__counts")
    shown = counts[counts.index(1) :] if 1 in counts else []
    assert shown and set(shown) == {1}, counts

    # Kim edits the original: the translation is stale for both, live.
    await message_s.get_by_test_id("message-edit").click()
    await seoul.get_by_test_id("message-edit-input").fill("안녕하세요, **진심으로 환영합니다**.")
    await seoul.get_by_test_id("message-edit-save").click()
    await expect(theirs.get_by_test_id("translation-stale")).to_have_text(
        "최신 아님: 이 번역 이후 원문이 수정되었습니다"
    )
    await expect(mine.get_by_test_id("translation-stale")).to_have_text(
        "已过时：此译文之后原文已被修改"
    )
    await expect(message_b.get_by_test_id("translation")).to_have_count(1)
    assert not seoul.errors and not beijing.errors  # type: ignore[attr-defined]


async def test_machine_translation_marked_as_reviewed_and_offline_controls_say_why(
    browser: Browser, world: World, api: ApiCall
) -> None:
    admin = await make_user(world.server.app, role="admin", username="admin.bots")
    bot = await make_bot(
        world.server.app, admin, scopes=["translations:write"], channel_ids=[world.channel_id]
    )
    path = f"/threads/{world.thread_id}/messages"
    first = (await api(world.server, world.beijing_official, "GET", path))["items"][0]
    await api(
        world.server,
        bot,
        "PUT",
        f"/messages/{first['id']}/translations/zh-Hans",
        {"body": "你好，欢迎。"},
    )

    page = await new_page(browser, locale="zh-CN", timezone="Asia/Shanghai")
    await login(page, world.url, world.beijing_official, f"/threads/{world.thread_id}")
    message = first_message(page)
    translation = message.get_by_test_id("translation")
    await expect(translation.get_by_test_id("translation-kind")).to_have_text("机器翻译")
    await expect(translation.get_by_test_id("translation-kind")).to_have_attribute(
        "data-kind", "bot"
    )

    # Offline: the online-only controls stay in place, disabled, and the thread says why.
    await live_ready(page)
    await page.context.set_offline(True)
    hint = page.get_by_test_id("thread-offline-hint")
    await expect(hint).to_contain_text("添加译文和查看编辑记录需要连接服务器")
    await expect(message.get_by_test_id("translation-add")).to_be_disabled()
    await expect(translation.get_by_test_id("translation-review")).to_be_disabled()
    await expect(message.get_by_test_id("translation-add")).to_have_attribute(
        "aria-describedby", "thread-offline-hint"
    )
    await expect(page.get_by_test_id("attach-input")).to_be_disabled()
    await expect(page.get_by_test_id("attach-offline")).to_contain_text("添加附件需要连接服务器")

    await page.context.set_offline(False)
    await expect(hint).to_have_count(0)
    await translation.get_by_test_id("translation-review").click()
    await expect(translation.get_by_test_id("translation-kind")).to_have_text("已审校译文")
    await expect(translation.get_by_test_id("translation-by")).to_have_text("译者：Li.Beijing")
    await expect(translation.get_by_test_id("translation-review")).to_have_count(0)
    # The server has it so too.
    again = await api(world.server, world.seoul_official, "GET", f"/messages/{first['id']}")
    assert [(t["lang"], t["kind"], t["body"]) for t in again["translations"]] == [
        ("zh-Hans", "reviewed", "你好，欢迎。")
    ]
    assert not page.errors  # type: ignore[attr-defined]


async def test_refused_translation_shows_the_servers_detail(
    browser: Browser, world: World, api: ApiCall
) -> None:
    # An observer of the channel may read but not write: the server refuses with 403.
    observer = await make_user(
        world.server.app, org=world.beijing, username="zhao.observer", locale="en"
    )
    await api(
        world.server,
        world.seoul_official,
        "POST",
        f"/channels/{world.channel_id}/members",
        {"user_id": observer.id, "role": "observer"},
    )
    page = await new_page(browser)
    await login(page, world.url, observer, f"/threads/{world.thread_id}")
    message = first_message(page)
    await message.get_by_test_id("translation-add").click()
    form = message.get_by_test_id("translation-form")
    await expect(form.get_by_test_id("translation-lang")).to_have_value("en")
    await form.get_by_test_id("translation-body").fill("Hello, welcome.")
    await form.get_by_test_id("translation-save").click()
    error = form.get_by_test_id("translation-error")
    await expect(error).to_have_text(
        "You may not translate in this channel: You cannot translate here."
    )
    await expect(message.get_by_test_id("translation")).to_have_count(0)
    assert not page.errors  # type: ignore[attr-defined]


async def test_a_translation_saved_by_someone_else_meanwhile_is_shown_before_it_is_replaced(
    browser: Browser, world: World, api: ApiCall
) -> None:
    seoul, beijing = await both_delegations_in_the_thread(browser, world)
    message_id = int(await first_message(seoul).get_attribute("data-message-id") or 0)

    async def english_on_the_server() -> list[str]:
        got = await api(world.server, world.seoul_official, "GET", f"/messages/{message_id}")
        return [t["body"] for t in got["translations"] if t["lang"] == "en"]

    async def open_form(page: Page, lang: str, text: str) -> Locator:
        message = first_message(page)
        await message.get_by_test_id("translation-add").click()
        form = message.get_by_test_id("translation-form")
        await form.get_by_test_id("translation-lang").select_option(lang)
        await form.get_by_test_id("translation-body").fill(text)
        return form

    # Kim starts an English translation; Li saves one first.
    kims = await open_form(seoul, "en", "Hello, and a warm welcome.")
    lis = await open_form(beijing, "en", "Hello, welcome.")
    await lis.get_by_test_id("translation-save").click()
    await expect(lis).to_have_count(0)
    assert await english_on_the_server() == ["Hello, welcome."]

    # Kim's save is on the version she saw: refused, Li's shown, Kim's text kept.
    await kims.get_by_test_id("translation-save").click()
    await expect(kims.get_by_test_id("translation-error")).to_contain_text("다른 사람이")
    shown = first_message(seoul).locator('[data-testid=translation][data-lang="en"]')
    await expect(shown).to_contain_text("Hello, welcome.")
    await expect(kims.get_by_test_id("translation-body")).to_have_value(
        "Hello, and a warm welcome."
    )
    assert await english_on_the_server() == ["Hello, welcome."]
    # Having seen it, Kim saves again and replaces it.
    await kims.get_by_test_id("translation-save").click()
    await expect(kims).to_have_count(0)
    assert await english_on_the_server() == ["Hello, and a warm welcome."]

    # A change to the message that leaves the translation alone (a reaction) is no conflict.
    lis = await open_form(beijing, "zh-Hans", "你好，欢迎。")
    await api(world.server, world.seoul_official, "PUT", f"/messages/{message_id}/reactions/👍")
    await lis.get_by_test_id("translation-save").click()
    await expect(lis).to_have_count(0)
    got = await api(world.server, world.beijing_official, "GET", f"/messages/{message_id}")
    assert [t["body"] for t in got["translations"] if t["lang"] == "zh-Hans"] == ["你好，欢迎。"]
    assert not seoul.errors and not beijing.errors  # type: ignore[attr-defined]
