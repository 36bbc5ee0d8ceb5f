"""Property: random offline edits from several clients, pushed with random retries (lost
answers, whole-batch resends) in random interleavings, always converge to the server's state,
apply every mutation exactly once, and lose no minutes text (merged or kept as a copy)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from server.sync.merge import merge_text
from tests.meetings.conftest import Cast
from tests.sync.conftest import OfflineClient
from tests.sync.test_convergence import prepare, replica_state, server_state

PEOPLE = 3
WORDS = st.sampled_from(["가", "나", "北", "京", "air", "PM2.5", "합의", "同意"])
step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, PEOPLE - 1), st.integers(0, 4), WORDS),
    st.tuples(st.just("title"), st.integers(0, PEOPLE - 1), WORDS),
    st.tuples(st.just("status"), st.integers(0, PEOPLE - 1), st.sampled_from(["open", "done"])),
    st.tuples(st.just("create"), st.integers(0, PEOPLE - 1), WORDS),
    # sync: push (the answer maybe lost, then the whole batch resent) and pull
    st.tuples(st.just("sync"), st.integers(0, PEOPLE - 1), st.booleans()),
)


async def _change_counts(app: FastAPI) -> dict[str, int]:
    async with app.state.db.session(write=False) as session:
        rows = await session.execute(
            text(
                "SELECT mutation_id, COUNT(*) FROM change_log WHERE mutation_id IS NOT NULL "
                "GROUP BY mutation_id"
            )
        )
        return {str(m): int(n) for m, n in rows.all()}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=st.lists(step, min_size=1, max_size=14))
async def test_random_offline_edits_with_retries_converge_exactly_once(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast, plan: list[tuple[Any, ...]]
) -> None:
    mid, first, _second, action_id = await prepare(client, cast)
    people = [cast.seoul_secretary, cast.beijing_secretary, cast.seoul_chair]
    devices = [OfflineClient(client, p) for p in people]
    drafts: list[str] = []
    for device in devices:
        await device.pull()

    def section_of(device: OfflineClient) -> dict[str, Any]:
        (state,) = [
            s for s in device.entities("minutes_section").values() if s["meeting_id"] == mid
        ]
        return state

    section = section_of(devices[0])
    for _ in devices:
        drafts.append(section["notes"])
    args = {"meeting_id": mid, "agenda_item_id": first}
    first_counts: dict[str, int] = {}
    created: list[str] = []

    async def sync(n: int, lose_answer: bool) -> None:
        device = devices[n]
        batch = list(device.outbox)
        if lose_answer and batch:
            await device.push()  # applied, but the answer never arrived...
            device.outbox = batch  # ...so the whole batch is sent again
        await device.push()
        counts = await _change_counts(app)
        for mutation in batch:
            first_counts.setdefault(mutation["id"], counts.get(mutation["id"], 0))
        await device.pull()
        drafts[n] = section_of(device)["notes"]

    for action in plan:
        kind, n = action[0], action[1]
        device = devices[n]
        if kind == "edit":
            lines = drafts[n].split("\n")
            lines[action[2]] = f"{lines[action[2]]} {action[3]}"
            drafts[n] = "\n".join(lines)
            version = section_of(device)["version"]
            device.queue("minutes.update_section", {**args, "notes": drafts[n]}, version)
        elif kind == "title":
            item = device.entities("agenda_item")[first]
            device.queue(
                "agenda.update", {"agenda_item_id": first, "title": action[2]}, item["version"]
            )
        elif kind == "status":
            item = device.entities("action_item")[action_id]
            device.queue(
                "action_item.update",
                {"action_item_id": action_id, "status": action[2]},
                item["version"],
            )
        elif kind == "create":
            title = f"{action[2]}-{len(created)}"
            created.append(title)
            device.queue("action_item.create", {"meeting_id": mid, "title": title})
        else:
            await sync(n, action[2])
    for n in range(PEOPLE):
        await sync(n, False)
    for device in devices:
        await device.pull()

    truth = await server_state(client, cast, mid)
    for device in devices:
        assert replica_state(device, mid) == truth
    # Exactly once: retries added no change rows, every create made one action item.
    counts = await _change_counts(app)
    for mutation_id, count in first_counts.items():
        assert counts.get(mutation_id, 0) == count, mutation_id
    titles = [t for t, *_ in truth["action_item"].values()]
    for title in created:
        assert titles.count(title) == 1, title
    # No minutes text lost: each acknowledged edit is in the notes or in a conflict copy.
    (notes, _, copies) = next(iter(truth["minutes_section"].values()))
    for device in devices:
        for result in device.acknowledged.values():
            if result["status"] == "conflict" and result.get("code") == "minutes_conflict":
                kept = [c["notes"] for c in result["current"]["conflict_copies"]]
                assert any(c in copies for c in kept)
    assert merge_text(notes, notes, notes) == notes
