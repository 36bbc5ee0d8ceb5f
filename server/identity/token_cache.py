"""Who recently used tokens stand for, so that a client's requests in quick succession (a bot
posting, a screen loading) do not each read the token, its user and their organization again.
That read was the largest part of a post's cost after the write itself (docs/benchmarks.md).

An entry is used for at most ``CACHE_SECONDS``. Every change that can alter who a token stands
for (a revoked token, an updated or deactivated user, an organization) is recorded in the
change log (:data:`CREDENTIAL_ENTITIES`), and such a change empties the cache: in the process
that made it, after its commit and before the request that made it is answered; in every other
process when its realtime hub sees the change, within milliseconds through the broker, or
within a second from the log when a publish was lost or the writer was a command-line tool. In
those last cases an entry can outlive the change by at most ``CACHE_SECONDS``. A token's expiry
is checked at each use, cached or not.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime

from server.core.security import token_digest
from server.core.types import utcnow
from server.identity.service import ACCESS_TOKEN_ENTITY, Principal

CACHE_SECONDS = 2.0
# Beyond this many live entries the cache starts again empty, rather than grow without bound.
MAX_ENTRIES = 10_000
CREDENTIAL_ENTITIES = frozenset({ACCESS_TOKEN_ENTITY, "user", "organization"})


@dataclass(frozen=True, slots=True)
class CachedToken:
    principal: Principal
    expires_at: datetime | None
    last_used_at: datetime | None
    cached_at: float  # time.monotonic()


class TokenCache:
    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._entries: dict[str, CachedToken] = {}
        # Bumped whenever the cache is emptied: a lookup that began before then must not
        # store what it read, which may predate the change.
        self.generation = 0

    def get(self, token: str) -> CachedToken | None:
        digest = token_digest(token)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        expired = entry.expires_at is not None and entry.expires_at <= utcnow()
        if expired or time.monotonic() - entry.cached_at > self.seconds:
            del self._entries[digest]
            return None
        return entry

    def put(
        self,
        token: str,
        principal: Principal,
        expires_at: datetime | None,
        last_used_at: datetime | None,
        generation: int,
    ) -> None:
        """Remember what a lookup that began at ``generation`` found."""
        if generation != self.generation:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[token_digest(token)] = CachedToken(
            principal, expires_at, last_used_at, time.monotonic()
        )

    def touched(self, token: str, when: datetime) -> None:
        digest = token_digest(token)
        entry = self._entries.get(digest)
        if entry is not None:
            self._entries[digest] = replace(entry, last_used_at=when)

    def clear(self) -> None:
        self._entries.clear()
        self.generation += 1

    async def clear_after_commit(self) -> None:
        """The after-commit hook of a session that changed credentials (see
        :func:`server.identity.service.credentials_changed`)."""
        self.clear()
