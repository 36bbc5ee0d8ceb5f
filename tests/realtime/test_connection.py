"""A hub connection's send path, with stand-ins for the WebSocket's send and for the socket: a
change to an idle connection goes out in place (as a prepared frame when the socket takes it),
changes behind a send that waits follow it in order, and a send that fails closes the
connection. tests/realtime/test_frames.py does the same with real sockets."""

from __future__ import annotations

import asyncio

from server.identity.service import Principal
from server.realtime.connection import SEND_TIMEOUT_SECONDS, Connection


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None
        self.gate: asyncio.Future[None] | None = None  # set: the next send waits on it
        self.fail = False

    async def send_text(self, text: str) -> None:
        if self.fail:
            raise ConnectionError("client went away")
        gate, self.gate = self.gate, None
        if gate is not None:
            await gate
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)


class FakeDirectWriter:
    """Stands for the socket under uvicorn: takes prepared frames while ``open``."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.open = True

    def write(self, frame: bytes) -> bool:
        if self.open:
            self.frames.append(frame)
        return self.open


def _connection(
    socket: FakeSocket, queue_size: int = 10, direct: FakeDirectWriter | None = None
) -> Connection:
    principal = Principal(
        user_id=1,
        username="seoul.kim",
        role="member",
        organization_id=None,
        is_bot=False,
        token_id=1,
        scopes=None,
        channel_ids=None,
    )
    return Connection(
        socket.send_text,
        socket.close,
        principal,
        "Kim",
        queue_size,
        direct,  # type: ignore[arg-type]
    )


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_change_to_an_idle_connection_is_sent_at_once_without_a_task_switch() -> None:
    socket = FakeSocket()
    conn = _connection(socket)
    conn.start()
    await _settle()  # the writer is idle
    assert conn.offer("one")
    assert socket.sent == ["one"]  # before this task yielded to the loop
    await conn.shutdown(1000, "bye")


async def test_changes_behind_a_send_that_waits_for_the_client_follow_it_in_order() -> None:
    socket = FakeSocket()
    conn = _connection(socket)
    conn.start()
    await _settle()
    socket.gate = asyncio.get_running_loop().create_future()
    gate = socket.gate
    for text in ("one", "two", "three"):
        assert conn.offer(text)
    await _settle()
    assert socket.sent == []
    assert conn.stalled(asyncio.get_running_loop().time() + SEND_TIMEOUT_SECONDS + 1)
    gate.set_result(None)
    await _settle()
    assert socket.sent == ["one", "two", "three"]
    assert not conn.stalled(asyncio.get_running_loop().time() + SEND_TIMEOUT_SECONDS + 1)
    assert conn.offer("four")
    assert socket.sent[-1] == "four"  # idle again: in place
    await conn.shutdown(1000, "bye")


async def test_a_full_buffer_refuses_more_and_a_failed_send_closes_the_connection() -> None:
    socket = FakeSocket()
    conn = _connection(socket, queue_size=2)
    conn.start()
    await _settle()
    socket.gate = asyncio.get_running_loop().create_future()
    assert conn.offer("waits")
    assert conn.offer("queued 1") and conn.offer("queued 2")
    assert not conn.offer("one too many")  # the hub drops this slow client
    await conn.shutdown(4008, "slow consumer")
    assert socket.closed_with == (4008, "slow consumer")

    failing = FakeSocket()
    failing.fail = True
    conn = _connection(failing)
    conn.start()
    await _settle()
    assert conn.offer("lost")
    await _settle()
    assert conn.closed.is_set()
    assert failing.closed_with == (1011, "send failed")


async def test_a_prepared_frame_goes_to_the_socket_only_when_nothing_is_ahead_of_it() -> None:
    socket, direct = FakeSocket(), FakeDirectWriter()
    conn = _connection(socket, direct=direct)
    conn.start()
    await _settle()
    assert conn.offer("one", b"frame one")
    assert direct.frames == [b"frame one"] and socket.sent == []
    assert conn.offer("ready")  # no frame (a reply to this client alone): the ASGI send
    assert socket.sent == ["ready"]

    direct.open = False  # e.g. paused by flow control: the ASGI send decides, and waits
    socket.gate = asyncio.get_running_loop().create_future()
    gate = socket.gate
    assert conn.offer("two", b"frame two")
    direct.open = True
    assert conn.offer("three", b"frame three")  # must not overtake "two"
    await _settle()
    assert direct.frames == [b"frame one"] and socket.sent == ["ready"]
    gate.set_result(None)
    await _settle()
    assert socket.sent == ["ready", "two", "three"]
    assert conn.offer("four", b"frame four")  # idle again
    assert direct.frames == [b"frame one", b"frame four"]
    await conn.shutdown(1000, "bye")
