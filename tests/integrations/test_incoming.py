"""Incoming webhooks: a secret URL per hook that posts into its channel as a bot; clear errors
for a wrong secret, a disabled hook, an oversized or malformed body; owners manage them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI

from tests.discussion.conftest import make_channel, make_thread
from tests.helpers import assert_problem, row_counts
from tests.integrations.conftest import World, create_bot

MESSAGE_TABLES = ("messages", "threads", "change_log")


async def _hook(client: httpx.AsyncClient, world: World, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/channels/{world.channel_id}/incoming-webhooks",
        json={"name": "Ministry notices", **body},
        headers=world.seoul.headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _path(url: str) -> str:
    return urlsplit(url).path


async def test_creating_returns_a_secret_url_and_posting_to_it_posts_a_bot_message(
    client: httpx.AsyncClient, world: World
) -> None:
    hook = await _hook(client, world)
    assert hook["url"].startswith("http://testserver/api/v1/hooks/gyh_")
    posted = await client.post(
        _path(hook["url"]),
        json={"text": "공동위원회 일정이 확정되었습니다.", "lang": "ko"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["thread_id"] == hook["thread_id"]
    assert posted.json()["channel_id"] == world.channel_id

    message = (
        await client.get(
            f"/api/v1/messages/{posted.json()['message_id']}", headers=world.beijing.headers
        )
    ).json()
    assert message["body"] == "공동위원회 일정이 확정되었습니다."
    assert message["lang"] == "ko"
    assert message["author"]["is_bot"] is True
    assert message["author"]["display_name"] == "Ministry notices"
    assert message["author"]["id"] == hook["author_id"]

    # The secret is shown once: the list never shows the URL.
    listed = await client.get(
        f"/api/v1/channels/{world.channel_id}/incoming-webhooks", headers=world.seoul.headers
    )
    assert [h["id"] for h in listed.json()] == [hook["id"]]
    assert "url" not in listed.json()[0]
    assert listed.json()[0]["last_used_at"] is not None


async def test_a_payload_with_only_text_works_and_unknown_fields_are_ignored(
    client: httpx.AsyncClient, world: World
) -> None:
    hook = await _hook(client, world)
    posted = await client.post(
        _path(hook["url"]),
        json={"text": "Server maintenance tonight", "username": "ops", "icon_emoji": ":gear:"},
    )
    assert posted.status_code == 201, posted.text
    message = (
        await client.get(
            f"/api/v1/messages/{posted.json()['message_id']}", headers=world.seoul.headers
        )
    ).json()
    assert message["body"] == "Server maintenance tonight"
    assert message["lang"] == "en"  # detected, as for any message


async def test_a_post_can_name_its_thread_by_id_or_by_title(
    client: httpx.AsyncClient, world: World
) -> None:
    hook = await _hook(client, world)
    by_id = await client.post(
        _path(hook["url"]), json={"text": "into the prep thread", "thread": world.thread_id}
    )
    assert by_id.json()["thread_id"] == world.thread_id

    first = await client.post(
        _path(hook["url"]), json={"text": "day 1", "thread": "Daily report 日报"}
    )
    second = await client.post(
        _path(hook["url"]), json={"text": "day 2", "thread": "Daily report 日报"}
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["thread_id"] == second.json()["thread_id"]
    assert first.json()["thread_id"] not in (world.thread_id, hook["thread_id"])

    # A thread of another channel is not reachable through this hook.
    other_channel = await make_channel(client, world.seoul, [])
    other_thread = await make_thread(client, world.seoul, other_channel, "elsewhere")
    refused = await client.post(_path(hook["url"]), json={"text": "sneaky", "thread": other_thread})
    assert_problem(refused, 404, "not_found")


async def test_wrong_secret_disabled_hook_and_bad_bodies_get_clear_errors_and_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    hook = await _hook(client, world)
    path = _path(hook["url"])
    before = await row_counts(app, MESSAGE_TABLES)

    wrong = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert_problem(await client.post(wrong, json={"text": "x"}), 404, "unknown_webhook")
    assert_problem(
        await client.post("/api/v1/hooks/not-a-secret", json={"text": "x"}), 404, "unknown_webhook"
    )
    too_big = await client.post(path, json={"text": "가" * 70_000})
    body = assert_problem(too_big, 413, "payload_too_large")
    assert body["limit"] == 64 * 1024
    missing = assert_problem(await client.post(path, json={"thread": 1}), 422, "invalid_input")
    assert missing["errors"][0]["field"] == "text"
    assert_problem(
        await client.post(path, content=b"{not json", headers={"content-type": "application/json"}),
        400,
        "malformed_json",
    )
    assert_problem(await client.post(path, json={"text": ""}), 422, "invalid_input")

    disabled = await client.patch(
        f"/api/v1/incoming-webhooks/{hook['id']}",
        json={"is_active": False},
        headers=world.seoul.headers,
    )
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    assert_problem(await client.post(path, json={"text": "x"}), 403, "webhook_disabled")
    after = await row_counts(app, MESSAGE_TABLES)
    # Only the hook's own update was recorded.
    assert after["messages"] == before["messages"]
    assert after["threads"] == before["threads"]
    assert after["change_log"] == before["change_log"] + 1

    enabled = await client.patch(
        f"/api/v1/incoming-webhooks/{hook['id']}",
        json={"is_active": True},
        headers=world.seoul.headers,
    )
    assert enabled.status_code == 200
    assert (await client.post(path, json={"text": "back"})).status_code == 201


async def test_only_channel_owners_admins_and_allowed_bots_manage_incoming_webhooks(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    before = await row_counts(app, ("incoming_webhooks", "users"))
    member = await client.post(
        f"/api/v1/channels/{world.channel_id}/incoming-webhooks",
        json={"name": "mine"},
        headers=world.beijing.headers,
    )
    assert_problem(member, 403, "channel_manager_required")
    outsider = await client.post(
        f"/api/v1/channels/{world.channel_id}/incoming-webhooks",
        json={"name": "mine"},
        headers=world.outsider.headers,
    )
    assert_problem(outsider, 404, "not_found")
    assert await row_counts(app, ("incoming_webhooks", "users")) == before

    admin = await client.post(
        f"/api/v1/channels/{world.channel_id}/incoming-webhooks",
        json={"name": "admin hook"},
        headers=world.admin.headers,
    )
    assert admin.status_code == 201, admin.text
    bot = await create_bot(client, world.admin, ["webhooks:manage"], channel_ids=[world.channel_id])
    by_bot = await client.post(
        f"/api/v1/channels/{world.channel_id}/incoming-webhooks",
        json={"name": "bot hook", "thread_id": world.thread_id},
        headers=bot.headers,
    )
    assert by_bot.status_code == 201, by_bot.text
    assert by_bot.json()["thread_id"] == world.thread_id
    other_channel = await make_channel(client, world.seoul, [])
    assert_problem(
        await client.post(
            f"/api/v1/channels/{other_channel}/incoming-webhooks",
            json={"name": "x"},
            headers=bot.headers,
        ),
        404,
        "not_found",
    )


async def test_an_idempotent_repeat_does_not_show_the_secret_again(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = {**world.seoul.headers, "Idempotency-Key": "hook-1"}
    first = await client.post(
        f"/api/v1/channels/{world.channel_id}/incoming-webhooks",
        json={"name": "calendar bridge"},
        headers=headers,
    )
    again = await client.post(
        f"/api/v1/channels/{world.channel_id}/incoming-webhooks",
        json={"name": "calendar bridge"},
        headers=headers,
    )
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["url"] and again.json()["url"] is None


async def test_rotating_gives_a_new_url_and_the_old_one_stops_at_once(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    hook = await _hook(client, world)
    rotated = await client.post(
        f"/api/v1/incoming-webhooks/{hook['id']}/rotate",
        headers={**world.seoul.headers, "If-Match": str(hook["version"])},
    )
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["url"] != hook["url"]
    assert rotated.json()["version"] == hook["version"] + 1
    assert_problem(
        await client.post(_path(hook["url"]), json={"text": "old"}), 404, "unknown_webhook"
    )
    posted = await client.post(_path(rotated.json()["url"]), json={"text": "new"})
    assert posted.status_code == 201, posted.text

    audit = await client.get("/api/v1/audit", headers=world.admin.headers)
    assert "incoming_webhook.rotated" in [e["action"] for e in audit.json()["items"]]


async def test_rotating_needs_a_channel_manager_and_the_current_version(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    hook = await _hook(client, world)
    before = await row_counts(app, ("incoming_webhooks", "change_log", "audit_log"))
    path = f"/api/v1/incoming-webhooks/{hook['id']}/rotate"
    assert_problem(
        await client.post(path, headers=world.beijing.headers), 403, "channel_manager_required"
    )
    assert_problem(await client.post(path, headers=world.outsider.headers), 404, "not_found")
    stale = {**world.seoul.headers, "If-Match": str(hook["version"] + 1)}
    assert_problem(await client.post(path, headers=stale), 412, "version_mismatch")
    assert_problem(
        await client.post("/api/v1/incoming-webhooks/999999/rotate", headers=world.seoul.headers),
        404,
        "not_found",
    )
    assert await row_counts(app, ("incoming_webhooks", "change_log", "audit_log")) == before
    # Nothing changed: the URL still posts.
    assert (await client.post(_path(hook["url"]), json={"text": "still"})).status_code == 201


async def test_a_thread_id_out_of_range_and_nul_in_the_text_are_invalid_input(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    # A thread id past the 32-bit ids reached the database (500), and a NUL in the text or
    # the thread title too (500 on PostgreSQL).
    path = _path((await _hook(client, world))["url"])
    before = await row_counts(app, MESSAGE_TABLES)
    for payload, field in [
        ({"text": "x", "thread": 2**31}, "thread"),
        ({"text": "x", "thread": "새\x00 주제"}, "thread"),
        ({"text": "공지\x00"}, "text"),
    ]:
        problem = assert_problem(await client.post(path, json=payload), 422, "invalid_input")
        assert {e["field"].split(".")[0] for e in problem["errors"]} == {field}, problem
    assert await row_counts(app, MESSAGE_TABLES) == before
