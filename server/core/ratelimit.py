"""Sliding-window rate limits: in memory for one process, in Redis when processes share load.

A key may have at most ``limit`` accepted hits in any ``window_seconds`` ending now (a log of
their times, not a counter per clock-aligned window, which would let a client spend two
budgets in a burst across a boundary). Refused hits are not logged, so a client that waits
the ``Retry-After`` it was given is let in.

While Redis cannot be reached, each process counts in its own memory instead: the limits
still hold, per process, and writes go on (a rate limit must not take the platform down).
"""

from __future__ import annotations

import math
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Protocol

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

Clock = Callable[[], float]


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one hit; return seconds to wait when over ``limit``, else None."""
        ...


def _wait(oldest: float, window_seconds: int, now: float) -> int:
    """Whole seconds until the oldest logged hit leaves the window (at least one)."""
    return max(1, math.ceil(oldest + window_seconds - now))


class MemoryRateLimiter:
    _MAX_KEYS = 100_000

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._logs: dict[str, tuple[int, deque[float]]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = self._clock()
        entry = self._logs.get(key)
        if entry is None:  # not setdefault: that would build a deque on every hit
            entry = self._logs[key] = (window_seconds, deque())
        times = entry[1]
        while times and times[0] <= now - window_seconds:
            times.popleft()
        if len(times) >= limit:
            return _wait(times[0], window_seconds, now)
        times.append(now)
        if len(self._logs) > self._MAX_KEYS:
            self._forget_idle(now)
        return None

    def _forget_idle(self, now: float) -> None:
        # Bounded memory: keys whose newest hit has left its window hold nothing that counts.
        self._logs = {k: v for k, v in self._logs.items() if v[1] and v[1][-1] > now - v[0]}


# One round trip, atomic: drop hits that left the window, refuse when full (answering the
# oldest hit's time), else log this one. Members are unique so equal times never collide.
_SLIDING_HIT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  return redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
return false
"""


class RedisRateLimiter:
    def __init__(self, redis: Redis, clock: Clock = time.time) -> None:
        self._clock = clock
        self._script = redis.register_script(_SLIDING_HIT)
        self._fallback = MemoryRateLimiter(clock)
        self._redis_down = False

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = self._clock()
        try:
            oldest = await self._script(
                keys=[f"gyoryu:rl:{key}"],
                args=[repr(now), window_seconds, limit, uuid.uuid4().hex],
            )
        except (RedisError, OSError):
            if not self._redis_down:  # once per outage, not once per request
                log.warning("rate_limit_redis_unreachable", fallback="memory")
                self._redis_down = True
            return await self._fallback.hit(key, limit, window_seconds)
        if self._redis_down:
            log.info("rate_limit_redis_back")
            self._redis_down = False
        if oldest is None:
            return None
        return _wait(float(oldest), window_seconds, now)
