"""Outgoing webhooks against a real HTTP receiver on 127.0.0.1: signed deliveries, retries with
backoff, the delivery log, giving up after the retry period (and telling the owner), restarts
during a backlog, and the private-address guard."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from server.app import create_app
from server.changes import service as changes
from server.core.config import Settings
from server.core.db import Database
from server.identity.models import AuditEntry
from server.integrations import egress
from server.integrations.models import OutgoingWebhook
from server.integrations.service import verify_signature
from tests.helpers import assert_problem, row_counts
from tests.integrations.conftest import Receiver, World, create_bot, eventually, make_world


async def _subscribe(client: httpx.AsyncClient, who: Any, url: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/webhooks", json={"url": url, **body}, headers=who.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _post(client: httpx.AsyncClient, world: World, text: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/threads/{world.thread_id}/messages",
        json={"body": text},
        headers=world.seoul.headers,
    )
    assert response.status_code == 201, response.text
    posted: dict[str, Any] = response.json()
    return posted


async def _deliveries(client: httpx.AsyncClient, who: Any, hook_id: int) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/webhooks/{hook_id}/deliveries?limit=200", headers=who.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _logged(client: httpx.AsyncClient, world: World, hook_id: int, count: int) -> bool:
    return len(await _deliveries(client, world.seoul, hook_id)) >= count


async def test_deliveries_are_signed_over_timestamp_and_body_and_the_signature_verifies(
    client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    hook = await _subscribe(
        client,
        world.seoul,
        receiver.url,
        events=["message.created"],
        channel_ids=[world.channel_id],
    )
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    message = await _post(client, world, "공동위원회 / 联合委员会 / joint committee")
    await eventually(lambda: len(receiver.delivered) == 1)

    got = receiver.delivered[0]
    timestamp = got.headers["x-gyoryu-timestamp"]
    signature = got.headers["x-gyoryu-signature"]
    # What a receiver computes with nothing but the standard library:
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + got.body, hashlib.sha256
    ).hexdigest()
    assert signature == f"sha256={expected}"
    assert verify_signature(secret, timestamp, got.body, signature)
    assert not verify_signature("whsec_wrong", timestamp, got.body, signature)
    assert not verify_signature(secret, timestamp, got.body + b" ", signature)
    assert not verify_signature(secret, timestamp, got.body, signature, now=time.time() + 3600)

    payload = got.json
    assert payload["event"] == "message.created" == got.headers["x-gyoryu-event"]
    assert payload["delivery_id"] == got.headers["x-gyoryu-delivery"]
    assert payload["entity"] == "message" and payload["op"] == "created"
    assert payload["scope"] == f"channel:{world.channel_id}"
    assert payload["data"]["id"] == message["id"]
    assert payload["data"]["body"] == message["body"]
    assert got.headers["content-type"] == "application/json"

    # The receiver records a request before it answers; the log follows the answer.
    await eventually(lambda: _logged(client, world, hook["id"], 1))
    log = await _deliveries(client, world.seoul, hook["id"])
    assert [(d["status"], d["attempt"], d["status_code"]) for d in log] == [("delivered", 1, 200)]
    assert log[0]["seq"] == payload["seq"]
    # The secret is shown once.
    shown = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.seoul.headers)
    assert "secret" not in shown.json()


async def test_a_receiver_failing_three_times_then_succeeding_gets_the_event_once(
    client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    hook = await _subscribe(
        client,
        world.seoul,
        receiver.url,
        events=["message.created"],
        channel_ids=[world.channel_id],
    )
    receiver.fail_next = 3
    first = await _post(client, world, "첫 번째")
    await eventually(lambda: len(receiver.delivered) == 1)
    # A later change arriving proves the dispatcher moved on from the first one.
    second = await _post(client, world, "두 번째")
    await eventually(lambda: len(receiver.delivered) == 2)

    ids = [r.json["data"]["id"] for r in receiver.delivered]
    assert ids == [first["id"], second["id"]]
    attempts = [r.json["data"]["id"] for r in receiver.attempts]
    assert attempts == [first["id"]] * 4 + [second["id"]]
    assert len({r.headers["x-gyoryu-delivery"] for r in receiver.attempts[:4]}) == 1

    await eventually(lambda: _logged(client, world, hook["id"], 5))
    log = await _deliveries(client, world.seoul, hook["id"])
    oldest_first = [(d["status"], d["attempt"]) for d in reversed(log)]
    assert oldest_first == [
        ("failed", 1),
        ("failed", 2),
        ("failed", 3),
        ("delivered", 4),
        ("delivered", 1),
    ]
    assert all(d["status_code"] == 500 for d in log if d["status"] == "failed")
    state = (await client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.seoul.headers)).json()
    assert state["failures"] == 0 and state["is_active"] is True


async def test_only_the_chosen_events_in_the_chosen_channels_and_meetings_are_delivered(
    client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    await _subscribe(
        client,
        world.seoul,
        receiver.url,
        events=["message.updated", "action_item.created"],
        channel_ids=[world.channel_id],
        meeting_ids=[world.meeting_id],
    )
    message = await _post(client, world, "초안")  # message.created: not chosen
    other = await client.post(
        "/api/v1/channels", json={"name": "other", "member_ids": []}, headers=world.seoul.headers
    )
    other_thread = await client.post(
        f"/api/v1/channels/{other.json()['id']}/threads",
        json={"title": "x"},
        headers=world.seoul.headers,
    )
    await client.post(
        f"/api/v1/threads/{other_thread.json()['id']}/messages",
        json={"body": "elsewhere"},
        headers=world.seoul.headers,
    )
    edited = await client.patch(
        f"/api/v1/messages/{message['id']}", json={"body": "수정본"}, headers=world.seoul.headers
    )
    assert edited.status_code == 200, edited.text
    item = await client.post(
        f"/api/v1/meetings/{world.meeting_id}/action-items",
        json={"title": "회의록 배포", "owner_id": world.beijing.id, "due_date": "2027-04-01"},
        headers=world.seoul.headers,
    )
    assert item.status_code == 201, item.text
    await eventually(lambda: len(receiver.delivered) == 2)
    events = [(r.json["event"], r.json["data"]["id"]) for r in receiver.delivered]
    assert events == [
        ("message.updated", message["id"]),
        ("action_item.created", item.json()["id"]),
    ]


async def test_failing_past_the_retry_period_disables_the_hook_and_tells_its_owner(
    app: FastAPI, client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    app.state.settings.webhook_give_up_seconds = 0.3  # "a day", for this test
    hook = await _subscribe(
        client,
        world.seoul,
        receiver.url,
        events=["message.created"],
        channel_ids=[world.channel_id],
    )
    receiver.always_fail = True
    message = await _post(client, world, "아무도 못 받는 메시지")

    async def disabled() -> bool:
        state = await client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.seoul.headers)
        return state.json()["is_active"] is False

    await eventually(disabled)
    state = (await client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.seoul.headers)).json()
    assert "Disabled after" in state["disabled_reason"]
    log = await _deliveries(client, world.seoul, hook["id"])
    assert len(log) >= 2 and all(d["status"] == "failed" for d in log)
    assert [d["attempt"] for d in reversed(log)] == list(range(1, len(log) + 1))

    db: Database = app.state.db
    async with db.session(write=False) as session:
        notices = [
            e.to_dict()
            for e in await changes.read_since(session, 0, [f"user:{world.seoul.id}"])
            if e.entity == "webhook"
        ]
        audited = (
            await session.execute(
                select(AuditEntry.action).where(AuditEntry.action == "webhook.disabled")
            )
        ).all()
    assert notices[-1]["op"] == "updated"
    assert notices[-1]["data"]["is_active"] is False and notices[-1]["data"]["id"] == hook["id"]
    assert len(audited) == 1

    # Once the receiver works again, re-enabling resumes with the change that failed.
    receiver.always_fail = False
    enabled = await client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"is_active": True}, headers=world.seoul.headers
    )
    assert enabled.status_code == 200 and enabled.json()["failures"] == 0
    await eventually(lambda: len(receiver.delivered) == 1)
    assert receiver.delivered[0].json["data"]["id"] == message["id"]


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield application, c


def _in_order_at_least_once(receiver: Receiver, posted: list[int]) -> int:
    """Check one hook's deliveries: every posted message, in order, a repeat only right after
    the first delivery of the same change. Returns how many repeats there were."""
    seqs = [r.json["seq"] for r in receiver.delivered]
    first_of_each = [i for i in range(len(seqs)) if i == 0 or seqs[i - 1] != seqs[i]]
    assert [seqs[i] for i in first_of_each] == sorted(set(seqs))
    assert [receiver.delivered[i].json["data"]["id"] for i in first_of_each] == posted
    return len(seqs) - len(first_of_each)


async def test_a_restart_during_a_backlog_loses_nothing_and_keeps_the_order(
    settings: Settings, receiver: Receiver
) -> None:
    receiver.delay = 0.05  # slow enough that the restart lands mid-backlog
    total = 30
    async with _running(settings) as (app, client):
        world = await make_world(app, client)
        await _subscribe(
            client,
            world.seoul,
            receiver.url,
            events=["message.created"],
            channel_ids=[world.channel_id],
        )
        posted = [(await _post(client, world, f"메시지 {n}"))["id"] for n in range(total)]
        await eventually(lambda: len(receiver.delivered) >= 5)
    stopped_at = len(receiver.delivered)
    assert stopped_at < total, "the backlog was gone before the restart"

    async with _running(settings) as (app, client):
        await eventually(lambda: len({r.json["seq"] for r in receiver.delivered}) == total)

        async def all_logged() -> bool:
            counts = await row_counts(app, ("webhook_deliveries",))
            return counts["webhook_deliveries"] >= total

        # The receiver records a request before it answers; the log follows the answer.
        await eventually(all_logged)

    assert _in_order_at_least_once(receiver, posted) <= 1


async def test_a_crash_during_a_backlog_loses_nothing_and_keeps_the_order(
    settings: Settings, receiver: Receiver
) -> None:
    """The first process dies without giving its hooks back (no graceful stop): the next one
    waits out the lease, then resumes at the first change not recorded as delivered."""
    settings = settings.model_copy(update={"webhook_lease_seconds": 0.5})
    receiver.delay = 0.05
    total = 20
    async with _running(settings) as (app, client):
        world = await make_world(app, client)
        await _subscribe(
            client,
            world.seoul,
            receiver.url,
            events=["message.created"],
            channel_ids=[world.channel_id],
        )
        posted = [(await _post(client, world, f"메시지 {n}"))["id"] for n in range(total)]
        await eventually(lambda: len(receiver.delivered) >= 5)
        dispatcher = app.state.webhook_dispatcher
        assert dispatcher._task is not None

        async def gone(*_: object) -> None:
            return None

        # It dies mid-backlog (perhaps mid-delivery) and never gives its leases back. It gives
        # the lease back and takes it again now and then, so it stops giving back first, and
        # dies once it holds the lease (a crash between the two would leave none to wait out).
        dispatcher._release = gone

        async def holds_the_lease() -> bool:
            async with app.state.db.session(write=False) as session:
                owner = await session.execute(select(OutgoingWebhook.lease_owner))
                return owner.scalar_one() == dispatcher.owner

        await eventually(holds_the_lease)
        dispatcher._task.cancel()
        dispatcher.stop = gone
    assert len(receiver.delivered) < total, "the backlog was gone before the crash"
    db = Database(settings.database_url)
    async with db.session(write=False) as session:
        lease = (await session.execute(select(OutgoingWebhook.lease_owner))).scalar_one()
    await db.dispose()
    assert lease is not None, "the crash left its lease behind"

    async with _running(settings) as (app, client):
        await eventually(lambda: len({r.json["seq"] for r in receiver.delivered}) == total)
    assert _in_order_at_least_once(receiver, posted) <= 1


async def test_two_processes_deliver_each_change_once_in_order(
    settings: Settings, receiver: Receiver
) -> None:
    """Two server processes on one database both run dispatchers: the lease on each hook
    makes one of them deliver it at a time."""
    receiver.delay = 0.01
    total = 20
    async with _running(settings) as (app, client), _running(settings) as (_, other):
        world = await make_world(app, client)
        await _subscribe(
            client,
            world.seoul,
            receiver.url,
            events=["message.created"],
            channel_ids=[world.channel_id],
        )
        posted = []
        for n in range(total):
            # Writes through both processes, so both dispatchers are woken.
            via = client if n % 2 else other
            posted.append((await _post(via, world, f"메시지 {n}"))["id"])
        await eventually(lambda: len(receiver.delivered) >= total)
        await eventually(lambda: _logged_in(app, total))
    assert _in_order_at_least_once(receiver, posted) == 0
    assert len(receiver.attempts) == total


async def _logged_in(app: FastAPI, count: int) -> bool:
    return (await row_counts(app, ("webhook_deliveries",)))["webhook_deliveries"] >= count


async def test_private_and_loopback_destinations_are_refused_without_the_setting(
    app: FastAPI, client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    app.state.settings.webhook_allow_private = False
    before = await row_counts(app, ("webhooks", "change_log"))
    for url in (
        receiver.url,
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:9000/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ):
        refused = await client.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["message.created"], "channel_ids": [world.channel_id]},
            headers=world.seoul.headers,
        )
        body = assert_problem(refused, 422, "webhook_url_not_allowed")
        assert body["errors"][0]["field"] == "url"
    for url in ("ftp://example.org/x", "http://user:pw@example.org/", "not a url"):
        refused = await client.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["message.created"], "channel_ids": [world.channel_id]},
            headers=world.seoul.headers,
        )
        assert_problem(refused, 422, "webhook_url_not_allowed")
    assert await row_counts(app, ("webhooks", "change_log")) == before


async def test_a_destination_that_became_private_is_refused_at_delivery(
    app: FastAPI, client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    hook = await _subscribe(
        client,
        world.seoul,
        receiver.url,
        events=["message.created"],
        channel_ids=[world.channel_id],
    )
    app.state.settings.webhook_allow_private = False
    await _post(client, world, "보내지 말 것")

    async def refused() -> bool:
        return bool(await _deliveries(client, world.seoul, hook["id"]))

    await eventually(refused)
    log = await _deliveries(client, world.seoul, hook["id"])
    assert log[-1]["status"] == "failed" and log[-1]["error"].startswith("refused:")
    assert receiver.attempts == []


def _port(url: str) -> int:
    port = httpx.URL(url).port
    assert port is not None
    return port


async def test_a_name_that_rebinds_to_loopback_after_the_check_is_refused_at_connect(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name is public when the hook is saved, loopback when delivering."""
    lookups: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["93.184.216.34"] if len(lookups) == 1 else ["127.0.0.1"]

    monkeypatch.setattr(egress, "resolve", rebinding)
    app.state.settings.webhook_allow_private = False
    # One attempt only while the test looks: a quick retry would add lookups of its own.
    app.state.settings.webhook_backoff_base_seconds = 60
    app.state.settings.webhook_backoff_max_seconds = 60
    hook = await _subscribe(
        client,
        world.seoul,
        f"http://partner.example:{_port(receiver.url)}/hook",
        events=["message.created"],
        channel_ids=[world.channel_id],
    )
    await _post(client, world, "보내지 말 것")
    await eventually(lambda: _logged(client, world, hook["id"], 1))
    log = await _deliveries(client, world.seoul, hook["id"])
    assert log[0]["status"] == "failed"
    assert log[0]["error"] == (
        "refused: The host 'partner.example' is a private or loopback address."
    )
    assert receiver.attempts == []
    # One lookup to save, one to connect: the answer checked is the answer connected to.
    assert lookups == ["partner.example", "partner.example"]


