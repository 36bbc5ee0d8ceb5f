"""One WebSocket connection of the realtime hub (:mod:`server.realtime.hub`): a bounded send
buffer, sends in place when nothing waits before them, prepared frames written straight to the
socket, and the slow-consumer checks."""

from __future__ import annotations

import asyncio
import contextlib
import types
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, Sequence
from typing import Any

from server.identity.service import Principal
from server.realtime.frames import DirectWriter

# A send that waits on its client for longer than this closes the connection (4008).
SEND_TIMEOUT_SECONDS = 10.0


@types.coroutine
def _finish(coroutine: Coroutine[Any, Any, None], awaiting: Any) -> Generator[Any, Any, None]:
    """Await the rest of a coroutine that was started by hand and is now waiting on
    ``awaiting`` (what it yielded), as if the awaiting task had started it."""
    while True:
        try:
            value = yield awaiting
        except GeneratorExit:
            coroutine.close()
            raise
        except BaseException as exc:  # cancellation reaches the coroutine
            try:
                awaiting = coroutine.throw(exc)
            except StopIteration:
                return
        else:
            try:
                awaiting = coroutine.send(value)
            except StopIteration:
                return


class Connection:
    """One WebSocket with a bounded send buffer.

    A change is sent in place when nothing is waiting to go out before it: the send coroutine
    is started by hand and, since uvicorn writes to the socket without waiting while the
    client keeps up, it finishes at once, with no task switch. Otherwise (a send is waiting on
    the client, or earlier changes are queued) the change joins the buffer, which the
    connection's writer task drains in order. One change goes to every subscriber in turn, so
    the per-delivery cost of a wake-up and task switch for each was most of the fan-out's CPU.

    The buffer is a deque with a wake-up future rather than an ``asyncio.Queue``, and a send
    that hangs is found by the hub's once-a-second sweep (:meth:`stalled`) rather than by a
    timer per send, for the same reason."""

    def __init__(
        self,
        send_text: Callable[[str], Coroutine[Any, Any, None]],
        close: Callable[[int, str], Awaitable[None]],
        principal: Principal,
        display_name: str,
        queue_size: int,
        direct: DirectWriter | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self._send_text = send_text
        # Writes a change's prepared frame to the socket when sending in place (frames.py).
        self._direct = direct
        self._close = close
        # Who is connected, with the token's scopes: re-checked when access changes.
        self.principal = principal
        self.display_name = display_name
        self.queue_size = queue_size
        self._buffer: deque[str] = deque()
        self._wakeup: asyncio.Future[None] | None = None  # the idle writer waits on it
        self._room: asyncio.Future[None] | None = None  # put() waits on it while full
        self._sending_since: float | None = None  # loop time when the current send began
        # A send started in place that has to wait for the client: (coroutine, what it awaits).
        self._unfinished: tuple[Coroutine[Any, Any, None], Any] | None = None
        self._failed = False  # a send in place raised: the writer closes the connection
        self.scopes: set[str] = set()
        # Scopes still replaying: their live events wait here, to follow the replay.
        self.replaying: dict[str, list[str]] = {}
        self.closed = asyncio.Event()
        self.close_reason: str | None = None
        self._writer: asyncio.Task[None] | None = None

    @property
    def user_id(self) -> int:
        return self.principal.user_id

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_forever(), name=f"ws-writer-{self.id}")

    def _idle(self) -> bool:
        """Whether a send may happen in place: the writer task waits with nothing queued, no
        send is unfinished and none has failed."""
        wakeup = self._wakeup
        return (
            wakeup is not None
            and not wakeup.done()
            and not self._buffer
            and self._unfinished is None
            and not self._failed
        )

    def _append(self, text: str, frame: bytes | None = None) -> None:
        if self._idle():
            direct = self._direct
            if frame is not None and direct is not None and direct.write(frame):
                return
            self._send_in_place(text)
            return
        self._buffer.append(text)
        self._wake_writer()

    def _wake_writer(self) -> None:
        wakeup = self._wakeup
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    def _send_in_place(self, text: str) -> None:
        sending = self._send_text(text)
        try:
            awaiting = sending.send(None)
        except StopIteration:
            return  # sent
        except Exception:
            self._failed = True
        else:
            self._unfinished = (sending, awaiting)
            self._sending_since = asyncio.get_running_loop().time()
        self._wake_writer()  # to finish the send, or to close

    def offer(self, text: str, frame: bytes | None = None) -> bool:
        """Queue without waiting; False when the client has fallen too far behind. ``frame``:
        ``text`` as a prepared WebSocket frame, when it goes to many connections."""
        if self.closed.is_set():
            return True
        if len(self._buffer) >= self.queue_size:
            return False
        self._append(text, frame)
        return True

    async def put(self, text: str) -> None:
        """Queue, waiting for room: for replays, which the client asked for."""
        while len(self._buffer) >= self.queue_size and not self.closed.is_set():
            if self._room is None or self._room.done():
                self._room = asyncio.get_running_loop().create_future()
            await self._room
        if not self.closed.is_set():
            self._append(text)

    def deliver(self, scope: str, text: str, frame: bytes | None = None) -> bool:
        waiting = self.replaying.get(scope)
        if waiting is not None:
            waiting.append(text)
            return True
        return self.offer(text, frame)

    def deliver_all(self, changes: Sequence[tuple[str, str, bytes]]) -> bool:
        """:meth:`deliver` for changes published together (a group commit's): (scope, text,
        frame) each, in order. When they can all go out at once, they do, in one write."""
        direct = self._direct
        can_write_now = self._idle() and not self.replaying and not self.closed.is_set()
        if can_write_now and direct is not None and direct.write(b"".join(c[2] for c in changes)):
            return True
        return all(self.deliver(scope, text, frame) for scope, text, frame in changes)

    def stalled(self, now: float) -> bool:
        """Whether one send has been waiting on the client for too long."""
        started = self._sending_since
        return started is not None and now - started > SEND_TIMEOUT_SECONDS

    def _make_room(self) -> None:
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)

    async def _write_forever(self) -> None:
        loop = asyncio.get_running_loop()
        buffer = self._buffer
        try:
            while True:
                if self._failed:
                    raise ConnectionError("a send in place failed")
                if self._unfinished is not None:
                    sending, awaiting = self._unfinished
                    await _finish(sending, awaiting)
                    self._unfinished = None
                if not buffer:
                    self._sending_since = None
                    self._wakeup = loop.create_future()
                    await self._wakeup
                    self._wakeup = None
                    continue
                # Everything queued meanwhile goes out in one wake-up.
                while buffer:
                    text = buffer.popleft()
                    if self._room is not None:
                        self._make_room()
                    self._sending_since = loop.time()
                    await self._send_text(text)
        except asyncio.CancelledError:
            raise
        except Exception:
            await self.shutdown(1011, "send failed")

    async def shutdown(self, code: int, reason: str) -> None:
        if self.closed.is_set():
            return
        self.close_reason = reason
        self.closed.set()
        self._make_room()  # a replay waiting for room gives up
        if self._writer is not None and self._writer is not asyncio.current_task():
            self._writer.cancel()
        if self._unfinished is not None:
            self._unfinished[0].close()
            self._unfinished = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._close(code, reason), 2)
