"""Small ASGI middlewares: request body limit and Prometheus request metrics."""

from __future__ import annotations

import contextlib
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.core.errors import problem
from server.core.files import max_file_bytes

REQUESTS = Counter("gyoryu_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "gyoryu_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class _BodyTooLarge(Exception):
    """Raised while streaming a body past the limit, to stop the app reading it."""


class BodyLimitMiddleware:
    """Refuse bodies over a limit with 413, by Content-Length or while streaming.

    Upload routes (paths ending in ``/upload`` or ``/attachments``, and directory CSV imports)
    get the larger limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_upload = path.endswith(("/upload", "/attachments")) or "/directory/import/" in path
        limit = self.max_upload_bytes if is_upload else self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refuse(scope, receive, send, limit, is_upload)
                return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Once the body is known to be too large, whatever the app answers (frameworks
            # turn the read error into their own 400) is replaced by our 413.
            if not too_large:
                await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if too_large:
            await self._refuse(scope, receive, send, limit, is_upload)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, limit: int, is_upload: bool
    ) -> None:
        if is_upload:
            # Said as the file's limit, the one the person choosing the file can act on.
            detail = f"The file is too large: files may have at most {max_file_bytes(limit)} bytes."
            response = problem(413, "file_too_large", detail)
        else:
            detail = f"The request body is larger than {limit} bytes."
            response = problem(413, "payload_too_large", detail)
        await response(scope, receive, send)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(scope["method"], template).observe(time.perf_counter() - start)