async def test_the_webhook_client_connects_to_the_address_it_checked(receiver: Receiver) -> None:
    seen: list[str] = []

    def allow_all(address: str) -> bool:
        seen.append(address)
        return True

    async def local(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    backend = egress.PublicOnlyBackend(resolver=local, allowed=allow_all)
    async with httpx.AsyncClient(transport=egress.webhook_transport(backend)) as http:
        # No DNS knows this name: the request can only arrive through the checked address.
        url = f"http://partner.example:{_port(receiver.url)}/hook"
        assert (await http.post(url, content=b"{}")).status_code == 200
    assert seen == ["127.0.0.1"]
    assert receiver.attempts[0].headers["host"] == f"partner.example:{_port(receiver.url)}"

    refusing = egress.PublicOnlyBackend(resolver=local)
    async with httpx.AsyncClient(transport=egress.webhook_transport(refusing)) as http:
        with pytest.raises(httpx.ConnectError) as raised:
            await http.post(url, content=b"{}")
    assert isinstance(raised.value.__cause__, egress.DestinationRefused)
    assert len(receiver.attempts) == 1


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.8", False),
        ("100.64.0.1", False),  # shared address space (carrier NAT)
        ("169.254.169.254", False),  # cloud metadata
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fe80::1%eth0", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
    ],
)
def test_only_globally_routable_addresses_are_public(address: str, public: bool) -> None:
    assert egress.is_public(address) is public


