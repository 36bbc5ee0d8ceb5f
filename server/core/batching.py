"""Group commit: writes that arrive while others are being written wait for them, and then go
together, in one transaction.

Posting a message is the busiest write (8 senders and 100 readers of a channel is an ordinary
morning), and most of its cost is per statement and per transaction, not per row: the same
statements run once for a group, each with its rows (``server.discussion.posting.
post_messages``), and the group's changes are published at once, so each subscriber's socket
gets them in one write. Nobody waits for a group to fill: a write that finds no other in
progress starts after two turns of the event loop (what requests are already under way join
it), and the ones arriving while it is written form the next group.

A group is one transaction, committed before anyone hears "saved". The function that writes
it answers each item with its result or its own refusal (an ``AppError``), so that one bad
item does not fail the others. If it raises instead (the database, or a rule checked only while
writing), the transaction is rolled back and each item of the group is written again alone, so
that the error reaches only the item that caused it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import Database
from server.core.errors import AppError

log = structlog.get_logger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")

# A group's size is bounded so that the first writer of a big backlog does not wait for all
# of it; 64 messages are written in a few milliseconds.
MAX_GROUP = 64
# Loop turns a group waits for more items before it is written (see _work_forever).
GATHER_TURNS = 2

GROUP_SIZE = Histogram(
    "gyoryu_group_commit_size",
    "Items written together in one transaction by a group commit",
    ["writes"],
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
SPLITS = Counter(
    "gyoryu_group_commit_splits_total",
    "Groups rolled back on an error and written again one item at a time",
    ["writes"],
)

WriteGroup = Callable[[AsyncSession, Sequence[Item]], Awaitable[list[Result | AppError]]]


class GroupCommit(Generic[Item, Result]):
    """Writes items with ``write`` in groups, one transaction per group, one task per process
    (``name`` says what it writes, in the metrics).

    ``session_info`` goes into each group's session, as the request dependency puts it into a
    request's (the broker, so that changes are published after commit)."""

    def __init__(
        self,
        name: str,
        db: Database,
        write: WriteGroup[Item, Result],
        session_info: Mapping[str, Any],
    ) -> None:
        self.name = name  # what is written, for the metrics
        self._db = db
        self._write = write
        self._session_info = session_info
        self._queue: asyncio.Queue[tuple[Item, asyncio.Future[Result]]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._worker = asyncio.create_task(self._work_forever(), name="group-commit")

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        await self._queue.join()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    async def submit(self, item: Item) -> Result:
        """Write ``item`` (in the next group) and answer its result once committed; raises
        its ``AppError`` if it was refused."""
        if self._worker is None:  # not started (a script, or the app shutting down)
            return self._unwrap((await self._write_group([item]))[0])
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        # A caller that goes away (the client hung up) cancels only its wait: the item stays
        # in its group and is written all the same.
        return await future

    @staticmethod
    def _unwrap(outcome: Result | BaseException) -> Result:
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def _write_group(self, items: Sequence[Item]) -> list[Result | AppError]:
        async with self._db.transaction() as session:
            session.info.update(self._session_info)
            outcomes = await self._write(session, items)
        return outcomes

    async def _work_forever(self) -> None:
        queue = self._queue
        while True:
            group = [await queue.get()]
            # Two turns of the loop let the requests already read from the network reach
            # their submit: groups double in size (4 to 7 with 8 senders), for ~0.1 ms.
            for _ in range(GATHER_TURNS):
                await asyncio.sleep(0)
            while len(group) < MAX_GROUP and not queue.empty():
                group.append(queue.get_nowait())
            try:
                await self._write_and_answer(group)
            finally:
                for _ in group:
                    queue.task_done()
            # Let the answers and the realtime hub's deliveries of this group go out before
            # the next group is written (its statements do not give the loop a turn).
            await asyncio.sleep(0)

    async def _write_and_answer(self, group: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        GROUP_SIZE.labels(self.name).observe(len(group))
        outcomes: Sequence[Result | BaseException]
        try:
            outcomes = await self._write_group([item for item, _ in group])
        except Exception as error:
            if len(group) == 1:
                outcomes = [error]
            else:
                SPLITS.labels(self.name).inc()
                log.info("group_commit_split", size=len(group), error=type(error).__name__)
                outcomes = [await self._write_alone(item) for item, _ in group]
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    async def _write_alone(self, item: Item) -> Result | BaseException:
        try:
            return (await self._write_group([item]))[0]
        except Exception as error:
            return error
