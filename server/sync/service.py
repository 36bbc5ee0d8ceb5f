"""Offline sync over the change log.

Pull: every change after the client's cursor in the scopes the user may see *now*, in seq
order, plus a ``reset`` entry for each channel or meeting scope the user could pull before and
has lost since (so the client drops it instead of keeping stale data, and nothing more of it is
sent). Which scopes a user could pull is kept in ``sync_scopes``: each pull compares the scopes
visible now with the ones recorded, records new ones and marks lost ones with the head seq of
the pull that first found them gone; a cursor below that mark gets the ``reset``.

Push: an ordered batch of one client's mutations, each applied through the domain service of
its REST call (see ``mutations/``) inside its own SAVEPOINT, and remembered with its first
result in ``sync_mutations`` in the same transaction as its writes. So a mutation is applied
at most once, a resend of a whole batch after a crash applies exactly what had not committed,
and a rejected mutation leaves nothing behind and does not stop the ones after it. The batch
commits every ``CHUNK`` mutations, so a long batch does not hold the write lock throughout.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import orjson
import structlog
from pydantic import ValidationError
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.changes.models import ChangeEvent
from server.core.db import Database
from server.core.errors import AppError, Forbidden, NotFound
from server.discussion import service as discussion
from server.identity.service import PLATFORM_SCOPE, Principal, user_scope
from server.meetings import access as meeting_access
from server.meetings import service as meetings
from server.sync.models import MutationIn, PushRequest, PushResult, SyncMutation, SyncScope
from server.sync.mutations import MUTATIONS
from server.sync.mutations.base import Context, Outcome

log = structlog.get_logger(__name__)

CHUNK = 50
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 5000
# Above this many visible scopes the pull filters in Python rather than with one IN list
# (database parameter limits).
_MAX_IN_SCOPES = 2000
_CURSOR = re.compile(r"^[0-9]{1,18}$")

Commit = Callable[[], Awaitable[None]]


# ---- pull -------------------------------------------------------------------------------


def parse_cursor(raw: str | None) -> int:
    if raw is None or raw == "":
        return 0
    if not _CURSOR.match(raw):
        raise AppError(
            "The cursor must be a seq number from an earlier pull (or 0).",
            code="malformed_cursor",
            status=400,
            errors=[{"field": "since", "message": "not a non-negative integer"}],
        )
    return int(raw)


async def visible_scopes(session: AsyncSession, principal: Principal) -> set[str]:
    """Every scope of the change log the caller may read now."""
    scopes = {user_scope(principal.user_id)}
    if principal.has_scope("directory:read"):
        scopes.add(PLATFORM_SCOPE)
    if principal.has_scope("messages:read"):
        channels = await discussion.visible_channel_ids(session, principal)
        scopes.update(discussion.channel_scope(i) for i in channels)
    meeting_ids = await meeting_access.visible_meeting_ids(session, principal)
    scopes.update(meetings.meeting_scope(i) for i in meeting_ids)
    return scopes


def _tracked(scopes: Iterable[str]) -> set[str]:
    # Only channels and meetings come and go; a user's own scope and the platform stay.
    return {s for s in scopes if s.startswith(("channel:", "meeting:"))}


async def _track_scopes(
    db: Database,
    session: AsyncSession,
    user_id: int,
    visible: set[str],
    head: int,
) -> dict[str, int]:
    """Record the scopes visible now; answer {lost scope: head seq when it was found lost}."""
    rows = (
        await session.execute(
            select(col(SyncScope.scope), col(SyncScope.revoked_seq)).where(
                col(SyncScope.user_id) == user_id
            )
        )
    ).all()
    known = {scope: revoked for scope, revoked in rows}
    now = _tracked(visible)
    new = sorted(now - set(known))
    regained = sorted(s for s in now if known.get(s) is not None)
    lost = sorted(s for s, revoked in known.items() if revoked is None and s not in now)
    if new or regained or lost:
        try:
            async with db.transaction() as writer:
                if new:
                    writer.add_all(
                        SyncScope(user_id=user_id, scope=s, granted_seq=head) for s in new
                    )
                if regained:
                    await writer.execute(
                        update(SyncScope)
                        .where(
                            col(SyncScope.user_id) == user_id, col(SyncScope.scope).in_(regained)
                        )
                        .values(revoked_seq=None, granted_seq=head)
                    )
                if lost:
                    await writer.execute(
                        update(SyncScope)
                        .where(
                            col(SyncScope.user_id) == user_id,
                            col(SyncScope.scope).in_(lost),
                            col(SyncScope.revoked_seq).is_(None),
                        )
                        .values(revoked_seq=head)
                    )
        except IntegrityError:
            # A concurrent pull of the same user recorded the new scopes first: fine.
            log.info("sync_scopes_recorded_concurrently", user_id=user_id)
    for scope in regained:
        known[scope] = None
    for scope in lost:
        known[scope] = head
    return {s: revoked for s, revoked in known.items() if revoked is not None}


async def _read_visible(
    session: AsyncSession, since: int, head: int, scopes: set[str], limit: int
) -> list[ChangeEvent]:
    if len(scopes) <= _MAX_IN_SCOPES:
        return await changes.read_since(session, since, sorted(scopes), limit=limit, until=head)
    events: list[ChangeEvent] = []
    cursor = since
    while len(events) < limit and cursor < head:
        batch = await changes.read_since(session, cursor, None, limit=5000, until=head)
        if not batch:
            break
        for event in batch:
            if event.scope in scopes:
                events.append(event)
                if len(events) == limit:
                    break
        cursor = batch[-1].seq
    return events


async def pull(
    db: Database,
    session: AsyncSession,
    principal: Principal,
    since: int,
    limit: int,
) -> bytes:
    """The pull answer as JSON bytes (change events are spliced in as stored, not re-encoded):
    ``{"changes": [...], "cursor": N, "has_more": bool}``."""
    head = await changes.head(session)
    if since > head:
        raise AppError(
            f"The cursor {since} is ahead of the change log (head {head}): this server does "
            "not know that state. Start again from 0.",
            code="cursor_ahead",
            status=409,
            head=head,
        )
    scopes = await visible_scopes(session, principal)
    lost = await _track_scopes(db, session, principal.user_id, scopes, head)
    entries: list[bytes] = [
        orjson.dumps({"type": "reset", "scope": scope, "seq": seq, "reason": "access_lost"})
        for scope, seq in sorted(lost.items())
        if seq > since > 0  # a client starting from 0 has nothing to drop
    ]
    events = await _read_visible(session, since, head, scopes, limit)
    has_more = len(events) == limit and events[-1].seq < head
    # Past the last visible change the client has nothing more to read up to the head.
    cursor = events[-1].seq if has_more else head
    entries.extend(e.wire.encode() for e in events)
    return (
        b'{"changes":['
        + b",".join(entries)
        + b'],"cursor":'
        + str(cursor).encode()
        + b',"has_more":'
        + (b"true" if has_more else b"false")
        + b"}"
    )


# ---- push -------------------------------------------------------------------------------


def fingerprint(mutation: MutationIn) -> str:
    body = {"name": mutation.name, "args": mutation.args, "base_version": mutation.base_version}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _rejected(mutation_id: str, code: str, reason: str, **extra: Any) -> PushResult:
    return PushResult(id=mutation_id, status="rejected", code=code, reason=reason, **extra)


def _result(mutation_id: str, outcome: Outcome) -> PushResult:
    return PushResult(
        id=mutation_id,
        status=outcome.status,
        entity=outcome.entity,
        current=outcome.current,
        merged=outcome.merged,
        code=outcome.code,
        reason=outcome.reason,
    )


async def _lock_client(session: AsyncSession, user_id: int, client_id: str) -> None:
    """Serialize concurrent pushes of one client (a resend racing its own first attempt).
    SQLite write transactions are serialized already."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"sync:{user_id}:{client_id}".encode()).digest()
        key = int.from_bytes(digest[:8], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


async def _find(
    session: AsyncSession, user_id: int, client_id: str, mutation_id: str
) -> SyncMutation | None:
    return (
        await session.execute(
            select(SyncMutation).where(
                col(SyncMutation.user_id) == user_id,
                col(SyncMutation.client_id) == client_id,
                col(SyncMutation.mutation_id) == mutation_id,
            )
        )
    ).scalar_one_or_none()


def _replay(record: SyncMutation, mutation: MutationIn, print_: str) -> PushResult:
    if record.fingerprint != print_:
        return _rejected(
            mutation.id,
            "mutation_id_reused",
            "This mutation id was already used by this client for a different mutation.",
        )
    first = PushResult.model_validate_json(record.result)
    if first.status == "applied":
        first.status = "duplicate"
    return first


async def _remember(
    session: AsyncSession,
    user_id: int,
    client_id: str,
    mutation: MutationIn,
    print_: str,
    result: PushResult,
) -> None:
    session.add(
        SyncMutation(
            user_id=user_id,
            client_id=client_id,
            mutation_id=mutation.id,
            name=mutation.name[:40],
            fingerprint=print_,
            status=result.status,
            result=result.model_dump_json(exclude_none=True),
        )
    )
    await session.flush()


_TARGETS = (
    ("thread_id", "thread"),
    ("message_id", "message"),
    ("agenda_item_id", "agenda_item"),
    ("action_item_id", "action_item"),
    ("section_id", "minutes_section"),
)


async def _target_scope(session: AsyncSession, args: dict[str, Any]) -> str | None:
    """The scope a mutation's target lives in, as the change log knows it."""
    if isinstance(args.get("meeting_id"), int):
        return meetings.meeting_scope(args["meeting_id"])
    for key, entity in _TARGETS:
        if isinstance(args.get(key), int):
            return await changes.scope_of(session, entity, args[key], ("channel:", "meeting:"))
    return None


async def _revoked_reason(
    session: AsyncSession, principal: Principal, args: dict[str, Any]
) -> str | None:
    """When a mutation failed as not found / forbidden in a scope the user could pull before
    and cannot now, say so (it tells nothing the user did not know)."""
    scope = await _target_scope(session, args)
    if scope is None:
        return None
    known = (
        await session.execute(
            select(col(SyncScope.id)).where(
                col(SyncScope.user_id) == principal.user_id, col(SyncScope.scope) == scope
            )
        )
    ).scalar_one_or_none()
    if known is None:
        return None
    kind, _, raw = scope.partition(":")
    if kind == "channel" and await discussion.can_read_channel(session, principal, int(raw)):
        return None
    if kind == "meeting" and await meeting_access.can_read_meeting(session, principal, int(raw)):
        return None
    return f"You no longer have access to {kind} {raw}; the change was not applied."


async def _apply(
    session: AsyncSession, principal: Principal, client_id: str, mutation: MutationIn
) -> tuple[PushResult, bool]:
    """Apply one new mutation; answer its result and whether to remember it separately (a
    refusal: its writes were rolled back)."""
    spec = MUTATIONS.get(mutation.name)
    if spec is None:
        return _rejected(mutation.id, "unknown_mutation", f"No mutation {mutation.name!r}."), True
    if not principal.has_scope(spec.scope):
        return (
            _rejected(mutation.id, "missing_scope", f"This token lacks the scope {spec.scope!r}."),
            True,
        )
    try:
        args = spec.args.model_validate(mutation.args)
    except ValidationError as error:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in error.errors()
        ]
        return (
            _rejected(mutation.id, "invalid_args", "The mutation has invalid args.", errors=fields),
            True,
        )
    ctx = Context(session, principal, client_id, mutation.id)
    print_ = fingerprint(mutation)
    try:
        async with changes.savepoint(session):
            result = _result(mutation.id, await spec.handler(ctx, args, mutation.base_version))
            await _remember(session, principal.user_id, client_id, mutation, print_, result)
        return result, False
    except AppError as error:
        extra: dict[str, Any] = {}
        if isinstance(error.extra.get("errors"), list):
            extra["errors"] = error.extra["errors"]
        if isinstance(error.extra.get("current"), dict):
            extra["current"] = error.extra["current"]
        code, reason = error.code, error.detail
        if isinstance(error, NotFound | Forbidden):
            revoked = await _revoked_reason(session, principal, mutation.args)
            if revoked is not None:
                code, reason = "access_revoked", revoked
        return _rejected(mutation.id, code, reason, **extra), True


