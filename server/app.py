"""create_app(): the composition root. It wires routers, middlewares and the lifespan
(database, broker, background workers); no rules live here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from server.changes import service as changes
from server.changes.broker import make_broker
from server.core.batching import GroupCommit
from server.core.config import Settings, get_settings
from server.core.db import Database
from server.core.errors import (
    PROBLEM_RESPONSES,
    install_error_handlers,
    problem,
    problem_schemas,
)
from server.core.logging import configure_logging
from server.core.middleware import BodyLimitMiddleware, MetricsMiddleware
from server.core.ratelimit import MemoryRateLimiter, RedisRateLimiter
from server.dashboard import api as dashboard_api
from server.directory import api as directory_api
from server.discussion import api as discussion_api
from server.identity import api as identity_api
from server.identity import service as identity
from server.identity.token_cache import TokenCache
from server.integrations import api as integrations_api
from server.integrations.dispatcher import WebhookDispatcher
from server.meetings import api as meetings_api
from server.realtime import api as realtime_api
from server.realtime.frames import DirectWriteMiddleware
from server.realtime.hub import Hub
from server.search import api as search_api
from server.sync import api as sync_api

API_PREFIX = "/api/v1"
_PLACEHOLDER_PAGE = Path(__file__).parent / "static" / "index.html"
# The web client's pages and files. Message HTML is rendered and sanitized on the server
# (server/discussion/markdown.py) and inserted as is; this policy is the line behind that: only
# the app's own scripts and styles apply (no inline script, eval or style attribute), nothing
# loads from other hosts, and no other site may frame the app.
WEB_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        broker = make_broker(settings.redis_url)
        await broker.start()
        app.state.db = db
        app.state.broker = broker
        token_cache = TokenCache()
        app.state.token_cache = token_cache
        app.state.session_info = {
            changes.BROKER_KEY: broker,
            identity.CREDENTIALS_CHANGED_KEY: token_cache.clear_after_commit,
        }
        if settings.redis_url:
            from redis.asyncio import Redis

            app.state.redis = Redis.from_url(settings.redis_url)
            app.state.rate_limiter = RedisRateLimiter(app.state.redis)
        else:
            app.state.redis = None
            app.state.rate_limiter = MemoryRateLimiter()
        hub = Hub(db, broker)
        hub.on_access_check = realtime_api.access_checker(db)
        hub.on_credentials_changed = token_cache.clear
        await hub.start()
        app.state.hub = hub
        message_posts = GroupCommit(
            "messages", db, discussion_api.write_posts, app.state.session_info
        )
        message_posts.start()
        app.state.message_posts = message_posts
        dispatcher = WebhookDispatcher(db, broker, settings)
        if settings.webhook_dispatcher:
            await dispatcher.start()
        app.state.webhook_dispatcher = dispatcher
        try:
            yield
        finally:
            await dispatcher.stop()
            await message_posts.stop()
            await hub.stop()
            await broker.stop()
            if app.state.redis is not None:
                await app.state.redis.aclose()
            await db.dispose()

    app = FastAPI(
        title="Gyoryu 交流 교류",
        version="1",
        summary="Working-level discussion and meetings of Seoul and its Chinese partner cities.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(MetricsMiddleware)
    # Added last, so outermost: it must see the server's own WebSocket send (frames.py).
    app.add_middleware(DirectWriteMiddleware)

    # Routes are matched in order, one by one: the busiest (posting and reading messages)
    # come first. Each domain's router is included in the app itself: every level of nesting
    # costs each request a walk over all the routes below it in FastAPI's matching.
    for domain_api in (
        discussion_api,
        identity_api,
        directory_api,
        dashboard_api,
        search_api,
        meetings_api,
        realtime_api,
        sync_api,
        integrations_api,
    ):
        app.include_router(domain_api.router, prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
    app.include_router(_health_router())
    _mount_web(app, settings)
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """Add the problem+json schema that every route's 4XX answer refers to."""
    generate = app.openapi  # builds the document once, then answers the cached one

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = generate()
        if first:
            schema.setdefault("components", {}).setdefault("schemas", {}).update(problem_schemas())
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    # HEAD too: uptime monitors and proxies often probe with it.
    @router.head("/healthz", include_in_schema=False)
    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        responses={503: {"description": "The database or Redis does not answer."}},
    )
    async def readyz(request: Request) -> Response:
        checks: dict[str, str] = {}
        try:
            async with request.app.state.db.session(write=False) as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # report, don't crash: this is what readiness is for
            checks["database"] = f"error: {type(exc).__name__}"
        if request.app.state.settings.redis_url:
            checks["redis"] = "ok" if await request.app.state.broker.ping() else "error"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _mount_web(app: FastAPI, settings: Settings) -> None:
    """Serve the built web client (or a placeholder page) at /, with a fallback to the app's
    index.html for client-side routes; unknown /api paths stay 404 problems."""
    dist = settings.web_dist.resolve()

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def web(path: str) -> Response:
        if path == "api" or path.startswith("api/"):
            return problem(404, "not_found", f"No route /{path}.")
        if dist.is_dir():
            candidate = (dist / path).resolve()
            if path and candidate.is_file() and candidate.is_relative_to(dist):
                cache = (
                    "no-cache"
                    if candidate.name in {"sw.js", "index.html"}
                    else (
                        "public, max-age=31536000, immutable"
                        if "/assets/" in candidate.as_posix()
                        else "no-cache"
                    )
                )
                return FileResponse(
                    candidate, headers={**WEB_SECURITY_HEADERS, "Cache-Control": cache}
                )
            index = dist / "index.html"
            if index.is_file():
                return FileResponse(
                    index, headers={**WEB_SECURITY_HEADERS, "Cache-Control": "no-cache"}
                )
        return HTMLResponse(
            _PLACEHOLDER_PAGE.read_text(encoding="utf-8"), headers=WEB_SECURITY_HEADERS
        )
