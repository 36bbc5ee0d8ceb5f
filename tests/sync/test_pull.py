"""GET /sync/pull: the user's visible scopes now, in seq order, tombstones, cursor errors."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.discussion.conftest import Room, post
from tests.helpers import assert_problem
from tests.sync.conftest import OfflineClient


async def _pull(
    client: httpx.AsyncClient, who: object, since: object, limit: int = 500
) -> httpx.Response:
    return await client.get(
        "/api/v1/sync/pull",
        params={"since": since, "limit": limit},
        headers=who.headers,  # type: ignore[attr-defined]
    )


async def test_pull_pages_the_visible_changes_in_seq_order_up_to_the_head(
    client: httpx.AsyncClient, room: Room
) -> None:
    for n in range(7):
        assert (await post(client, room.seoul, room.thread_id, f"메시지 {n}")).status_code == 201
    seen: list[dict[str, object]] = []
    since = 0
    while True:
        page = (await _pull(client, room.beijing, since, limit=3)).json()
        assert len(page["changes"]) <= 3
        seen += page["changes"]
        since = page["cursor"]
        if not page["has_more"]:
            break
    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    bodies = [c["data"]["body"] for c in seen if c["entity"] == "message"]
    assert bodies == [f"메시지 {n}" for n in range(7)]
    allowed = {f"channel:{room.channel_id}", f"user:{room.beijing.id}", "platform"}
    assert {c["scope"] for c in seen} <= allowed
    # The last cursor is the head: a pull from it is empty.
    again = (await _pull(client, room.beijing, since)).json()
    assert again == {"changes": [], "cursor": since, "has_more": False}


async def test_pull_shows_nothing_of_a_channel_the_user_cannot_see(
    client: httpx.AsyncClient, room: Room
) -> None:
    await post(client, room.seoul, room.thread_id, "내부 논의")
    page = (await _pull(client, room.outsider, 0)).json()
    assert all(c["scope"] != f"channel:{room.channel_id}" for c in page["changes"])
    assert not page["has_more"]
    assert page["cursor"] > 0  # past the invisible changes: nothing to rescan


async def test_a_deleted_message_pulls_as_a_tombstone_without_its_text(
    client: httpx.AsyncClient, room: Room
) -> None:
    message = (await post(client, room.seoul, room.thread_id, "지울 내용")).json()
    deleted = await client.delete(f"/api/v1/messages/{message['id']}", headers=room.seoul.headers)
    assert deleted.status_code == 204
    device = OfflineClient(client, room.beijing)
    await device.pull()
    tombstone = device.replica[("message", message["id"])]
    assert tombstone["deleted"] is True
    assert "지울 내용" not in str(tombstone)


async def test_a_malformed_cursor_or_one_ahead_of_the_log_is_a_clear_problem(
    client: httpx.AsyncClient, room: Room
) -> None:
    for bad in ("abc", "-1", "1.5", "9" * 30):
        assert_problem(await _pull(client, room.seoul, bad), 400, "malformed_cursor")
    head = (await _pull(client, room.seoul, 0)).json()["cursor"]
    body = assert_problem(await _pull(client, room.seoul, head + 5), 409, "cursor_ahead")
    assert body["head"] == head
    assert (await _pull(client, room.seoul, head)).status_code == 200
    unauthenticated = await client.get("/api/v1/sync/pull")
    assert_problem(unauthenticated, 401, "unauthorized")


async def test_a_member_removed_while_offline_gets_a_reset_and_nothing_more_of_the_channel(
    app: FastAPI, client: httpx.AsyncClient, room: Room
) -> None:
    device = OfflineClient(client, room.beijing)
    laptop = OfflineClient(client, room.beijing)  # a second device of the same person
    await post(client, room.seoul, room.thread_id, "공개 전 내용")
    await device.pull()
    await laptop.pull()
    assert any(v.get("channel_id") == room.channel_id for v in device.replica.values())
    removed = await client.delete(
        f"/api/v1/channels/{room.channel_id}/members/{room.beijing.id}", headers=room.seoul.headers
    )
    assert removed.status_code in (200, 204), removed.text
    await post(client, room.seoul, room.thread_id, "제외된 뒤의 비밀")
    await device.pull()
    assert device.resets == [f"channel:{room.channel_id}"]
    assert not any(
        v.get("channel_id") == room.channel_id and k[0] != "channel_member"
        for k, v in device.replica.items()
    )
    assert "제외된 뒤의 비밀" not in str(device.replica)
    # The second device, still at the old cursor, also gets the reset; a new one does not
    # (it has nothing to drop).
    await laptop.pull()
    assert laptop.resets == [f"channel:{room.channel_id}"]
    assert "제외된 뒤의 비밀" not in str(laptop.replica)
    fresh = OfflineClient(client, room.beijing)
    await fresh.pull()
    assert fresh.resets == []
    assert "공개 전 내용" not in str(fresh.replica)
    # Later pulls do not repeat it.
    device.resets.clear()
    await post(client, room.seoul, room.thread_id, "또 다른 비밀")
    await device.pull()
    assert device.resets == []
    assert "또 다른 비밀" not in str(device.replica)
