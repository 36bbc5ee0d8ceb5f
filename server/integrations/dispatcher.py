"""The outgoing webhook dispatcher: reads the change log with a cursor per webhook (no second
event path), signs and POSTs each matching change, retries with exponential backoff, and
disables a hook that has failed for a day (telling its owner in their ``user:{id}`` scope).

Order and durability: a hook's cursor only moves past a change once that change was
delivered (or is not one of its events), in the same transaction that logs the attempt; a
failure blocks the hook's later changes until it succeeds. So after a restart a hook resumes
at its first undelivered change: nothing is lost and nothing overtakes. A delivery whose
answer was cut off by a crash is sent again; ``X-Gyoryu-Delivery`` lets receivers notice.

Several processes may run dispatchers against one database: a lease on the hook's row makes
one of them work on a hook at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

import httpx
import orjson
import structlog
from prometheus_client import Counter
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.changes.broker import Broker
from server.changes.models import ChangeEvent
from server.core.config import Settings
from server.core.db import Database
from server.core.types import utcnow
from server.discussion import service as discussion
from server.identity import authentication
from server.identity import service as identity
from server.integrations import egress, service
from server.integrations.models import EVENT_OF, OutgoingWebhook, WebhookDelivery
from server.meetings import access as meeting_access
from server.meetings import service as meetings

log = structlog.get_logger(__name__)

ATTEMPTS = Counter(
    "gyoryu_webhook_attempts_total", "Outgoing webhook delivery attempts", ["status"]
)
BATCH = 100
PARALLEL_HOOKS = 8
WAKE_DEBOUNCE_SECONDS = 0.1
USER_AGENT = "Gyoryu-Webhooks/1"


class WebhookDispatcher:
    def __init__(
        self,
        db: Database,
        broker: Broker,
        settings: Settings,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.db = db
        self.broker = broker
        self.settings = settings
        self.owner = uuid.uuid4().hex
        self._client = client or httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,  # a redirect must not lead to an address we refuse
            headers={"User-Agent": USER_AGENT},
            transport=egress.webhook_transport(egress.PublicOnlyBackend(allowed=self._allowed)),
        )
        self._wake = asyncio.Event()
        self._any_active = True  # whether the last round found an active hook
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _allowed(self, address: str) -> bool:
        # Read at each connection, so that turning the setting off applies at once.
        return self.settings.webhook_allow_private or egress.is_public(address)

    async def start(self) -> None:
        self.broker.on_changes(self._on_changes)
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Finish the delivery in flight (briefly), then give the hooks' leases back."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        with contextlib.suppress(Exception):
            async with self.db.transaction() as session:
                await session.execute(
                    update(OutgoingWebhook)
                    .where(col(OutgoingWebhook.lease_owner) == self.owner)
                    .values(lease_owner=None, lease_until=None)
                )
        await self._client.aclose()

    async def _on_changes(self, events: Sequence[ChangeEvent]) -> None:
        # With no active hook a change has nobody to go to: the round (two queries, ten times
        # a second under load) waits for the poll, unless the change is a hook's own.
        if self._any_active or any(e.entity == service.WEBHOOK_ENTITY for e in events):
            self._wake.set()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                wait = await self.run_once()
            except Exception:
                log.exception("webhook_dispatch_failed")
                wait = self.settings.webhook_poll_seconds
            if self._stopping.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, wait))
            if self._wake.is_set() and not self._stopping.is_set():
                # Woken by a commit: let the rest of a burst arrive, so that one round (two
                # queries) serves many commits instead of running once per posted message.
                await asyncio.sleep(WAKE_DEBOUNCE_SECONDS)

    async def run_once(self) -> float:
        """Work on every due hook; return how long to wait before the next round."""
        now = utcnow()
        async with self.db.session(write=False) as session:
            head = await changes.head(session)
            rows = await session.execute(
                select(
                    col(OutgoingWebhook.id),
                    col(OutgoingWebhook.next_attempt_at),
                    col(OutgoingWebhook.cursor),
                ).where(col(OutgoingWebhook.is_active).is_(True))
            )
            hooks = list(rows.all())
        self._any_active = bool(hooks)
        wait = self.settings.webhook_poll_seconds
        due: list[int] = []
        for hook_id, next_attempt_at, cursor in hooks:
            if cursor >= head:
                continue  # nothing new: no need to take its lease
            if next_attempt_at is None or next_attempt_at <= now:
                due.append(int(hook_id or 0))
            else:
                wait = min(wait, (next_attempt_at - now).total_seconds())
        limit = asyncio.Semaphore(PARALLEL_HOOKS)

        async def work(hook_id: int) -> float | None:
            async with limit:
                return await self._work(hook_id)

        for result in await asyncio.gather(*(work(h) for h in due), return_exceptions=True):
            if isinstance(result, BaseException):
                log.error("webhook_work_failed", error=repr(result))
            elif result is not None:
                wait = min(wait, result)
        return wait

    # ---- one hook -----------------------------------------------------------------------

    async def _claim(self, hook_id: int) -> bool:
        now = utcnow()
        async with self.db.transaction() as session:
            result = await session.execute(
                update(OutgoingWebhook)
                .where(
                    col(OutgoingWebhook.id) == hook_id,
                    col(OutgoingWebhook.is_active).is_(True),
                    or_(
                        col(OutgoingWebhook.lease_owner).is_(None),
                        col(OutgoingWebhook.lease_owner) == self.owner,
                        col(OutgoingWebhook.lease_until) < now,
                    ),
                )
                .values(
                    lease_owner=self.owner,
                    lease_until=now + timedelta(seconds=self.settings.webhook_lease_seconds),
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _release(self, hook_id: int) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(OutgoingWebhook)
                .where(
                    col(OutgoingWebhook.id) == hook_id,
                    col(OutgoingWebhook.lease_owner) == self.owner,
                )
                .values(lease_owner=None, lease_until=None)
            )

    async def _work(self, hook_id: int) -> float | None:
        """Deliver the hook's pending changes in order until it is caught up, fails, or the
        dispatcher stops; return seconds until its next retry when it failed."""
        if not await self._claim(hook_id):
            return None
        started = time.monotonic()
        try:
            while not self._stopping.is_set():
                if time.monotonic() - started > self.settings.webhook_lease_seconds / 2:
                    return 0.0  # give the lease back now and then; come straight back
                async with self.db.session(write=False) as session:
                    hook = await session.get(OutgoingWebhook, hook_id)
                    if hook is None or not hook.is_active:
                        return None
                    scopes = await _visible_scopes(session, hook)
                    if scopes is None:
                        return None  # the owner cannot act now: paused, nothing skipped
                    # The head first: every seq up to it is committed (seqs are allocated
                    # under a lock held until commit), so a batch read after it that ends
                    # short of the limit has seen everything of these scopes up to the head.
                    head = await changes.head(session)
                    batch = await changes.read_since(
                        session, hook.cursor, scopes, limit=BATCH, until=head
                    )
                for event in batch:
                    name = EVENT_OF.get((event.entity, event.op))
                    if name is None or name not in hook.events:
                        continue
                    outcome = await self._deliver(hook, name, event)
                    if outcome == "stop":
                        return None
                    if isinstance(outcome, float):
                        # Skipped changes before the failed one need no second look.
                        await self._advance(hook_id, event.seq - 1)
                        return outcome
                    if self._stopping.is_set():
                        return None
                caught_up = len(batch) < BATCH
                await self._advance(hook_id, head if caught_up else batch[-1].seq)
                if caught_up:
                    return None
            return None
        finally:
            await self._release(hook_id)

    async def _advance(self, hook_id: int, seq: int) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(OutgoingWebhook)
                .where(
                    col(OutgoingWebhook.id) == hook_id,
                    col(OutgoingWebhook.lease_owner) == self.owner,
                    col(OutgoingWebhook.cursor) < seq,
                )
                .values(cursor=seq)
            )

    async def _deliver(
        self, hook: OutgoingWebhook, name: str, event: ChangeEvent
    ) -> Literal["delivered", "stop"] | float:
        """One attempt, logged with the hook's new state: "delivered"; seconds until the
        retry; or "stop" (the hook was disabled, deleted, or taken over by another process,
        which then redoes this change)."""
        assert hook.id is not None
        body = orjson.dumps(service.delivery_body(hook.id, name, event.to_dict()))
        status_code: int | None = None
        error: str | None = None
        began = time.monotonic()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Gyoryu-Event": name,
            "X-Gyoryu-Delivery": f"{hook.id}-{event.seq}",
            "X-Gyoryu-Timestamp": timestamp,
            "X-Gyoryu-Signature": service.sign(hook.secret, timestamp, body),
        }
        try:
            # Streamed and not read: a receiver's answer body is of no use to us.
            async with self._client.stream("POST", hook.url, content=body, headers=headers) as r:
                status_code = r.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, egress.DestinationRefused):
                error = f"refused: {exc.__cause__}"
            else:
                error = f"{type(exc).__name__}: {exc}"[:500]
        duration_ms = int((time.monotonic() - began) * 1000)
        delivered = error is None
        ATTEMPTS.labels("delivered" if delivered else "failed").inc()
        async with self.db.transaction() as session:
            session.info[changes.BROKER_KEY] = self.broker
            # Locked: a process whose lease ran out must not overwrite its successor's work.
            current = await session.get(OutgoingWebhook, hook.id, with_for_update=True)
            if current is None or current.lease_owner != self.owner:
                return "stop"
            current.lease_until = utcnow() + timedelta(seconds=self.settings.webhook_lease_seconds)
            session.add(
                WebhookDelivery(
                    webhook_id=hook.id,
                    seq=event.seq,
                    event=name,
                    attempt=current.failures + 1,
                    status="delivered" if delivered else "failed",
                    status_code=status_code,
                    error=error,
                    duration_ms=duration_ms,
                )
            )
            if delivered:
                current.cursor = event.seq
                current.failures = 0
                current.failing_since = None
                current.next_attempt_at = None
                session.add(current)
                return "delivered"
            retry_in = await self._failed(session, current)
            return "stop" if retry_in is None else retry_in

    async def _failed(self, session: AsyncSession, hook: OutgoingWebhook) -> float | None:
        now = utcnow()
        hook.failures += 1
        hook.failing_since = hook.failing_since or now
        failing_for = (now - hook.failing_since).total_seconds()
        if failing_for >= self.settings.webhook_give_up_seconds:
            hook.is_active = False
            hook.disabled_reason = (
                f"Disabled after {hook.failures} failed attempts over "
                f"{_duration(failing_for)}; re-enable it once the receiver works."
            )
            hook.next_attempt_at = None
            hook.version += 1
            hook.updated_at = now
            session.add(hook)
            await session.flush()
            await service.record_webhook(session, hook, "updated", None)
            await identity.audit(
                session,
                "webhook.disabled",
                actor_id=None,
                ip=None,
                target_type="webhook",
                target_id=hook.id,
                failures=hook.failures,
            )
            log.warning("webhook_disabled", webhook_id=hook.id, failures=hook.failures)
            return None
        delay = float(
            min(
                self.settings.webhook_backoff_base_seconds * 2.0 ** min(hook.failures - 1, 30),
                self.settings.webhook_backoff_max_seconds,
            )
        )
        hook.next_attempt_at = now + timedelta(seconds=delay)
        session.add(hook)
        return delay


async def _visible_scopes(session: AsyncSession, hook: OutgoingWebhook) -> list[str] | None:
    """The hook's channels and meetings its owner may still see; None when the owner cannot
    act at all (deactivated, or a bot whose token was revoked)."""
    owner = await authentication.principal_for_user(session, hook.owner_id)
    if owner is None:
        return None
    scopes: list[str] = []
    if owner.has_scope("messages:read"):
        for channel_id in hook.channel_ids:
            if await discussion.can_read_channel(session, owner, channel_id):
                scopes.append(discussion.channel_scope(channel_id))
    for meeting_id in hook.meeting_ids:
        if await meeting_access.can_read_meeting(session, owner, meeting_id):
            scopes.append(meetings.meeting_scope(meeting_id))
    return scopes


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.1f} seconds"
