"""Two and three offline clients editing one meeting (agenda, minutes sections, action items)
and syncing in every order: all converge to the server's state, every acknowledged mutation
is there exactly once, and overlapping minutes edits leave a conflict copy, never a loss."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.meetings.conftest import Cast
from tests.sync.conftest import OfflineClient, add_agenda, in_progress_meeting

BASE_NOTES = "1. 개회\n2. 서울 발표\n3. 北京 发言\n4. 질의응답\n5. 폐회"


async def server_state(client: httpx.AsyncClient, cast: Cast, mid: int) -> dict[str, Any]:
    headers = cast.seoul_chair.headers
    agenda = (await client.get(f"/api/v1/meetings/{mid}/agenda", headers=headers)).json()
    minutes = (await client.get(f"/api/v1/meetings/{mid}/minutes", headers=headers)).json()
    actions = (await client.get(f"/api/v1/meetings/{mid}/action-items", headers=headers)).json()
    return {
        "agenda_item": {
            a["id"]: (a["title"], a["position"], a["duration_minutes"], a["version"])
            for a in agenda
        },
        "minutes_section": {
            s["id"]: (s["notes"], s["version"], [c["notes"] for c in s["conflict_copies"]])
            for s in minutes["sections"]
        },
        "action_item": {
            i["id"]: (i["title"], i["status"], i["due_date"], i["version"])
            for i in actions
            if not i["carried_over"]
        },
    }


def replica_state(device: OfflineClient, mid: int) -> dict[str, Any]:
    def mine(entity: str) -> dict[int, dict[str, Any]]:
        return {i: v for i, v in device.entities(entity).items() if v.get("meeting_id") == mid}

    return {
        "agenda_item": {
            i: (v["title"], v["position"], v["duration_minutes"], v["version"])
            for i, v in mine("agenda_item").items()
        },
        "minutes_section": {
            i: (v["notes"], v["version"], [c["notes"] for c in v.get("conflict_copies", [])])
            for i, v in mine("minutes_section").items()
        },
        "action_item": {
            i: (v["title"], v["status"], v["due_date"], v["version"])
            for i, v in mine("action_item").items()
        },
    }


async def changes_of(app: FastAPI, mutation_id: str) -> list[tuple[str, int]]:
    async with app.state.db.session(write=False) as session:
        rows = await session.execute(
            text(
                "SELECT entity, entity_id FROM change_log WHERE mutation_id = :m "
                "AND scope LIKE 'meeting:%' ORDER BY seq"
            ),
            {"m": mutation_id},
        )
        return [(str(e), int(i)) for e, i in rows.all()]


async def prepare(client: httpx.AsyncClient, cast: Cast) -> tuple[int, int, int, int]:
    mid = await in_progress_meeting(client, cast)
    first = await add_agenda(client, cast.seoul_chair, mid, "대기질", duration_minutes=30)
    second = await add_agenda(client, cast.seoul_chair, mid, "교통", duration_minutes=20)
    put = await client.put(
        f"/api/v1/meetings/{mid}/minutes",
        json={"sections": [{"agenda_item_id": first["id"], "notes": BASE_NOTES}]},
        headers=cast.seoul_secretary.headers,
    )
    assert put.status_code == 200, put.text
    action = await client.post(
        f"/api/v1/meetings/{mid}/action-items",
        json={"title": "자료 공유", "owner_id": cast.beijing_secretary.id},
        headers=cast.seoul_chair.headers,
    )
    assert action.status_code == 201
    return mid, first["id"], second["id"], action.json()["id"]


def offline_edits(
    device: OfflineClient, n: int, mid: int, first: int, second: int, action_id: int
) -> None:
    """What each of up to three people does offline, from the state they pulled."""
    agenda = device.entities("agenda_item")
    (section,) = [s for s in device.entities("minutes_section").values() if s["meeting_id"] == mid]
    action = device.entities("action_item")[action_id]
    notes = section["notes"].split("\n")
    args = {"meeting_id": mid, "agenda_item_id": first}
    if n == 0:
        notes[1] = "2. 서울 발표: 미세먼지 30% 감축"
        device.queue(
            "agenda.update",
            {"agenda_item_id": first, "title": "대기질 협력"},
            agenda[first]["version"],
        )
        device.queue(
            "action_item.update", {"action_item_id": action_id, "status": "done"}, action["version"]
        )
    elif n == 1:
        notes[2] = "3. 北京 发言: 监测数据共享"
        device.queue(
            "agenda.update",
            {"agenda_item_id": second, "duration_minutes": 40},
            agenda[second]["version"],
        )
        device.queue("action_item.create", {"meeting_id": mid, "title": "공동 보고서"})
        device.queue("agenda.create", {"meeting_id": mid, "title": "차기 회의"})
        device.queue(
            "action_item.update",
            {"action_item_id": action_id, "due_date": "2027-06-30"},
            action["version"],
        )
    else:
        # Overlaps the first person's line: one of them becomes a conflict copy.
        notes[1] = "2. 首尔 发言: PM2.5"
        notes[4] = "5. 폐회 (17:00)"
        device.queue(
            "agenda.update",
            {"agenda_item_id": first, "title": "大气质量"},
            agenda[first]["version"],
        )
    device.queue("minutes.update_section", {**args, "notes": "\n".join(notes)}, section["version"])


@pytest.mark.parametrize("people", [2, 3])
async def test_offline_clients_syncing_in_every_order_converge_without_losing_an_edit(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast, people: int
) -> None:
    who = [cast.seoul_secretary, cast.beijing_secretary, cast.seoul_chair][:people]
    for order in itertools.permutations(range(people)):
        mid, first, second, action_id = await prepare(client, cast)
        devices = [OfflineClient(client, person) for person in who]
        for device in devices:
            await device.pull()
        for n, device in enumerate(devices):
            offline_edits(device, n, mid, first, second, action_id)
        queued = {n: list(d.outbox) for n, d in enumerate(devices)}
        for n in order:  # each comes back online in turn: push, then pull
            await devices[n].push()
            await devices[n].pull()
        for device in devices:
            await device.pull()
        truth = await server_state(client, cast, mid)
        for device in devices:
            assert replica_state(device, mid) == truth, order
        # Every acknowledged mutation is there, exactly once.
        for n, device in enumerate(devices):
            for mutation in queued[n]:
                result = device.acknowledged[mutation["id"]]
                assert result["status"] in ("applied", "conflict"), (order, result)
                recorded = await changes_of(app, mutation["id"])
                assert len(recorded) == len(set(recorded)), recorded
                if result["status"] == "applied":
                    entity = mutation["name"].split(".")[0].replace("agenda", "agenda_item")
                    entity = "minutes_section" if entity == "minutes" else entity
                    assert any(e == entity for e, _ in recorded), (mutation, recorded)
        (notes, _, copies) = next(iter(truth["minutes_section"].values()))
        lines = notes.split("\n")
        assert "3. 北京 发言: 监测数据共享" in lines  # never overlapped: always merged
        if people == 3:
            # The two edits of line 2: one won (the first to sync), the other is a copy.
            first_to_sync = 0 if order.index(0) < order.index(2) else 2
            winner = (
                "2. 서울 발표: 미세먼지 30% 감축" if first_to_sync == 0 else "2. 首尔 发言: PM2.5"
            )
            loser = (
                "2. 首尔 发言: PM2.5" if first_to_sync == 0 else "2. 서울 발표: 미세먼지 30% 감축"
            )
            assert winner in lines
            assert len(copies) == 1 and loser in copies[0].split("\n")
            # The agenda title was edited by both as well: one applied, the other a conflict.
            titles = {truth["agenda_item"][first][0]}
            assert titles <= {"대기질 협력", "大气质量"}
        else:
            assert "2. 서울 발표: 미세먼지 30% 감축" in lines and copies == []
            state = truth["action_item"][action_id]
            assert state[1] == "done" and state[2] == "2027-06-30"  # both fields merged
            assert truth["agenda_item"][second][2] == 40
            assert truth["agenda_item"][first][0] == "대기질 협력"
