"""Offline clients for the sync tests: a local replica fed by pull, an outbox sent by push."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.discussion import conftest as discussion_fixtures
from tests.factories import Person
from tests.meetings import conftest as meeting_fixtures
from tests.meetings.conftest import Cast, add_agenda, bilateral_body, create_meeting, set_status

# The meetings' cast and the discussion's room, for the sync tests too.
cast = meeting_fixtures.cast
room = discussion_fixtures.room
__all__ = ["Cast", "add_agenda", "cast", "room"]

_ids = itertools.count(1)


@dataclass
class OfflineClient:
    """One device of one person: what it pulled, and what it did while offline."""

    http: httpx.AsyncClient
    who: Person
    client_id: str = field(default_factory=lambda: f"device-{uuid.uuid4().hex[:8]}")
    cursor: int = 0
    # (entity, id) -> the latest state pulled; deleted entities are dropped.
    replica: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    resets: list[str] = field(default_factory=list)
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)

    def queue(self, name: str, args: dict[str, Any], base_version: int | None = None) -> str:
        mutation_id = f"{self.client_id}-m{next(_ids)}"
        self.outbox.append(
            {"id": mutation_id, "name": name, "args": args, "base_version": base_version}
        )
        return mutation_id

    async def push(self) -> list[dict[str, Any]]:
        if not self.outbox:
            return []
        response = await self.http.post(
            "/api/v1/sync/push",
            json={"client_id": self.client_id, "mutations": self.outbox},
            headers=self.who.headers,
        )
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        assert [r["id"] for r in results] == [m["id"] for m in self.outbox]
        for result in results:
            self.acknowledged[result["id"]] = result
        self.outbox = []
        return results

    async def pull(self, limit: int = 500) -> None:
        while True:
            response = await self.http.get(
                "/api/v1/sync/pull",
                params={"since": self.cursor, "limit": limit},
                headers=self.who.headers,
            )
            assert response.status_code == 200, response.text
            page = response.json()
            for entry in page["changes"]:
                self.apply(entry)
            assert page["cursor"] >= self.cursor
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return

    def apply(self, entry: dict[str, Any]) -> None:
        if entry["type"] == "reset":
            self.resets.append(entry["scope"])
            kind, _, raw = entry["scope"].partition(":")
            key = "channel_id" if kind == "channel" else "meeting_id"
            for k, v in list(self.replica.items()):
                if v.get(key) == int(raw) or (k[0] == kind and k[1] == int(raw)):
                    del self.replica[k]
            return
        key = (entry["entity"], entry["id"])
        previous = self.replica.get(key)
        if previous is not None and previous.get("_version", 0) > entry["version"]:
            return
        if entry["op"] == "deleted" and entry["entity"] != "message":
            self.replica.pop(key, None)
            return
        self.replica[key] = {**entry["data"], "_version": entry["version"]}

    def entities(self, entity: str) -> dict[int, dict[str, Any]]:
        return {k[1]: v for k, v in self.replica.items() if k[0] == entity}


async def in_progress_meeting(client: httpx.AsyncClient, cast: Cast) -> int:
    meeting = await create_meeting(client, cast.seoul_chair, bilateral_body(cast))
    await set_status(client, cast.seoul_chair, meeting["id"], "scheduled", "in_progress")
    return int(meeting["id"])


@pytest.fixture
def offline(client: httpx.AsyncClient) -> Any:
    def make(who: Person) -> OfflineClient:
        return OfflineClient(client, who)

    return make


async def server_minutes(client: httpx.AsyncClient, who: Person, meeting_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=who.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data
