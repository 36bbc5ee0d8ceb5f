"""@-mentions: a change in the mentioned person's own scope, and ``GET /mentions`` listing them
back, newest first, only where the person may still follow them."""

from __future__ import annotations

import httpx

from tests.discussion.conftest import Room, post
from tests.helpers import assert_problem


async def _mentions(client: httpx.AsyncClient, headers: dict[str, str], query: str = "") -> dict:
    listed = await client.get(f"/api/v1/mentions{query}", headers=headers)
    assert listed.status_code == 200, listed.text
    page: dict = listed.json()
    return page


async def test_a_mention_reaches_the_mentioned_reader_alone_with_thread_author_and_excerpt(
    client: httpx.AsyncClient, room: Room
) -> None:
    body = "@seoul.kim 회의록 초안을 확인해 주세요. @outsider @beijing.wang"
    sent = await post(client, room.beijing, room.thread_id, body)
    assert sent.status_code == 201, sent.text
    message = sent.json()

    kim = (await _mentions(client, room.seoul.headers))["items"]
    assert len(kim) == 1
    mention = kim[0]
    assert {k: mention[k] for k in ("message_id", "thread_id", "channel_id", "excerpt")} == {
        "message_id": message["id"],
        "thread_id": room.thread_id,
        "channel_id": room.channel_id,
        "excerpt": body,
    }
    assert mention["thread_title"] == "대기질 공동연구 air quality"
    assert mention["author"]["username"] == "beijing.wang"
    assert mention["created_at"] == message["created_at"]
    # The same mention reached Kim's own scope in the change log, as clients hear of it.
    pulled = (await client.get("/api/v1/sync/pull?since=0", headers=room.seoul.headers)).json()
    live = [c for c in pulled["changes"] if c["entity"] == "mention"]
    assert [(c["scope"], c["seq"]) for c in live] == [(f"user:{room.seoul.id}", mention["seq"])]
    # Not the outsider (who cannot read the channel), nor the author mentioning herself.
    assert (await _mentions(client, room.outsider.headers))["items"] == []
    assert (await _mentions(client, room.beijing.headers))["items"] == []


async def test_mentions_come_newest_first_a_page_at_a_time(
    client: httpx.AsyncClient, room: Room
) -> None:
    sent = [
        (await post(client, room.beijing, room.thread_id, f"@seoul.kim 질문 {n}")).json()["id"]
        for n in range(3)
    ]
    first = await _mentions(client, room.seoul.headers, "?limit=2")
    assert [m["message_id"] for m in first["items"]] == [sent[2], sent[1]]
    assert first["next_cursor"]
    rest = await _mentions(client, room.seoul.headers, f"?limit=2&cursor={first['next_cursor']}")
    assert [m["message_id"] for m in rest["items"]] == [sent[0]]
    assert rest["next_cursor"] is None
    bad = await client.get("/api/v1/mentions?cursor=nonsense", headers=room.seoul.headers)
    assert_problem(bad, 422, "bad_cursor")


async def test_deleted_messages_and_channels_left_behind_drop_out_of_the_list(
    client: httpx.AsyncClient, room: Room
) -> None:
    kept = (await post(client, room.seoul, room.thread_id, "@beijing.wang 자료 공유")).json()
    gone = (await post(client, room.seoul, room.thread_id, "@beijing.wang 잘못 보냄")).json()
    deleted = await client.delete(f"/api/v1/messages/{gone['id']}", headers=room.seoul.headers)
    assert deleted.status_code in (200, 204), deleted.text
    wang = (await _mentions(client, room.beijing.headers))["items"]
    assert [m["message_id"] for m in wang] == [kept["id"]]

    removed = await client.delete(
        f"/api/v1/channels/{room.channel_id}/members/{room.beijing.id}",
        headers=room.seoul.headers,
    )
    assert removed.status_code == 204, removed.text
    assert (await _mentions(client, room.beijing.headers))["items"] == []
