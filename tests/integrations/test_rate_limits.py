"""Rate limits per bot token and per incoming webhook: 429 problem+json with Retry-After, and
one token's or hook's budget never touches another's."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from server.core.config import Settings
from tests.helpers import assert_problem
from tests.integrations.conftest import World, create_bot


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"bot_requests_per_minute": 5, "incoming_webhook_limit_per_minute": 3}
    )


async def test_each_bot_token_has_its_own_request_budget(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await create_bot(client, world.admin, ["messages:read"], channel_ids=[world.channel_id])
    second = await create_bot(
        client, world.admin, ["messages:read"], channel_ids=[world.channel_id]
    )
    for _ in range(5):
        assert (await client.get("/api/v1/channels", headers=first.headers)).status_code == 200
    limited = await client.get("/api/v1/channels", headers=first.headers)
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    # Another token, and people, are not affected.
    assert (await client.get("/api/v1/channels", headers=second.headers)).status_code == 200
    for _ in range(6):
        assert (
            await client.get("/api/v1/channels", headers=world.seoul.headers)
        ).status_code == 200


async def test_each_incoming_webhook_has_its_own_budget(
    client: httpx.AsyncClient, world: World
) -> None:
    paths = []
    for name in ("notices", "calendar"):
        created = await client.post(
            f"/api/v1/channels/{world.channel_id}/incoming-webhooks",
            json={"name": name},
            headers=world.seoul.headers,
        )
        paths.append(urlsplit(created.json()["url"]).path)
    for n in range(3):
        assert (await client.post(paths[0], json={"text": f"n{n}"})).status_code == 201
    limited = await client.post(paths[0], json={"text": "one too many"})
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert (await client.post(paths[1], json={"text": "other hook"})).status_code == 201
    listed = await client.get(
        f"/api/v1/threads/{world.thread_id}/messages", headers=world.seoul.headers
    )
    assert all(m["body"] != "one too many" for m in listed.json()["items"])
