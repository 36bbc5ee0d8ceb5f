"""RFC 9457 problem details: every error leaves as ``application/problem+json``.

Each error carries a stable ``code`` that clients and bots can branch on; validation errors
list the offending fields under ``errors``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    """An error a service raises on purpose; turned into problem+json at the edge."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.extra = extra


class NotFound(AppError):
    status = 404
    code = "not_found"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"

    def __init__(self, detail: str = "Authentication required.", **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Conflict(AppError):
    status = 409
    code = "conflict"


class PreconditionFailed(AppError):
    status = 412
    code = "version_mismatch"


class InvalidInput(AppError):
    status = 422
    code = "invalid_input"


class TooManyRequests(AppError):
    status = 429
    code = "rate_limited"

    def __init__(self, detail: str, retry_after: int, **kw: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **kw)


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://gyoryu.example/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class FieldProblem(BaseModel):
    """One offending field (``field`` is a dotted path into the body, or a parameter's name)."""

    model_config = ConfigDict(extra="allow")

    field: str | None
    message: str


class Problem(BaseModel):
    """The body of every error answer (RFC 9457), as ``application/problem+json``. Some
    problems carry more members: ``current`` (the entity's state on a version mismatch)..."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    code: str = Field(description="stable, for clients and bots to branch on")
    detail: str = Field(description="for people")
    errors: list[FieldProblem] = Field(
        default_factory=list, description="the offending fields, on invalid input"
    )


# What the API documents for every route: any 4xx answer is a problem. The schema is added to
# the document's components by ``problem_schemas``.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "A problem (RFC 9457): the request was refused, see `code` and `detail`.",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


def problem_schemas() -> dict[str, Any]:
    """``Problem`` and what it refers to, for the OpenAPI document's components."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**schema.pop("$defs", {}), "Problem": schema}


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        # Only the leading "body" is where the field sits; a field may itself be named "body".
        # (A body that is missing or not an object is itself the offending field: "body".)
        if loc[:1] == ["body"] and len(loc) > 1:
            loc = loc[1:]
        fields.append({"field": ".".join(loc), "message": err.get("msg", ""), "type": err["type"]})
    return fields


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(400, "malformed_json", "The request body is not valid JSON.")
        return problem(422, "invalid_input", "The request has invalid fields.", errors=errors)

    @app.exception_handler(StaleDataError)
    async def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        # A write whose row another request deleted meanwhile (PostgreSQL runs them side by
        # side; the request's transaction is rolled back).
        return problem(
            409,
            "concurrent_change",
            "This was changed or deleted by another request at the same moment; read it again.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI's answer to a JSON body that is not UTF-8 (invalid JSON has its own).
            return problem(400, "malformed_json", "The request body is not valid JSON (UTF-8).")
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(exc.status_code, code, detail, headers=getattr(exc, "headers", None))


def check_version(current: int, expected: int | None, state: dict[str, Any]) -> None:
    """Optimistic concurrency: refuse a write based on an older version, showing the current."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"The entity is at version {current}, not {expected}.", current=state
        )
