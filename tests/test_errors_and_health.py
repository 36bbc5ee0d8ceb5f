"""Every error is problem+json; health, readiness, metrics and the OpenAPI document answer."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.factories import make_user
from tests.helpers import assert_problem, row_counts


async def test_malformed_json_is_a_clear_400_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app)
    response = await client.post(
        "/api/v1/organizations",
        content=b'{"name": "Seoul", ',
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")
    assert await row_counts(app) == before


async def test_oversized_body_is_refused_with_413_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app)
    big = "x" * (app.state.settings.max_body_bytes + 1)
    response = await client.post(
        "/api/v1/organizations",
        json={"name": big, "country": "KR", "city": "Seoul"},
        headers=admin.headers,
    )
    assert_problem(response, 413, "payload_too_large")
    assert await row_counts(app) == before


async def test_oversized_streamed_body_without_length_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = await make_user(app, role="admin")
    limit = app.state.settings.max_body_bytes

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536

    response = await client.post(
        "/api/v1/organizations",
        content=chunks(),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413, "payload_too_large")


async def test_unknown_route_and_wrong_method_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_problem(await client.delete("/api/v1/auth/login"), 405, "method_not_allowed")


async def test_validation_errors_name_the_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": ""})
    body = assert_problem(response, 422, "invalid_input")
    fields = {e["field"] for e in body["errors"]}
    assert {"username", "password"} <= fields


async def test_health_readiness_metrics_and_openapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    metrics = await client.get("/metrics")
    assert "gyoryu_http_requests_total" in metrics.text
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/auth/login" in spec["paths"]
    assert (await client.get("/api/docs")).status_code == 200


async def test_root_serves_a_page_that_links_the_api_docs(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert "Gyoryu" in page.text and "/api/docs" in page.text
