"""Channels, threads and messages over the API: posting, editing with versions and history,
soft delete, reactions, translations, mentions, unread counts, and bad input."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from server.changes.models import Change
from tests.discussion.conftest import Room, make_channel, make_thread, post
from tests.factories import make_bot, make_user
from tests.helpers import assert_problem, row_counts

TABLES = ("change_log", "messages", "message_revisions", "message_translations", "reactions")


async def _changes(app: FastAPI, scope: str) -> list[Change]:
    async with app.state.db.session(write=False) as session:
        rows = await session.execute(
            select(Change).where(Change.scope == scope).order_by(Change.seq)
        )  # type: ignore[arg-type]
        return list(rows.scalars())


async def test_posted_message_is_rendered_sanitized_and_recorded_in_the_channel_scope(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    response = await post(client, room.seoul, room.thread_id, "**안녕하세요** <script>x</script>")
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["lang"] == "ko"
    assert "<strong>안녕하세요</strong>" in message["html"] and "<script>" not in message["html"]
    assert message["author"]["username"] == "seoul.kim"
    recorded = [
        c for c in await _changes(app, f"channel:{room.channel_id}") if c.entity == "message"
    ]
    assert [(c.entity_id, c.op) for c in recorded] == [(message["id"], "created")]
    listed = await client.get(
        f"/api/v1/threads/{room.thread_id}/messages", headers=room.beijing.headers
    )
    assert [m["id"] for m in listed.json()["items"]] == [message["id"]]


async def test_outsider_sees_nothing_of_a_members_channel(
    client: httpx.AsyncClient, room: Room
) -> None:
    h = room.outsider.headers
    assert_problem(
        await client.get(f"/api/v1/channels/{room.channel_id}", headers=h), 404, "not_found"
    )
    assert_problem(
        await client.get(f"/api/v1/threads/{room.thread_id}/messages", headers=h), 404, "not_found"
    )
    assert_problem(await post(client, room.outsider, room.thread_id, "hi"), 404, "not_found")
    channels = await client.get("/api/v1/channels", headers=h)
    assert channels.json()["items"] == []


async def test_posting_counts_the_message_in_its_thread_and_in_the_same_transaction_log(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    first = (await post(client, room.seoul, room.thread_id, "첫째")).json()
    second = (await post(client, room.beijing, room.thread_id, "第二")).json()
    thread = (
        await client.get(f"/api/v1/threads/{room.thread_id}", headers=room.seoul.headers)
    ).json()
    assert thread["message_count"] == 2
    assert thread["last_message_at"] == second["created_at"]
    recorded = [
        (c.entity_id, c.op, c.actor_id)
        for c in await _changes(app, f"channel:{room.channel_id}")
        if c.entity == "message"
    ]
    assert recorded == [
        (first["id"], "created", room.seoul.id),
        (second["id"], "created", room.beijing.id),
    ]


async def test_edit_keeps_history_and_needs_the_current_version(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = (await post(client, room.seoul, room.thread_id, "first draft")).json()
    url = f"/api/v1/messages/{message['id']}"
    edited = await client.patch(
        url,
        json={"body": "second draft"},
        headers={**room.seoul.headers, "If-Match": str(message["version"])},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["edited_at"] and edited.json()["version"] == message["version"] + 1
    before = await row_counts(app, TABLES)
    stale = await client.patch(
        url,
        json={"body": "third"},
        headers={**room.seoul.headers, "If-Match": str(message["version"])},
    )
    body = assert_problem(stale, 412, "version_mismatch")
    assert body["current"]["body"] == "second draft"
    assert await row_counts(app, TABLES) == before
    history = await client.get(f"{url}/history", headers=room.beijing.headers)
    assert [r["body"] for r in history.json()] == ["first draft"]


async def test_editing_someone_elses_message_is_forbidden_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = (await post(client, room.seoul, room.thread_id, "mine")).json()
    before = await row_counts(app, TABLES)
    response = await client.patch(
        f"/api/v1/messages/{message['id']}", json={"body": "yours"}, headers=room.beijing.headers
    )
    assert_problem(response, 403, "not_author")
    assert await row_counts(app, TABLES) == before


async def test_bad_messages_are_clear_problems_and_write_nothing(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    before = await row_counts(app, TABLES)
    assert_problem(await post(client, room.seoul, room.thread_id, "   "), 422, "empty_message")
    assert_problem(await post(client, room.seoul, room.thread_id, ""), 422, "invalid_input")
    assert_problem(
        await post(client, room.seoul, room.thread_id, "가" * 22000), 413, "message_too_large"
    )
    assert_problem(await post(client, room.seoul, 99999, "hello"), 404, "not_found")
    malformed = await client.post(
        f"/api/v1/threads/{room.thread_id}/messages",
        content=b'{"body": ',
        headers={**room.seoul.headers, "Content-Type": "application/json"},
    )
    assert_problem(malformed, 400, "malformed_json")
    assert_problem(
        await post(client, room.seoul, room.thread_id, "x", lang="fr"), 422, "invalid_input"
    )
    assert await row_counts(app, TABLES) == before


async def test_soft_delete_leaves_a_tombstone_without_content(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = (await post(client, room.seoul, room.thread_id, "to be removed")).json()
    assert (
        await client.delete(f"/api/v1/messages/{message['id']}", headers=room.seoul.headers)
    ).status_code == 204
    got = (
        await client.get(f"/api/v1/messages/{message['id']}", headers=room.beijing.headers)
    ).json()
    assert got["deleted"] is True and got["body"] == "" and got["html"] == ""
    tombstone = [c for c in await _changes(app, f"channel:{room.channel_id}") if c.op == "deleted"]
    assert len(tombstone) == 1 and "to be removed" not in tombstone[0].data


async def test_reactions_toggle_per_user(client: httpx.AsyncClient, room: Room) -> None:
    message = (await post(client, room.seoul, room.thread_id, "좋아요?")).json()
    url = f"/api/v1/messages/{message['id']}/reactions/👍"
    await client.put(url, headers=room.seoul.headers)
    both = (await client.put(url, headers=room.beijing.headers)).json()
    assert both["reactions"] == [
        {"emoji": "👍", "count": 2, "user_ids": [room.seoul.id, room.beijing.id]}
    ]
    one = (await client.delete(url, headers=room.seoul.headers)).json()
    assert one["reactions"][0]["count"] == 1


async def test_translation_shown_beside_original_and_marked_stale_after_edit(
    client: httpx.AsyncClient, room: Room
) -> None:
    message = (await post(client, room.beijing, room.thread_id, "北京市欢迎首尔代表团")).json()
    assert message["lang"] == "zh-Hans"
    translated = await client.put(
        f"/api/v1/messages/{message['id']}/translations/ko",
        json={"body": "베이징시는 서울 대표단을 환영합니다"},
        headers=room.seoul.headers,
    )
    assert translated.status_code == 200, translated.text
    tr = translated.json()["translations"][0]
    assert tr["lang"] == "ko" and tr["kind"] == "human" and tr["stale"] is False
    assert translated.json()["body"] == "北京市欢迎首尔代表团"
    await client.patch(
        f"/api/v1/messages/{message['id']}",
        json={"body": "北京市热烈欢迎首尔代表团"},
        headers=room.beijing.headers,
    )
    again = (
        await client.get(f"/api/v1/messages/{message['id']}", headers=room.seoul.headers)
    ).json()
    assert again["translations"][0]["stale"] is True
    same = await client.put(
        f"/api/v1/messages/{message['id']}/translations/zh-Hans",
        json={"body": "x"},
        headers=room.seoul.headers,
    )
    assert_problem(same, 422, "original_language")


async def test_bot_translation_is_marked_as_bots_and_needs_its_scope_and_channel(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    admin = await make_user(app, role="admin")
    message = (await post(client, room.seoul, room.thread_id, "공동위원회 개최")).json()
    url = f"/api/v1/messages/{message['id']}/translations/zh-Hans"
    bot = await make_bot(
        app, admin, scopes=["translations:write", "messages:read"], channel_ids=[room.channel_id]
    )
    ok = await client.put(url, json={"body": "召开联合委员会"}, headers=bot.headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["translations"][0]["kind"] == "bot"
    elsewhere = await make_bot(app, admin, scopes=["translations:write"], channel_ids=[999])
    assert_problem(
        await client.put(url, json={"body": "x"}, headers=elsewhere.headers), 404, "not_found"
    )
    no_scope = await make_bot(app, admin, scopes=["messages:read"], channel_ids=[room.channel_id])
    assert_problem(
        await client.put(url, json={"body": "x"}, headers=no_scope.headers), 403, "missing_scope"
    )


async def test_mention_is_recorded_in_the_mentioned_users_scope(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    message = (
        await post(client, room.seoul, room.thread_id, "@beijing.wang 확인 부탁드립니다 @outsider")
    ).json()
    mentions = await _changes(app, f"user:{room.beijing.id}")
    assert [(c.entity, c.entity_id) for c in mentions if c.entity == "mention"] == [
        ("mention", message["id"])
    ]
    # The outsider cannot see the channel, so is not told about it.
    assert [
        c for c in await _changes(app, f"user:{room.outsider.id}") if c.entity == "mention"
    ] == []


async def test_unread_counts_per_channel_and_thread_follow_read_marks(
    client: httpx.AsyncClient, room: Room
) -> None:
    ids = [(await post(client, room.seoul, room.thread_id, f"m{i}")).json()["id"] for i in range(3)]
    channels = (await client.get("/api/v1/channels", headers=room.beijing.headers)).json()["items"]
    assert channels[0]["unread_count"] == 3
    mark = await client.post(
        f"/api/v1/threads/{room.thread_id}/read",
        json={"message_id": ids[1]},
        headers=room.beijing.headers,
    )
    assert mark.status_code == 204
    threads = (
        await client.get(
            f"/api/v1/channels/{room.channel_id}/threads", headers=room.beijing.headers
        )
    ).json()
    assert threads["items"][0]["unread_count"] == 1
    mine = (await client.get("/api/v1/channels", headers=room.seoul.headers)).json()["items"]
    assert mine[0]["unread_count"] == 0


async def test_unread_counts_add_up_each_threads_own_mark_and_skip_deleted_and_own_messages(
    client: httpx.AsyncClient, room: Room
) -> None:
    first, second = room.thread_id, await make_thread(client, room.seoul, room.channel_id, "둘째")
    in_first = [(await post(client, room.seoul, first, f"a{i}")).json()["id"] for i in range(4)]
    in_second = [(await post(client, room.seoul, second, f"b{i}")).json()["id"] for i in range(3)]
    await post(client, room.beijing, second, "my own message is never unread to me")
    deleted = await client.delete(f"/api/v1/messages/{in_second[0]}", headers=room.seoul.headers)
    assert deleted.status_code == 204
    # Read the first thread up to its second message; never opened the second thread.
    mark = await client.post(
        f"/api/v1/threads/{first}/read",
        json={"message_id": in_first[1]},
        headers=room.beijing.headers,
    )
    assert mark.status_code == 204
    headers = room.beijing.headers
    channel_list = (await client.get("/api/v1/channels", headers=headers)).json()["items"]
    assert [c["unread_count"] for c in channel_list] == [2 + 2]
    channel = (await client.get(f"/api/v1/channels/{room.channel_id}", headers=headers)).json()
    assert channel["unread_count"] == 4
    threads = (
        await client.get(f"/api/v1/channels/{room.channel_id}/threads", headers=headers)
    ).json()["items"]
    assert {t["id"]: t["unread_count"] for t in threads} == {first: 2, second: 2}
    one = (await client.get(f"/api/v1/threads/{second}", headers=headers)).json()
    assert one["unread_count"] == 2
    # Seoul wrote the rest: only Beijing's message is unread to Seoul.
    mine = (await client.get("/api/v1/channels", headers=room.seoul.headers)).json()["items"]
    assert mine[0]["unread_count"] == 1


async def test_message_lists_are_cursor_paginated(client: httpx.AsyncClient, room: Room) -> None:
    ids = [(await post(client, room.seoul, room.thread_id, f"n{i}")).json()["id"] for i in range(5)]
    page = (
        await client.get(
            f"/api/v1/threads/{room.thread_id}/messages?limit=2", headers=room.seoul.headers
        )
    ).json()
    nxt = (
        await client.get(
            f"/api/v1/threads/{room.thread_id}/messages?limit=2&cursor={page['next_cursor']}",
            headers=room.seoul.headers,
        )
    ).json()
    assert [m["id"] for m in page["items"] + nxt["items"]] == ids[:4]
    newest = (
        await client.get(
            f"/api/v1/threads/{room.thread_id}/messages?limit=2&order=desc",
            headers=room.seoul.headers,
        )
    ).json()
    assert [m["id"] for m in newest["items"]] == [ids[4], ids[3]]


async def test_observer_reads_but_cannot_post(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    observer = await make_user(app)
    added = await client.post(
        f"/api/v1/channels/{room.channel_id}/members",
        json={"user_id": observer.id, "role": "observer"},
        headers=room.seoul.headers,
    )
    assert added.status_code == 201, added.text
    assert (
        await client.get(f"/api/v1/threads/{room.thread_id}/messages", headers=observer.headers)
    ).status_code == 200
    assert_problem(await post(client, observer, room.thread_id, "hi"), 403, "channel_read_only")


async def test_platform_channel_is_open_to_everyone(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    channel_id = await make_channel(client, room.seoul, [], visibility="platform")
    thread_id = await make_thread(client, room.seoul, channel_id, "공지 notices")
    assert (await post(client, room.outsider, thread_id, "hello all")).status_code == 201


async def test_attachment_upload_is_sniffed_and_downloadable_by_members_only(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    pdf = b"%PDF-1.4\n% minutes\n"
    up = await client.post(
        f"/api/v1/channels/{room.channel_id}/attachments",
        files={"file": ("회의록.png", pdf, "image/png")},
        headers=room.seoul.headers,
    )
    assert up.status_code == 201, up.text
    assert up.json()["content_type"] == "application/pdf"
    message = await post(
        client, room.seoul, room.thread_id, "see file", attachment_ids=[up.json()["id"]]
    )
    assert message.json()["attachments"][0]["filename"] == "회의록.png"
    got = await client.get(up.json()["url"], headers=room.beijing.headers)
    assert got.content == pdf and got.headers["x-content-type-options"] == "nosniff"
    assert_problem(
        await client.get(up.json()["url"], headers=room.outsider.headers), 404, "not_found"
    )
    reuse = await post(
        client, room.seoul, room.thread_id, "again", attachment_ids=[up.json()["id"]]
    )
    assert_problem(reuse, 422, "bad_attachment")
