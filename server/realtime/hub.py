"""The realtime hub of one process: WebSocket subscriptions by scope, fed from the broker in
seq order, with gaps filled from the change log; typing and presence as ephemeral signals.

Ordering: one task processes every change batch in turn. A batch whose first seq is beyond
the next expected one means another process's publish is late or lost; since seqs are
allocated under a lock held until commit, every lower seq is already committed, so the hub
reads the missing ones from the change log and delivers them first. Late duplicates are
dropped. Each connection therefore sees its scopes' changes in seq order, each once.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

import orjson
import structlog
from prometheus_client import Counter, Gauge

from server.changes import service as changes
from server.changes.broker import Broker
from server.changes.models import ChangeEvent
from server.core.db import Database
from server.identity.token_cache import CREDENTIAL_ENTITIES
from server.realtime.connection import SEND_TIMEOUT_SECONDS, Connection
from server.realtime.frames import text_frame

log = structlog.get_logger(__name__)

CONNECTIONS = Gauge("gyoryu_ws_connections", "Open WebSocket connections")
DELIVERED = Counter("gyoryu_ws_events_delivered_total", "Change events queued to WebSockets")
DROPPED = Counter("gyoryu_ws_slow_consumers_total", "Connections dropped for being too slow")

REPLAY_PAGE = 500


class Hub:
    def __init__(self, db: Database, broker: Broker) -> None:
        self.db = db
        self.broker = broker
        self.origin = uuid.uuid4().hex
        self.last_seq = 0
        self.subscribers: dict[str, set[Connection]] = defaultdict(set)
        self.connections: set[Connection] = set()
        self._inbox: asyncio.Queue[Sequence[ChangeEvent] | None] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        # presence: scope -> user -> connection count here; and which other processes have them
        self._local_presence: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self._remote_presence: dict[str, dict[int, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )
        self.on_access_check: Callable[[Connection, str], Awaitable[bool]] | None = None
        # Called for every change that may alter who a token stands for, whichever process
        # made it (server/identity/token_cache.py).
        self.on_credentials_changed: Callable[[], None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._changes_since_check = False  # see _process

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        # Keep a reference until done, so the task is not garbage-collected mid-way.
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def start(self) -> None:
        async with self.db.session(write=False) as session:
            self.last_seq = await changes.head(session)
        self.broker.on_changes(self._on_changes)
        self.broker.on_signal(self._on_signal)
        self._tasks = [
            asyncio.create_task(self._consume(), name="hub-consumer"),
            asyncio.create_task(self._watch_for_gaps(), name="hub-gap-watch"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for conn in list(self.connections):
            await conn.shutdown(1001, "server shutting down")

    # ---- the change stream ----------------------------------------------------------------

    async def _on_changes(self, events: Sequence[ChangeEvent]) -> None:
        self._inbox.put_nowait(events)

    async def _watch_for_gaps(self) -> None:
        # A publish lost on the way (Redis restart) would otherwise wait for the next change.
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(1.0)
            self._inbox.put_nowait(None)
            now = loop.time()
            for conn in [c for c in self.connections if c.stalled(now)]:
                DROPPED.inc()
                self._spawn(self.drop_slow(conn, "slow consumer: a send took too long"))

    async def _consume(self) -> None:
        inbox = self._inbox
        while True:
            events = await inbox.get()
            try:
                if events is None:
                    if not self._changes_since_check:
                        await self._catch_up_to_head()
                    self._changes_since_check = False
                    continue
                # One turn of the loop first: the requests that made these changes were woken
                # with them, and their answers go out before the deliveries. Their clients send
                # their next messages sooner, and the server writes the next group while those
                # clients read this one (at S=100, 0.5 to 0.85 of the reference's throughput).
                await asyncio.sleep(0)
                # Whatever else was published meanwhile goes out with it: each subscriber's
                # socket then gets one write for all of them instead of one each.
                batch = list(events)
                while not inbox.empty():
                    more = inbox.get_nowait()
                    if more is not None:
                        batch.extend(more)
                await self._process(batch)
            except Exception:
                log.exception("hub_process_failed")

    async def _catch_up_to_head(self) -> None:
        async with self.db.session(write=False) as session:
            head = await changes.head(session)
        if head > self.last_seq:
            await self._fill(head)

    async def _process(self, events: Sequence[ChangeEvent]) -> None:
        # Changes flow, so a lost publish will show as a gap before the next one: the
        # once-a-second look at the log's head can skip its read.
        self._changes_since_check = True
        outbox: dict[Connection, list[tuple[str, str, bytes]]] = {}
        for event in events:
            if event.seq <= self.last_seq:
                continue  # already delivered (filled from the log, or a duplicate)
            if event.seq > self.last_seq + 1:
                self._send(outbox)  # what came before the gap goes first
                outbox = {}
                await self._fill(event.seq - 1)
            self._dispatch(event, outbox)
        self._send(outbox)

    def _send(self, outbox: dict[Connection, list[tuple[str, str, bytes]]]) -> None:
        for conn, pending in outbox.items():
            if not conn.deliver_all(pending):
                DROPPED.inc()
                self._spawn(self.drop_slow(conn))

    async def _fill(self, until: int) -> None:
        while self.last_seq < until:
            async with self.db.session(write=False) as session:
                missing = await changes.read_since(
                    session, self.last_seq, None, limit=REPLAY_PAGE, until=until
                )
            if not missing:
                log.warning("hub_gap_unfillable", after=self.last_seq, until=until)
                self.last_seq = until
                return
            for event in missing:
                self._dispatch(event)

    def _dispatch(
        self,
        event: ChangeEvent,
        outbox: dict[Connection, list[tuple[str, str, bytes]]] | None = None,
    ) -> None:
        """Deliver one change to its scope's subscribers, or (``outbox``) add it to what each
        of them is sent next, by :meth:`_send`."""
        self.last_seq = event.seq
        subscribers = self.subscribers.get(event.scope)
        if subscribers:
            frame = text_frame(event.wire)  # built once for every subscriber
            if outbox is not None:
                change = (event.scope, event.wire, frame)
                for conn in subscribers:
                    pending = outbox.get(conn)
                    if pending is None:
                        outbox[conn] = [change]
                    else:
                        pending.append(change)
                delivered = len(subscribers)
            else:
                delivered = 0
                for conn in list(subscribers):
                    if conn.deliver(event.scope, event.wire, frame):
                        delivered += 1
                    else:
                        DROPPED.inc()
                        self._spawn(self.drop_slow(conn))
            DELIVERED.inc(delivered)  # once per change, not per connection: it takes a lock
        if event.entity in CREDENTIAL_ENTITIES and self.on_credentials_changed is not None:
            self.on_credentials_changed()
        if event.entity in ("channel_member", "channel", "meeting_participant", "meeting"):
            self._spawn(self._recheck_access(event))
        elif event.entity == "access_token":
            self._spawn(self._end_token(event.entity_id))

    async def drop_slow(
        self, conn: Connection, reason: str = "slow consumer: too many undelivered events"
    ) -> None:
        await conn.shutdown(4008, reason)
        self.remove(conn)

    async def _end_token(self, token_id: int) -> None:
        """A revoked token (logout, rotate, revoke, deactivation) loses its WebSockets."""
        for conn in list(self.connections):
            if conn.principal.token_id == token_id:
                await conn.shutdown(4401, "token revoked")
                self.remove(conn)

    async def _recheck_access(self, event: ChangeEvent) -> None:
        """Losing access ends a subscription at once."""
        check = self.on_access_check
        if check is None:
            return
        for conn in list(self.subscribers.get(event.scope, ())):
            if not await check(conn, event.scope):
                self._unsubscribe(conn, event.scope)
                conn.offer(
                    orjson.dumps(
                        {
                            "type": "subscription_ended",
                            "scope": event.scope,
                            "reason": "access_revoked",
                        }
                    ).decode()
                )

    # ---- subscriptions --------------------------------------------------------------------

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)
        CONNECTIONS.inc()
        conn.start()

    def remove(self, conn: Connection) -> None:
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        CONNECTIONS.dec()
        for scope in list(conn.scopes):
            self._unsubscribe(conn, scope)

    def _unsubscribe(self, conn: Connection, scope: str) -> None:
        conn.scopes.discard(scope)
        conn.replaying.pop(scope, None)
        subs = self.subscribers.get(scope)
        if subs is not None:
            subs.discard(conn)
            if not subs:
                del self.subscribers[scope]
        counts = self._local_presence[scope]
        counts[conn.user_id] -= 1
        if counts[conn.user_id] <= 0:
            del counts[conn.user_id]
            self._signal(
                {"type": "presence", "scope": scope, "user_id": conn.user_id, "status": "offline"}
            )

    async def subscribe(self, conn: Connection, scopes: list[str], since: int | None) -> int:
        """Register for live changes, replay those after ``since``, answer ``caught_up``.

        Registration and reading the hub's position happen without an await in between, so
        every change is either at or below that position (replayed from the log) or above it
        (held until the replay is done): no gap and no duplicate at the switch-over."""
        new = [s for s in scopes if s not in conn.scopes]
        position = self.last_seq
        for scope in new:
            conn.scopes.add(scope)
            self.subscribers[scope].add(conn)
            if since is not None:
                conn.replaying[scope] = []
        if since is not None and new:
            after = since
            while after < position:
                async with self.db.session(write=False) as session:
                    page = await changes.read_since(
                        session, after, new, limit=REPLAY_PAGE, until=position
                    )
                if not page:
                    break
                for event in page:
                    await conn.put(event.wire)
                after = page[-1].seq
        await conn.put(orjson.dumps({"type": "caught_up", "seq": position}).decode())
        for scope in new:
            # Live events held during the replay, oldest first; ones arriving meanwhile join
            # the same list, so nothing overtakes them. A client that cannot take them in
            # time is dropped like any slow consumer.
            held = conn.replaying.get(scope, [])
            while held and not conn.closed.is_set():
                try:
                    await asyncio.wait_for(conn.put(held.pop(0)), SEND_TIMEOUT_SECONDS)
                except TimeoutError:
                    await self.drop_slow(conn)
                    return position
            conn.replaying.pop(scope, None)
        for scope in new:
            self._join_presence(conn, scope)
        return position

    def unsubscribe(self, conn: Connection, scopes: list[str]) -> None:
        for scope in scopes:
            if scope in conn.scopes:
                self._unsubscribe(conn, scope)

    # ---- typing and presence --------------------------------------------------------------

    def _join_presence(self, conn: Connection, scope: str) -> None:
        counts = self._local_presence[scope]
        counts[conn.user_id] += 1
        online = sorted(set(counts) | {u for u, o in self._remote_presence[scope].items() if o})
        conn.offer(
            orjson.dumps({"type": "presence_state", "scope": scope, "user_ids": online}).decode()
        )
        if counts[conn.user_id] == 1:
            self._signal(
                {"type": "presence", "scope": scope, "user_id": conn.user_id, "status": "online"}
            )

    def typing(self, conn: Connection, scope: str, thread_id: int | None) -> None:
        if scope in conn.scopes:
            self._signal(
                {
                    "type": "typing",
                    "scope": scope,
                    "thread_id": thread_id,
                    "user_id": conn.user_id,
                    "display_name": conn.display_name,
                }
            )

    def _signal(self, payload: dict[str, Any]) -> None:
        payload["origin"] = self.origin
        text = orjson.dumps(payload).decode()
        self._spawn(self.broker.publish_signal(text))

    async def _on_signal(self, text: str) -> None:
        payload = orjson.loads(text)
        scope = payload.get("scope")
        origin = payload.pop("origin", None)
        if payload.get("type") == "presence" and origin != self.origin:
            holders = self._remote_presence[scope][payload["user_id"]]
            if payload["status"] == "online":
                holders.add(origin)
            else:
                holders.discard(origin)
            if payload["status"] == "offline" and self._local_presence[scope].get(
                payload["user_id"]
            ):
                return  # still online here, in another tab
        out = orjson.dumps(payload).decode()
        for conn in list(self.subscribers.get(scope, ())):
            if conn.user_id != payload.get("user_id"):
                conn.offer(out)
