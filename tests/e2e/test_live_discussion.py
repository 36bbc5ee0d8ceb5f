"""A Seoul official and a Beijing official, each in their own browser: what one writes
appears live for the other, and the other sees them typing."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import World, both_delegations_in_the_thread

pytestmark = pytest.mark.e2e


async def test_message_posted_in_seoul_appears_live_in_beijing_with_typing_indicator(
    browser: Browser, world: World
) -> None:
    seoul, beijing = await both_delegations_in_the_thread(browser, world)

    composer = seoul.get_by_test_id("composer-input")
    await composer.press_sequentially("베이징 대표단 여러분")
    await expect(beijing.get_by_test_id("typing-indicator")).to_contain_text("Kim.Seoul")

    await composer.fill("베이징 대표단 여러분, 3월 회의 안건을 공유합니다. 北京见!")
    await seoul.get_by_test_id("send-button").click()
    message = beijing.get_by_test_id("message-item").filter(has_text="3월 회의 안건")
    await expect(message).to_be_visible()
    await expect(message).to_contain_text("Kim.Seoul")
    # Delivered and rendered by the server (not the local copy marked "not sent yet").
    await expect(seoul.get_by_test_id("message-pending")).to_have_count(0)

    # And back: Beijing answers in Chinese, Seoul sees it without reloading.
    await beijing.get_by_test_id("composer-input").fill("收到，谢谢！")
    await beijing.get_by_test_id("send-button").click()
    await expect(seoul.get_by_test_id("message-item").filter(has_text="收到，谢谢")).to_be_visible()
    assert not seoul.errors and not beijing.errors  # type: ignore[attr-defined]
