"""POST /sync/push: same services as REST, exactly once per (client, id), rejections isolated,
merges of untouched fields, minutes three-way merge and conflict copies."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from tests.factories import make_bot
from tests.helpers import assert_problem, row_counts
from tests.meetings.conftest import Cast
from tests.sync.conftest import OfflineClient, add_agenda, in_progress_meeting, server_minutes

TABLES = ("change_log", "agenda_items", "minutes_sections", "action_items", "sync_mutations")


async def _mutation_changes(app: FastAPI, mutation_id: str) -> int:
    async with app.state.db.session(write=False) as session:
        count = await session.execute(
            text("SELECT COUNT(*) FROM change_log WHERE mutation_id = :m"), {"m": mutation_id}
        )
        return int(count.scalar_one())


async def test_a_resent_mutation_is_not_applied_again_and_returns_its_first_result(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = await in_progress_meeting(client, cast)
    device = OfflineClient(client, cast.seoul_secretary)
    m1 = device.queue("agenda.create", {"meeting_id": mid, "title": "대기질 협력"})
    m2 = device.queue("action_item.create", {"meeting_id": mid, "title": "자료 공유"})
    batch = list(device.outbox)
    first = await device.push()
    assert [r["status"] for r in first] == ["applied", "applied"]
    assert first[0]["entity"]["title"] == "대기질 협력"
    before = await row_counts(app, TABLES)
    device.outbox = batch
    again = await device.push()
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert again[0]["entity"] == first[0]["entity"]
    assert await row_counts(app, TABLES) == before
    assert await _mutation_changes(app, m1) == 1
    assert await _mutation_changes(app, m2) == 1
    # The same id for something else is refused, not confused with the first.
    device.outbox = [{**batch[0], "args": {"meeting_id": mid, "title": "다른 것"}}]
    (reused,) = await device.push()
    assert reused["status"] == "rejected" and reused["code"] == "mutation_id_reused"


async def test_a_rejected_mutation_writes_nothing_and_does_not_block_the_ones_after_it(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = await in_progress_meeting(client, cast)
    device = OfflineClient(client, cast.seoul_secretary)
    device.queue("agenda.create", {"meeting_id": mid, "title": "첫 안건"})
    device.queue("agenda.update", {"agenda_item_id": 999_999, "title": "없는 안건"})
    device.queue("no.such_mutation", {})
    device.queue("agenda.create", {"meeting_id": mid})  # no title
    # Valid args, refused by the service after it wrote: nothing of it may remain.
    device.queue(
        "minutes.update_section",
        {"meeting_id": mid, "agenda_item_id": 123_456, "notes": "잘못된 안건"},
        0,
    )
    # The service changes the meeting in memory, then refuses: none of it may be flushed by
    # the next mutation.
    chair = OfflineClient(client, cast.seoul_chair)
    device.queue(
        "meeting.update",
        {"meeting_id": mid, "location": "어딘가", "ends_at": "2020-01-01T00:00:00Z"},
    )
    device.queue("action_item.create", {"meeting_id": mid, "title": "후속 조치"})
    results = await device.push()
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "applied",
    ]
    assert [r.get("code") for r in results[1:6]] == [
        "not_found",
        "unknown_mutation",
        "invalid_args",
        "unknown_agenda_item",
        "invalid_times",
    ]
    assert results[3]["errors"][0]["field"] == "title"
    assert all(r["reason"] for r in results[1:6])
    minutes = await server_minutes(client, cast.seoul_chair, mid)
    assert minutes["sections"] == [] and minutes["version"] == 0
    meeting = await client.get(f"/api/v1/meetings/{mid}", headers=chair.who.headers)
    assert meeting.json()["location"] == "Seoul City Hall"
    assert meeting.json()["version"] == 3  # created, scheduled, in_progress


async def test_a_bot_needs_the_scope_of_each_mutation(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = await in_progress_meeting(client, cast)
    admin = cast.seoul_chair
    bot = await make_bot(app, admin, scopes=["meetings:read", "action_items:write"])
    device = OfflineClient(client, bot)
    device.queue("agenda.create", {"meeting_id": mid, "title": "봇 안건"})
    (result,) = await device.push()
    assert result["status"] == "rejected" and result["code"] == "missing_scope"


async def test_a_stale_edit_merges_when_the_server_changed_other_fields_and_conflicts_otherwise(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = await in_progress_meeting(client, cast)
    item = await add_agenda(client, cast.seoul_chair, mid, "원래 제목", duration_minutes=30)
    # Online, the chair changes the duration (version 2)...
    online = await client.patch(
        f"/api/v1/agenda-items/{item['id']}",
        json={"duration_minutes": 45},
        headers={**cast.seoul_chair.headers, "If-Match": "1"},
    )
    assert online.status_code == 200
    # ...while the secretary, offline at version 1, renamed the item: both survive.
    device = OfflineClient(client, cast.seoul_secretary)
    device.queue("agenda.update", {"agenda_item_id": item["id"], "title": "새 제목"}, 1)
    (merged,) = await device.push()
    assert merged["status"] == "applied" and merged["merged"] is True
    assert merged["entity"]["title"] == "새 제목"
    assert merged["entity"]["duration_minutes"] == 45
    # Another offline edit of the title from version 1 overlaps: conflict, nothing changes.
    other = OfflineClient(client, cast.seoul_chair)
    other.queue("agenda.update", {"agenda_item_id": item["id"], "title": "다른 제목"}, 1)
    (conflict,) = await other.push()
    assert conflict["status"] == "conflict" and conflict["code"] == "edit_conflict"
    assert conflict["current"]["title"] == "새 제목"
    assert conflict["current"]["version"] == 3
    current = await client.get(f"/api/v1/meetings/{mid}/agenda", headers=cast.seoul_chair.headers)
    assert current.json()[0]["title"] == "새 제목"


async def _section(client: httpx.AsyncClient, cast: Cast, mid: int, item_id: int) -> dict[str, Any]:
    minutes = await server_minutes(client, cast.seoul_chair, mid)
    (section,) = [s for s in minutes["sections"] if s["agenda_item_id"] == item_id]
    return section


async def test_minutes_edits_merge_three_way_and_overlaps_become_a_visible_conflict_copy(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = await in_progress_meeting(client, cast)
    item = await add_agenda(client, cast.seoul_chair, mid, "대기질")
    base = "1. 서울 발표\n2. 北京 发言\n3. 질의응답"
    seoul = OfflineClient(client, cast.seoul_secretary)
    beijing = OfflineClient(client, cast.beijing_secretary)
    seoul.queue(
        "minutes.update_section",
        {"meeting_id": mid, "agenda_item_id": item["id"], "notes": base},
        0,
    )
    assert (await seoul.push())[0]["status"] == "applied"
    # Both go offline at version 1 and edit different lines.
    args = {"meeting_id": mid, "agenda_item_id": item["id"]}
    seoul.queue(
        "minutes.update_section",
        {**args, "notes": base.replace("서울 발표", "서울 발표 (PM2.5)")},
        1,
    )
    beijing.queue(
        "minutes.update_section",
        {**args, "notes": base.replace("北京 发言", "北京 发言 (监测)")},
        1,
    )
    assert (await beijing.push())[0]["status"] == "applied"
    (merged,) = await seoul.push()
    assert merged["status"] == "applied" and merged["merged"] is True
    expected = "1. 서울 발표 (PM2.5)\n2. 北京 发言 (监测)\n3. 질의응답"
    assert merged["entity"]["notes"] == expected
    section = await _section(client, cast, mid, item["id"])
    assert section["notes"] == expected and section["conflict_copies"] == []
    # Now both change the same line: the later one becomes a conflict copy, never a loss.
    version = section["version"]
    seoul.queue(
        "minutes.update_section",
        {**args, "notes": expected.replace("질의응답", "질의응답: 합의")},
        version,
    )
    beijing.queue(
        "minutes.update_section",
        {**args, "notes": expected.replace("질의응답", "问答: 同意")},
        version,
    )
    assert (await seoul.push())[0]["status"] == "applied"
    (conflict,) = await beijing.push()
    assert conflict["status"] == "conflict" and conflict["code"] == "minutes_conflict"
    assert conflict["current"]["notes"].endswith("질의응답: 합의")
    (copy,) = conflict["current"]["conflict_copies"]
    assert copy["notes"].endswith("问答: 同意") and copy["author_id"] == cast.beijing_secretary.id
    section = await _section(client, cast, mid, item["id"])
    assert section["notes"].endswith("질의응답: 합의")
    assert [c["notes"] for c in section["conflict_copies"]] == [copy["notes"]]
    # Resending the conflicting mutation does not make a second copy.
    beijing.outbox = [
        {
            "id": conflict["id"],
            "name": "minutes.update_section",
            "base_version": version,
            "args": {**args, "notes": expected.replace("질의응답", "问答: 同意")},
        }
    ]
    (replayed,) = await beijing.push()
    assert replayed["status"] == "conflict"
    assert len((await _section(client, cast, mid, item["id"]))["conflict_copies"]) == 1
    # Someone merges by hand and dismisses the copy.
    resolved = await client.delete(
        f"/api/v1/minutes-sections/{section['id']}/conflicts/{copy['id']}",
        headers=cast.seoul_secretary.headers,
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["conflict_copies"] == []
    assert resolved.json()["notes"] == section["notes"]


async def test_permission_revoked_offline_rejects_the_push_with_a_reason_and_resets_the_pull(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = await in_progress_meeting(client, cast)
    item = await add_agenda(client, cast.seoul_chair, mid, "기밀 안건")
    interpreter = OfflineClient(client, cast.interpreter)  # no delegation: sees it as participant
    await interpreter.pull()
    assert interpreter.entities("agenda_item")
    interpreter.queue(
        "minutes.update_section",
        {"meeting_id": mid, "agenda_item_id": item["id"], "notes": "통역 메모"},
        0,
    )
    removed = await client.delete(
        f"/api/v1/meetings/{mid}/participants/{cast.interpreter.id}",
        headers=cast.seoul_chair.headers,
    )
    assert removed.status_code == 204
    await client.patch(
        f"/api/v1/agenda-items/{item['id']}",
        json={"title": "제외 후 변경"},
        headers=cast.seoul_chair.headers,
    )
    (result,) = await interpreter.push()
    assert result["status"] == "rejected" and result["code"] == "access_revoked"
    assert f"meeting {mid}" in result["reason"]
    await interpreter.pull()
    assert f"meeting:{mid}" in interpreter.resets
    assert not interpreter.entities("agenda_item")
    assert "제외 후 변경" not in str(interpreter.replica)
    assert "통역 메모" not in str(await server_minutes(client, cast.seoul_chair, mid))
    # An outsider who never saw the meeting learns nothing from the same push.
    outsider = OfflineClient(client, cast.outsider)
    outsider.queue("agenda.update", {"agenda_item_id": item["id"], "title": "x"}, 1)
    (hidden,) = await outsider.push()
    assert hidden["code"] == "not_found"


async def test_a_resend_racing_the_first_push_still_applies_each_mutation_once(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = await in_progress_meeting(client, cast)
    mutations = [
        {
            "id": f"race-{n}",
            "name": "action_item.create",
            "args": {"meeting_id": mid, "title": f"후속 조치 {n}"},
            "base_version": None,
        }
        for n in range(120)  # more than one chunk, so the two pushes interleave
    ]
    body = {"client_id": "flaky-wifi", "mutations": mutations}

    async def send() -> list[str]:
        response = await client.post(
            "/api/v1/sync/push", json=body, headers=cast.seoul_secretary.headers
        )
        assert response.status_code == 200, response.text
        return [r["status"] for r in response.json()["results"]]

    first, second = await asyncio.gather(send(), send())
    for a, b in zip(first, second, strict=True):
        assert sorted([a, b]) == ["applied", "duplicate"]
    for mutation in mutations:
        assert await _mutation_changes(app, str(mutation["id"])) == 1
    items = await client.get(
        f"/api/v1/meetings/{mid}/action-items", headers=cast.seoul_chair.headers
    )
    assert len(items.json()) == len(mutations)


async def test_numbers_past_64_bits_and_nul_in_a_mutation_are_refused_with_nothing_written(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    # A base_version or a number in args past 64 bits crashed the mutation's fingerprint
    # (500), as did args nested deeper than its JSON encoder allows; a NUL in a mutation id
    # reached the database (500 on PostgreSQL).
    mid = await in_progress_meeting(client, cast)
    who = cast.seoul_secretary
    before = await row_counts(app, TABLES)
    create = {"id": "m1", "name": "agenda.create", "args": {"meeting_id": mid, "title": "안건"}}
    deep: list[Any] = []
    for _ in range(300):
        deep = [deep]
    for mutation, field in [
        ({**create, "base_version": 2**64}, "mutations.0.base_version"),
        ({**create, "args": {**create["args"], "duration_minutes": -(2**70)}}, "mutations.0.args"),
        ({**create, "args": {"nested": [{"n": 10**30}]}}, "mutations.0.args"),
        ({**create, "args": {"deep": deep}}, "mutations.0.args"),
        ({**create, "id": "m\x00"}, "mutations.0.id"),
    ]:
        response = await client.post(
            "/api/v1/sync/push",
            json={"client_id": "device-1", "mutations": [mutation]},
            headers=who.headers,
        )
        problem = assert_problem(response, 422, "invalid_input")
        assert [e["field"] for e in problem["errors"]] == [field], problem
    # Ids out of range in args are that mutation's own rejection, as other invalid args are.
    device = OfflineClient(client, who)
    device.queue("agenda.create", {"meeting_id": 2**31, "title": "안건"})
    device.queue("message.edit", {"message_id": 0, "body": "x"})
    results = await device.push()
    assert [(r["status"], r["code"]) for r in results] == [("rejected", "invalid_args")] * 2
    assert [r["errors"][0]["field"] for r in results] == ["meeting_id", "message_id"]
    after = await row_counts(app, TABLES)
    assert after == {**before, "sync_mutations": before["sync_mutations"] + 2}
