"""The secretary's laptop loses the network in the meeting room: the app reloads from the
service worker and IndexedDB, the minutes and a new action item go into the outbox, and when
the network is back the other delegation sees them; an edit of the same lines made meanwhile in
Beijing opens the conflict choice, and nothing is lost."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import ApiCall, JointMeeting, World, live_ready, login, new_page

pytestmark = pytest.mark.e2e

BASE = "1. 청소년 교류단 규모: 미정\n2. 일정: 7월"
MINE = "1. 청소년 교류단 규모: 각 30명\n2. 일정: 7월"  # typed offline in Seoul
THEIRS = "1. 청소년 교류단 규모: 각 20명\n2. 일정: 7월"  # typed meanwhile in Beijing
MERGED = "1. 청소년 교류단 규모: 각 25명\n2. 일정: 7월"


async def write_notes(page: Page, key: str | int, text: str) -> None:
    box = page.get_by_test_id(f"minutes-textarea-{key}")
    await box.fill(text)
    await box.blur()  # saved into the outbox on blur (and after a short pause while typing)
    await expect(page.get_by_test_id(f"minutes-saved-{key}")).not_to_have_text("\xa0")


async def test_offline_minutes_and_action_item_sync_back_and_an_overlap_asks_to_choose(
    browser: Browser, world: World, meeting: JointMeeting, api: ApiCall
) -> None:
    item = meeting.agenda_item_id
    path = f"/meetings/{meeting.meeting_id}"
    await api(
        world.server,
        world.seoul_official,
        "PUT",
        f"/meetings/{meeting.meeting_id}/minutes",
        {"sections": [{"agenda_item_id": item, "notes": BASE}]},
    )

    seoul = await new_page(browser, locale="ko-KR", timezone="Asia/Seoul")
    beijing = await new_page(browser, locale="zh-CN", timezone="Asia/Shanghai")
    await login(seoul, world.url, world.seoul_official, path)
    await login(beijing, world.url, world.beijing_official, path)
    await expect(seoul.get_by_test_id(f"minutes-textarea-{item}")).to_have_value(BASE)
    await expect(beijing.get_by_test_id(f"minutes-textarea-{item}")).to_have_value(BASE)
    # The app shell is cached by the service worker, which now controls the page.
    await seoul.wait_for_function("navigator.serviceWorker.controller !== null")
    await live_ready(beijing)

    # The network goes; the secretary reloads: the shell and the cached meeting still open.
    await seoul.context.set_offline(True)
    await seoul.reload()
    await expect(seoul.get_by_test_id("offline-banner")).to_be_visible()
    await expect(seoul.get_by_test_id(f"minutes-textarea-{item}")).to_have_value(BASE)

    await write_notes(seoul, item, MINE)
    await write_notes(seoul, "general", "회의 장소: 서울시청 본관")
    await seoul.get_by_test_id("action-item-title").fill("참가자 명단 제출")
    await seoul.get_by_test_id("action-item-submit").click()
    await expect(seoul.get_by_test_id("pending-count")).to_have_text("3")

    # The outbox survives another reload (a closed lid, a crashed tab).
    await seoul.reload()
    await expect(seoul.get_by_test_id("pending-count")).to_have_text("3")
    await expect(seoul.get_by_test_id(f"minutes-textarea-{item}")).to_have_value(MINE)
    await expect(
        seoul.get_by_test_id("meeting-action-items").get_by_test_id("action-item")
    ).to_contain_text("참가자 명단 제출")

    # Meanwhile Beijing, online, edits the same line of the same section.
    await write_notes(beijing, item, THEIRS)
    await expect(beijing.get_by_test_id("offline-banner")).to_have_count(0)

    # The network is back: the outbox goes up in order, then the log comes down.
    await seoul.context.set_offline(False)
    dialog = seoul.get_by_test_id("conflict-dialog")
    await expect(dialog).to_be_visible(timeout=30_000)
    await expect(dialog.get_by_test_id("conflict-mine")).to_have_text(MINE)
    await expect(dialog.get_by_test_id("conflict-theirs")).to_have_text(THEIRS)
    await expect(dialog.get_by_test_id("conflict-keep-mine")).to_be_visible()
    await expect(dialog.get_by_test_id("conflict-keep-theirs")).to_be_visible()

    # What did not overlap reached Beijing live, without a reload.
    await expect(beijing.get_by_test_id("minutes-textarea-general")).to_have_value(
        "회의 장소: 서울시청 본관"
    )
    await expect(
        beijing.get_by_test_id("meeting-action-items").get_by_test_id("action-item")
    ).to_contain_text("참가자 명단 제출")
    # The overlapping offline text is kept on the section for everyone to see, not dropped.
    await expect(beijing.get_by_test_id(f"conflict-copies-{item}")).to_contain_text("각 30명")
    await expect(beijing.get_by_test_id(f"minutes-textarea-{item}")).to_have_value(THEIRS)

    # The secretary edits a merge; Beijing sees it.
    await dialog.get_by_test_id("conflict-edit-merge").click()
    await dialog.get_by_test_id("conflict-merge-text").fill(MERGED)
    await dialog.get_by_test_id("conflict-save-merge").click()
    await expect(dialog).to_have_count(0)
    await expect(beijing.get_by_test_id(f"minutes-textarea-{item}")).to_have_value(MERGED)
    await expect(seoul.get_by_test_id(f"minutes-textarea-{item}")).to_have_value(MERGED)
    await expect(seoul.get_by_test_id("offline-banner")).to_have_count(0)
    # The kept copy stays until someone says it is merged; then it goes for everyone.
    copies = beijing.get_by_test_id(f"conflict-copies-{item}")
    await expect(copies).to_contain_text("각 30명")
    await seoul.get_by_test_id(f"conflict-copies-{item}").locator("summary").click()
    await seoul.get_by_test_id("conflict-copy-resolve").click()
    await expect(copies).to_have_count(0)
    await expect(seoul.get_by_test_id(f"conflict-copies-{item}")).to_have_count(0)
    assert not seoul.errors and not beijing.errors  # type: ignore[attr-defined]
