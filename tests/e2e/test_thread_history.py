"""The edit history of a message: "(edited)" opens, inline, the bodies the message had before
each edit, with who replaced them and when, in the reader's own time zone (the profile's, not
the laptop's)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import ApiCall, World, login, new_page

pytestmark = pytest.mark.e2e


async def test_edit_history_lists_the_earlier_bodies_in_the_readers_time_zone(
    browser: Browser, world: World, api: ApiCall
) -> None:
    kim = world.seoul_official
    path = f"/threads/{world.thread_id}/messages"
    first = (await api(world.server, kim, "GET", path))["items"][0]
    await api(
        world.server,
        kim,
        "PATCH",
        f"/messages/{first['id']}",
        {"body": "안녕하세요, 두 번째 인사입니다."},
    )
    await api(
        world.server,
        kim,
        "PATCH",
        f"/messages/{first['id']}",
        {"body": "안녕하세요, 최종 인사입니다."},
    )
    revisions = await api(world.server, kim, "GET", f"/messages/{first['id']}/history")
    assert [r["body"] for r in revisions] == [
        "안녕하세요, **환영합니다**.",
        "안녕하세요, 두 번째 인사입니다.",
    ]

    # Li's profile says Asia/Shanghai; this laptop is set to UTC.
    page = await new_page(browser, locale="zh-CN", timezone="UTC")
    await login(page, world.url, world.beijing_official, f"/threads/{world.thread_id}")
    message = page.get_by_test_id("message-item").filter(has_text="최종 인사")
    await expect(message.get_by_test_id("message-history")).to_have_count(0)
    edited = message.get_by_test_id("message-edited")
    await expect(edited).to_have_attribute("aria-expanded", "false")
    await edited.click()
    await expect(edited).to_have_attribute("aria-expanded", "true")

    history = message.get_by_test_id("message-history")
    rows = history.get_by_test_id("revision")
    await expect(rows).to_have_count(2)
    # The earlier bodies as they were typed (plain text, never HTML built on the client).
    await expect(rows.nth(0).get_by_test_id("revision-body")).to_have_text(
        "안녕하세요, **환영합니다**."
    )
    await expect(rows.nth(1).get_by_test_id("revision-body")).to_have_text(
        "안녕하세요, 두 번째 인사입니다."
    )
    await expect(rows.nth(0)).to_contain_text("第 1 版")
    await expect(rows.nth(0)).to_contain_text("由 Kim.Seoul 修改")
    for row, revision in zip([rows.nth(0), rows.nth(1)], revisions, strict=True):
        time = row.get_by_test_id("revision-time")
        await expect(time).to_have_attribute("datetime", revision["replaced_at"])
        at = datetime.fromisoformat(revision["replaced_at"].replace("Z", "+00:00"))
        local = at.astimezone(ZoneInfo("Asia/Shanghai"))
        await expect(time).to_contain_text(f"{local.hour:02d}:{local.minute:02d}")
        await expect(time).to_contain_text(f"{local.year}年{local.month}月{local.day}日")

    # Closing it again.
    await edited.click()
    await expect(history).to_have_count(0)
    assert not page.errors  # type: ignore[attr-defined]
