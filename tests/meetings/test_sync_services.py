"""The mutation services an offline-sync layer will call: base versions and client/mutation
ids reach the change log."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from server.core.errors import PreconditionFailed
from server.identity.service import Principal
from server.meetings import actions, agenda, minutes, participants, service
from server.meetings.schemas import ActionItemCreate, AgendaCreate, MeetingUpdate, SectionPut
from tests.meetings.conftest import Cast, bilateral_body, changes_in, create_meeting, set_status


def _as(person_id: int, org_id: int | None) -> Principal:
    return Principal(
        user_id=person_id,
        username="",
        role="member",
        organization_id=org_id,
        is_bot=False,
        token_id=0,
        scopes=None,
        channel_ids=None,
    )


async def test_mutations_carry_client_and_mutation_ids_and_check_base_versions(
    app: FastAPI, client: httpx.AsyncClient, cast: Cast
) -> None:
    mid = (await create_meeting(client, cast.seoul_chair, bilateral_body(cast)))["id"]
    await set_status(client, cast.seoul_chair, mid, "scheduled", "in_progress")
    secretary = _as(cast.seoul_secretary.id, cast.seoul.id)
    ids = {"client_id": "laptop-1"}
    async with app.state.db.transaction() as session:
        item = await agenda.create_agenda_item(
            session, secretary, mid, AgendaCreate(title="안건"), mutation_id="m1", **ids
        )
        await minutes.update_section(
            session,
            secretary,
            mid,
            SectionPut(agenda_item_id=item.id, notes="오프라인 메모"),
            0,
            mutation_id="m2",
            **ids,
        )
        await actions.create_action_item(
            session, secretary, mid, ActionItemCreate(title="후속"), mutation_id="m3", **ids
        )
        await participants.set_attendance(
            session, secretary, mid, cast.seoul_secretary.id, "attended", 1, mutation_id="m4", **ids
        )
    async with app.state.db.transaction() as session:
        with pytest.raises(PreconditionFailed):
            await minutes.update_section(
                session, secretary, mid, SectionPut(agenda_item_id=item.id, notes="x"), 0
            )
    async with app.state.db.transaction() as session:
        with pytest.raises(PreconditionFailed):
            await service.update_meeting(session, secretary, mid, MeetingUpdate(location="x"), 1)
    recorded = {
        (c.entity, c.mutation_id)
        for c in await changes_in(app, f"meeting:{mid}")
        if c.client_id == "laptop-1"
    }
    assert {
        ("agenda_item", "m1"),
        ("minutes_section", "m2"),
        ("minutes", "m2"),
        ("action_item", "m3"),
        ("meeting_participant", "m4"),
    } <= recorded