async def test_webhooks_are_their_owners_and_need_their_scopes(
    app: FastAPI, client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    hook = await _subscribe(
        client,
        world.seoul,
        receiver.url,
        events=["message.created"],
        channel_ids=[world.channel_id],
    )
    for method, path in (
        ("GET", f"/api/v1/webhooks/{hook['id']}"),
        ("GET", f"/api/v1/webhooks/{hook['id']}/deliveries"),
        ("DELETE", f"/api/v1/webhooks/{hook['id']}"),
    ):
        assert_problem(
            await client.request(method, path, headers=world.beijing.headers), 404, "not_found"
        )
    assert (await client.get("/api/v1/webhooks", headers=world.beijing.headers)).json()[
        "items"
    ] == []
    # Channels one cannot see, unknown events, nothing to watch: refused, nothing written.
    before = await row_counts(app, ("webhooks",))
    for body, code in (
        ({"events": ["message.created"], "channel_ids": [world.channel_id]}, "unknown_channel"),
        ({"events": ["message.exploded"], "channel_ids": []}, "unknown_event"),
        ({"events": ["message.created"]}, "no_webhook_target"),
    ):
        response = await client.post(
            "/api/v1/webhooks", json={"url": receiver.url, **body}, headers=world.outsider.headers
        )
        assert_problem(response, 422, code)
    # A bot needs messages:read to watch a channel, on top of webhooks:manage.
    bot = await create_bot(client, world.admin, ["webhooks:manage"], channel_ids=[world.channel_id])
    response = await client.post(
        "/api/v1/webhooks",
        json={
            "url": receiver.url,
            "events": ["message.created"],
            "channel_ids": [world.channel_id],
        },
        headers=bot.headers,
    )
    assert_problem(response, 403, "missing_scope")
    assert await row_counts(app, ("webhooks",)) == before

    deleted = await client.delete(f"/api/v1/webhooks/{hook['id']}", headers=world.seoul.headers)
    assert deleted.status_code == 204
    assert_problem(
        await client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.seoul.headers),
        404,
        "not_found",
    )


