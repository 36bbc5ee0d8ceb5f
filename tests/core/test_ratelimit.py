"""The rate limiters count hits in a window that slides with the clock, alike in memory and in
Redis: no double budget across a boundary, refused hits cost nothing, Retry-After is honest."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter

REDIS_URL = os.environ.get("GYORYU_TEST_REDIS_URL", "redis://127.0.0.1:6379") + "/0"


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def limiter_and_clock(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[RateLimiter, FakeClock]]:
    # Just before a minute boundary, where a clock-aligned window would restart its count.
    clock = FakeClock(1_800_000_059.5)
    if request.param == "memory":
        yield MemoryRateLimiter(clock), clock
        return
    redis = Redis.from_url(REDIS_URL)
    try:
        yield RedisRateLimiter(redis, clock), clock
    finally:
        await redis.aclose()


@pytest.fixture
def key() -> str:
    return f"test:{uuid.uuid4().hex}"  # each test its own key on the shared Redis


async def test_a_burst_across_a_minute_boundary_gets_one_budget_not_two(
    limiter_and_clock: tuple[RateLimiter, FakeClock], key: str
) -> None:
    limiter, clock = limiter_and_clock
    for _ in range(3):
        assert await limiter.hit(key, 3, 60) is None
    clock.now += 1.0  # now past the boundary
    assert await limiter.hit(key, 3, 60) == 59


async def test_a_hit_is_let_in_once_the_oldest_leaves_the_window(
    limiter_and_clock: tuple[RateLimiter, FakeClock], key: str
) -> None:
    limiter, clock = limiter_and_clock
    assert await limiter.hit(key, 2, 60) is None
    clock.now += 20
    assert await limiter.hit(key, 2, 60) is None
    clock.now += 10
    assert await limiter.hit(key, 2, 60) == 30  # the first hit leaves in 30 s
    clock.now += 30
    assert await limiter.hit(key, 2, 60) is None
    assert await limiter.hit(key, 2, 60) == 20  # now the second is the oldest


async def test_refused_hits_do_not_push_the_wait_further(
    limiter_and_clock: tuple[RateLimiter, FakeClock], key: str
) -> None:
    limiter, clock = limiter_and_clock
    assert await limiter.hit(key, 1, 10) is None
    for _ in range(5):
        clock.now += 1
        assert await limiter.hit(key, 1, 10) is not None
    clock.now += 5  # exactly what the first refusal said to wait
    assert await limiter.hit(key, 1, 10) is None


async def test_each_key_has_its_own_budget(
    limiter_and_clock: tuple[RateLimiter, FakeClock], key: str
) -> None:
    limiter, _ = limiter_and_clock
    assert await limiter.hit(key, 1, 60) is None
    assert await limiter.hit(key, 1, 60) is not None
    assert await limiter.hit(key + ":other", 1, 60) is None


async def test_the_memory_limiter_forgets_keys_whose_hits_have_all_expired() -> None:
    clock = FakeClock(1_000.0)
    limiter = MemoryRateLimiter(clock)
    limiter._MAX_KEYS = 3
    for n in range(3):
        await limiter.hit(f"old:{n}", 1, 10)
    clock.now += 11
    await limiter.hit("new:a", 1, 10)
    assert set(limiter._logs) == {"new:a"}


async def test_while_redis_is_unreachable_the_limit_holds_in_this_processs_memory() -> None:
    clock = FakeClock(1_000.0)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)
    try:
        limiter = RedisRateLimiter(down, clock)
        assert await limiter.hit("token:1", 2, 60) is None
        assert await limiter.hit("token:1", 2, 60) is None
        assert await limiter.hit("token:1", 2, 60) == 60
        clock.now += 60
        assert await limiter.hit("token:1", 2, 60) is None
    finally:
        await down.aclose()
