"""WebSocket ``/api/v1/ws``: authenticate, subscribe to scopes the user may see, receive the
replay after ``since``, ``caught_up``, then live changes, typing and presence.

Client messages: ``{"type": "auth", "token"}`` (unless the session cookie is sent from an
allowed origin), ``{"type": "subscribe", "scopes": [...], "since": N|null}``,
``{"type": "unsubscribe", "scopes": [...]}``, ``{"type": "typing", "scope", "thread_id"}``,
``{"type": "ping"}``. Server messages: ``ready``, ``change``, ``caught_up``, ``typing``,
``presence``, ``presence_state``, ``subscription_ended``, ``error``, ``pong``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from server.core.config import Settings
from server.core.db import Database
from server.discussion import service as discussion
from server.identity import authentication
from server.identity import service as identity
from server.identity.permissions import SESSION_COOKIE
from server.identity.service import Principal
from server.meetings import access as meetings
from server.realtime.connection import Connection
from server.realtime.frames import direct_writer
from server.realtime.hub import Hub

router = APIRouter(tags=["realtime"])
AUTH_TIMEOUT_SECONDS = 10.0
MAX_SCOPES = 200


async def can_subscribe(db: Database, principal: Principal, scope: str) -> bool:
    """Whether the user may see a scope now (checked at subscribe and when access changes)."""
    kind, _, raw_id = scope.partition(":")
    if scope == "platform":
        return principal.has_scope("directory:read")
    if not raw_id.isdigit():
        return False
    scope_id = int(raw_id)
    if kind == "user":
        return scope_id == principal.user_id
    if kind == "channel":
        if not principal.has_scope("messages:read"):
            return False
        async with db.session(write=False) as session:
            return await discussion.can_read_channel(session, principal, scope_id)
    if kind == "meeting":
        if not principal.has_scope("meetings:read"):
            return False
        async with db.session(write=False) as session:
            return await meetings.can_read_meeting(session, principal, scope_id)
    return False


def _origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return False
    if origin in settings.allowed_origins:
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


async def _authenticate(websocket: WebSocket, db: Database, settings: Settings) -> Principal | None:
    cookie = websocket.cookies.get(SESSION_COOKIE)
    token: str | None = None
    if cookie and _origin_allowed(websocket, settings):
        token = cookie
    else:
        try:
            first = orjson.loads(
                await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_SECONDS)
            )
        except (TimeoutError, orjson.JSONDecodeError):
            return None
        if isinstance(first, dict) and first.get("type") == "auth":
            token = first.get("token") if isinstance(first.get("token"), str) else None
    if not token:
        return None
    async with db.session(write=False) as session:
        resolved = await authentication.resolve_token(session, token)
        if resolved is None:
            return None
        principal, _ = resolved
        user = await identity.get_user(session, principal.user_id)
        websocket.state.display_name = user.display_name
        return principal


def _error(code: str, detail: str, **extra: Any) -> str:
    return orjson.dumps({"type": "error", "code": code, "detail": detail, **extra}).decode()


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    app = websocket.app
    db: Database = app.state.db
    hub: Hub = app.state.hub
    settings: Settings = app.state.settings
    await websocket.accept()
    principal = await _authenticate(websocket, db, settings)
    if principal is None:
        await websocket.send_text(_error("unauthorized", "Send a valid token first."))
        await websocket.close(code=4401, reason="unauthorized")
        return

    async def close(code: int, reason: str) -> None:
        await websocket.close(code=code, reason=reason)

    def send_text(text: str) -> Coroutine[Any, Any, None]:
        # WebSocket.send itself, not send_text: one coroutine layer fewer per delivery.
        return websocket.send({"type": "websocket.send", "text": text})

    conn = Connection(
        send_text,
        close,
        principal,
        websocket.state.display_name,
        settings.ws_send_queue_size,
        direct_writer(websocket.scope),
    )
    hub.add(conn)
    conn.offer(orjson.dumps({"type": "ready", "user_id": principal.user_id}).decode())
    try:
        while not conn.closed.is_set():
            try:
                message = orjson.loads(await websocket.receive_text())
            except orjson.JSONDecodeError:
                conn.offer(_error("bad_message", "Messages must be JSON objects."))
                continue
            if not isinstance(message, dict):
                conn.offer(_error("bad_message", "Messages must be JSON objects."))
                continue
            await _handle(message, conn, hub, db, principal)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(conn)
        with contextlib.suppress(Exception):
            await conn.shutdown(1000, "bye")


async def _handle(
    message: dict[str, Any], conn: Connection, hub: Hub, db: Database, principal: Principal
) -> None:
    kind = message.get("type")
    if kind == "subscribe":
        scopes = message.get("scopes")
        since = message.get("since")
        if (
            not isinstance(scopes, list)
            or not all(isinstance(s, str) for s in scopes)
            or len(scopes) > MAX_SCOPES
            or not (since is None or (isinstance(since, int) and since >= 0))
        ):
            conn.offer(_error("bad_subscribe", "scopes: a list of strings; since: N >= 0 or null."))
            return
        allowed = []
        for scope in dict.fromkeys(scopes):
            if await can_subscribe(db, principal, scope):
                allowed.append(scope)
            else:
                conn.offer(_error("forbidden_scope", "You may not see this scope.", scope=scope))
        await hub.subscribe(conn, allowed, since)
    elif kind == "unsubscribe":
        scopes = message.get("scopes")
        if isinstance(scopes, list):
            hub.unsubscribe(conn, [s for s in scopes if isinstance(s, str)])
    elif kind == "typing":
        scope = message.get("scope")
        thread_id = message.get("thread_id")
        if isinstance(scope, str):
            hub.typing(conn, scope, thread_id if isinstance(thread_id, int) else None)
    elif kind == "ping":
        conn.offer('{"type":"pong"}')
    else:
        conn.offer(_error("unknown_type", f"Unknown message type {kind!r}."))


def access_checker(db: Database) -> Any:
    async def check(conn: Connection, scope: str) -> bool:
        principal = conn.principal
        async with db.session(write=False) as session:
            resolved_user = await identity.get_user(session, principal.user_id)
        if not resolved_user.is_active:
            return False
        return await can_subscribe(db, principal, scope)

    return check
