"""Fixed-window rate limits: in memory for one process, in Redis when processes share load."""

from __future__ import annotations

import math
import time
from typing import Protocol

from redis.asyncio import Redis


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one hit; return seconds to wait when over ``limit``, else None."""
        ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = time.time()
        window = int(now // window_seconds)
        start, count = self._windows.get(key, (window, 0))
        if start != window:
            start, count = window, 0
        count += 1
        self._windows[key] = (start, count)
        if len(self._windows) > 100_000:  # forget stale windows; bounded memory
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        if count > limit:
            return max(1, math.ceil((window + 1) * window_seconds - now))
        return None


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = time.time()
        window = int(now // window_seconds)
        redis_key = f"gyoryu:rl:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds + 1)
            count, _ = await pipe.execute()
        if int(count) > limit:
            return max(1, math.ceil((window + 1) * window_seconds - now))
        return None