async def _push_one(
    session: AsyncSession, principal: Principal, client_id: str, mutation: MutationIn
) -> PushResult:
    print_ = fingerprint(mutation)
    existing = await _find(session, principal.user_id, client_id, mutation.id)
    if existing is not None:
        return _replay(existing, mutation, print_)
    try:
        result, remember = await _apply(session, principal, client_id, mutation)
        if remember:
            async with changes.savepoint(session):
                await _remember(session, principal.user_id, client_id, mutation, print_, result)
        return result
    except IntegrityError:
        # The same mutation, pushed concurrently, was remembered first: it is a repeat.
        existing = await _find(session, principal.user_id, client_id, mutation.id)
        if existing is not None:
            return _replay(existing, mutation, print_)
        log.exception("sync_mutation_failed", mutation_id=mutation.id)
        return _rejected(mutation.id, "write_failed", "The mutation could not be written.")
    except DBAPIError:
        raise  # the database is unwell: fail the request, the client resends the batch
    except Exception:
        # A bug must not block the independent mutations after it; it is not remembered, so
        # a resend tries again.
        log.exception("sync_mutation_failed", mutation_id=mutation.id, name=mutation.name)
        return _rejected(mutation.id, "internal_error", "The server failed on this mutation.")


async def push(
    session: AsyncSession, principal: Principal, request: PushRequest, *, commit: Commit
) -> list[PushResult]:
    """Apply a batch in order; ``commit`` ends a chunk (the caller commits the last one)."""
    results: list[PushResult] = []
    for n, mutation in enumerate(request.mutations):
        if n % CHUNK == 0:
            if n:
                await commit()
            await _lock_client(session, principal.user_id, request.client_id)
        results.append(await _push_one(session, principal, request.client_id, mutation))
    return results