async def test_a_bots_webhook_pauses_while_its_token_is_revoked_and_loses_nothing(
    client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    bot = await create_bot(
        client, world.admin, ["webhooks:manage", "messages:read"], channel_ids=[world.channel_id]
    )
    hook = await _subscribe(
        client, bot, receiver.url, events=["message.created"], channel_ids=[world.channel_id]
    )
    revoked = await client.post(f"/api/v1/bots/{bot.id}/revoke", headers=world.admin.headers)
    assert revoked.status_code == 204
    message = await _post(client, world, "while the bot is revoked")
    assert receiver.attempts == []
    rotated = await client.post(f"/api/v1/bots/{bot.id}/rotate", headers=world.admin.headers)
    assert rotated.status_code == 201
    await eventually(lambda: len(receiver.delivered) == 1)
    assert receiver.delivered[0].json["data"]["id"] == message["id"]
    assert receiver.delivered[0].json["webhook_id"] == hook["id"]


def test_the_private_address_setting_has_both_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = ("GYORYU_WEBHOOK_ALLOW_PRIVATE", "GYORYU_WEBHOOKS_ALLOW_PRIVATE")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    assert Settings().webhook_allow_private is False
    for name in names:
        monkeypatch.setenv(name, "1")
        assert Settings().webhook_allow_private is True
        monkeypatch.delenv(name)


async def test_a_host_that_is_no_host_name_is_refused_not_a_server_error(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    # An empty or over-long label fails in the IDNA encoding before any lookup (UnicodeError,
    # which is not an OSError): 500.
    app.state.settings.webhook_allow_private = False
    before = await row_counts(app, ("webhooks", "change_log"))
    for url in ("http://a..example/hook", f"https://{'a' * 64}.example/hook"):
        refused = await client.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["message.created"], "channel_ids": [world.channel_id]},
            headers=world.seoul.headers,
        )
        body = assert_problem(refused, 422, "webhook_url_not_allowed")
        assert body["errors"][0]["field"] == "url"
    assert await row_counts(app, ("webhooks", "change_log")) == before
