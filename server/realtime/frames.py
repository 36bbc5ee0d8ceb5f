"""Prepared WebSocket frames: one change goes to many subscribers, so its frame is built once
and the same bytes are written to each subscriber's socket (the idea of gorilla/websocket's
``PreparedMessage``). A server's frames are not masked, so they are the same for everyone.

Through ASGI every delivery would encode the text again, build and serialize a frame, and pass
three layers of ``send``: most of a delivery's CPU besides the ``write`` system call itself
(docs/benchmarks.md). Writing the prepared bytes needs the socket, which ASGI does not expose;
under uvicorn's sans-I/O WebSocket protocol (``ws="websockets-sansio"``, how ``gyoryu serve``
runs) the ASGI ``send`` is a method of the protocol object that holds it.
:class:`DirectWriteMiddleware` finds that object when a WebSocket opens; anywhere else (another
server, a uvicorn whose protocol changed) there is no direct writer and every send takes the
ASGI path, only slower.

A direct write is made only when uvicorn's own ``send`` would write at once: the handshake
done, no close sent or received, the transport not paused by flow control. In every other
case the caller falls back to the ASGI ``send``, which waits, raises or closes as it should.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from websockets.frames import Frame, Opcode
from websockets.protocol import State

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover - another server, or a uvicorn without it
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

SCOPE_KEY = "gyoryu.direct_writer"


def text_frame(text: str) -> bytes:
    """The bytes of one unmasked, unfragmented text frame (no extensions are negotiated:
    ``gyoryu serve`` turns permessage-deflate off)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class DirectWriter:
    """Writes prepared frames to one WebSocket's socket when that is what its ASGI ``send``
    would do right now."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol

    @classmethod
    def of(cls, send: Send) -> DirectWriter | None:
        protocol = getattr(send, "__self__", None)
        if WebSocketsSansIOProtocol is None or not isinstance(protocol, WebSocketsSansIOProtocol):
            return None
        needed = ("transport", "conn", "writable", "close_sent", "disconnected", "initial_response")
        if not all(hasattr(protocol, name) for name in needed):
            return None
        return cls(protocol)

    def write(self, frame: bytes) -> bool:
        """Write ``frame`` now and answer True, or answer False (nothing written) when the
        ASGI ``send`` has to decide: it would wait, refuse or report a closed socket."""
        protocol = self._protocol
        if (
            protocol.disconnected
            or protocol.close_sent
            or protocol.initial_response is not None
            or not protocol.writable.is_set()
            or protocol.conn.state is not State.OPEN
        ):
            return False
        transport = protocol.transport
        if transport.is_closing():
            return False
        transport.write(frame)
        return True


class DirectWriteMiddleware:
    """Puts a :class:`DirectWriter` (or None) into each WebSocket's scope. It must be the
    outermost middleware that sees WebSockets, so that the ``send`` it sees is the server's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SCOPE_KEY] = DirectWriter.of(send)
        await self.app(scope, receive, send)


def direct_writer(scope: Scope) -> DirectWriter | None:
    writer: DirectWriter | None = scope.get(SCOPE_KEY)
    return writer
