"""Brokers carry committed changes (and ephemeral signals such as typing) to every process.

The in-memory broker serves one process. The Redis broker publishes on pub/sub channels that
every process, the publisher included, listens to, so there is one delivery path either way.
Pub/sub may reorder or drop nothing between one publisher and one subscriber, but batches from
different processes can interleave out of seq order: the realtime hub restores order from the
change log itself, so the broker only has to be fast, not perfect.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import structlog
from redis.asyncio import Redis

from server.changes.models import ChangeEvent

log = structlog.get_logger(__name__)

ChangeListener = Callable[[Sequence[ChangeEvent]], Awaitable[None]]
SignalListener = Callable[[str], Awaitable[None]]


class Broker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, events: Sequence[ChangeEvent]) -> None: ...
    async def publish_signal(self, payload: str) -> None: ...
    def on_changes(self, listener: ChangeListener) -> None: ...
    def on_signal(self, listener: SignalListener) -> None: ...
    async def ping(self) -> bool: ...


class _Listeners:
    def __init__(self) -> None:
        self.change_listeners: list[ChangeListener] = []
        self.signal_listeners: list[SignalListener] = []

    def on_changes(self, listener: ChangeListener) -> None:
        self.change_listeners.append(listener)

    def on_signal(self, listener: SignalListener) -> None:
        self.signal_listeners.append(listener)

    async def _deliver_changes(self, events: Sequence[ChangeEvent]) -> None:
        for listener in self.change_listeners:
            try:
                await listener(events)
            except Exception:  # one broken listener must not starve the others
                log.exception("change_listener_failed")

    async def _deliver_signal(self, payload: str) -> None:
        for listener in self.signal_listeners:
            try:
                await listener(payload)
            except Exception:
                log.exception("signal_listener_failed")


class MemoryBroker(_Listeners):
    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, events: Sequence[ChangeEvent]) -> None:
        await self._deliver_changes(events)

    async def publish_signal(self, payload: str) -> None:
        await self._deliver_signal(payload)

    async def ping(self) -> bool:
        return True


CHANGES_CHANNEL = "gyoryu:changes"
SIGNALS_CHANNEL = "gyoryu:signals"


def encode_batch(events: Sequence[ChangeEvent]) -> str:
    # One line per event: seq, scope, entity, id, op, version, then the wire JSON (which never
    # holds a raw newline or tab), so subscribers split instead of parsing JSON.
    return "\n".join(
        f"{e.seq}\t{e.scope}\t{e.entity}\t{e.entity_id}\t{e.op}\t{e.version}\t{e.wire}"
        for e in events
    )


def decode_batch(payload: str) -> list[ChangeEvent]:
    events = []
    for line in payload.split("\n"):
        seq, scope, entity, entity_id, op, version, wire = line.split("\t", 6)
        events.append(ChangeEvent(int(seq), scope, entity, int(entity_id), op, int(version), wire))
    return events


class RedisBroker(_Listeners):
    def __init__(self, url: str) -> None:
        super().__init__()
        self._redis: Redis = Redis.from_url(url, decode_responses=True)
        # Pub/sub channels are global to a Redis server whatever the database number, so the
        # number goes into the channel names: deployments (or test runs) that share one Redis
        # on different databases never see each other's seqs (a foreign seq would make the
        # hub skip its own).
        db = int(self._redis.connection_pool.connection_kwargs.get("db") or 0)
        suffix = f":{db}" if db else ""
        self._changes_channel = CHANGES_CHANNEL + suffix
        self._signals_channel = SIGNALS_CHANNEL + suffix
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._reader = asyncio.create_task(self._read_forever(), name="redis-broker-reader")
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._redis.aclose()

    async def publish(self, events: Sequence[ChangeEvent]) -> None:
        if events:
            await self._redis.publish(self._changes_channel, encode_batch(events))

    async def publish_signal(self, payload: str) -> None:
        await self._redis.publish(self._signals_channel, payload)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def _read_forever(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._changes_channel, self._signals_channel)
                    self._subscribed.set()
                    async for message in pubsub.listen():
                        if message["type"] != "message":
                            continue
                        if message["channel"] == self._changes_channel:
                            await self._deliver_changes(decode_batch(message["data"]))
                        else:
                            await self._deliver_signal(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis went away: retry; the hub fills any gap from the change log.
                log.exception("redis_broker_reconnect")
                await asyncio.sleep(1)


def make_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else MemoryBroker()
