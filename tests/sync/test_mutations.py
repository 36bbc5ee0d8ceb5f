"""Every mutation name goes through its REST call's service: applied, recorded in the change
log with the client and mutation id, and visible through the REST GET."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from server.sync.mutations import MUTATIONS
from tests.discussion.conftest import make_thread
from tests.meetings.conftest import Cast
from tests.sync.conftest import OfflineClient, add_agenda, in_progress_meeting


async def test_every_offline_mutation_applies_through_its_service_and_is_logged_with_its_id(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = await in_progress_meeting(client, cast)
    thread_id = await make_thread(client, cast.seoul_chair, cast.channel_id, "오프라인")
    keep = await add_agenda(client, cast.seoul_chair, mid, "유지")
    drop = await add_agenda(client, cast.seoul_chair, mid, "삭제")
    chair = OfflineClient(client, cast.seoul_chair)
    chair.queue("message.create", {"thread_id": thread_id, "body": "첫 메시지", "lang": "ko"})
    chair.queue("meeting.update", {"meeting_id": mid, "location": "北京市政府"}, 3)
    chair.queue("agenda.create", {"meeting_id": mid, "title": "새 안건"})
    chair.queue("agenda.update", {"agenda_item_id": keep["id"], "duration_minutes": 15}, 1)
    chair.queue("agenda.delete", {"agenda_item_id": drop["id"]}, 1)
    chair.queue(
        "minutes.update_section",
        {"meeting_id": mid, "agenda_item_id": keep["id"], "notes": "메모"},
        0,
    )
    chair.queue("decision.create", {"meeting_id": mid, "text": "공동 연구에 합의"})
    chair.queue("action_item.create", {"meeting_id": mid, "title": "보고서"})
    chair.queue(
        "attendance.set",
        {"meeting_id": mid, "user_id": cast.beijing_chair.id, "attendance": "attended"},
        1,
    )
    results = await chair.push()
    assert [r["status"] for r in results] == ["applied"] * len(results), results
    message, _, created, *_ = (r["entity"] for r in results)
    action = results[7]["entity"]
    order = [created["id"], keep["id"]]
    chair.queue("message.edit", {"message_id": message["id"], "body": "고친 메시지"}, 1)
    chair.queue("reaction.set", {"message_id": message["id"], "emoji": "👍", "on": True})
    chair.queue("message.delete", {"message_id": message["id"]}, 3)
    chair.queue("agenda.reorder", {"meeting_id": mid, "item_ids": order}, 5)
    chair.queue("action_item.update", {"action_item_id": action["id"], "status": "done"}, 1)
    results = await chair.push()
    assert [r["status"] for r in results] == ["applied"] * len(results), results
    assert results[2]["entity"]["deleted"] is True

    async with app.state.db.session(write=False) as session:
        logged = {
            str(name)
            for (name,) in await session.execute(
                text(
                    "SELECT DISTINCT s.name FROM sync_mutations s JOIN change_log c "
                    "ON c.mutation_id = s.mutation_id AND c.client_id = s.client_id"
                )
            )
        }
    assert logged == set(MUTATIONS) - {"minutes.resolve_conflict"}
    headers = cast.seoul_chair.headers
    agenda = (await client.get(f"/api/v1/meetings/{mid}/agenda", headers=headers)).json()
    assert [a["id"] for a in agenda] == order
    meeting = (await client.get(f"/api/v1/meetings/{mid}", headers=headers)).json()
    assert meeting["location"] == "北京市政府"
    attended = [p for p in meeting["participants"] if p["user_id"] == cast.beijing_chair.id]
    assert attended[0]["attendance"] == "attended"
