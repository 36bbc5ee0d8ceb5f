"""Every error is problem+json; health, readiness, metrics and the OpenAPI document answer."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import make_user
from tests.helpers import assert_problem, row_counts


@pytest.mark.parametrize(
    "body",
    # The second was found by fuzzing: a body that is not UTF-8 got FastAPI's generic 400.
    [b'{"name": "Seoul", ', b'{"name": "\xc0\xaf"}'],
    ids=["cut short", "not UTF-8"],
)
async def test_malformed_json_is_a_clear_400_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, body: bytes
) -> None:
    admin = await make_user(app, role="admin")
    before = await row_counts(app)
    response = await client.post(
        "/api/v1/organizations",
        content=body,
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


async def test_web_pages_carry_a_content_security_policy_and_api_answers_do_not_need_it(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/", "/threads/1"):  # the shell and a client-side route
        page = await client.get(path)
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-eval" not in policy and "unsafe-inline" not in policy
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
    # Monitors and proxies probe with HEAD: the same headers, no body.
    for path in ("/", "/healthz"):
        probe = await client.head(path)
        assert probe.status_code == 200 and probe.content == b"", path
    assert "frame-ancestors" in (await client.head("/")).headers["content-security-policy"]
    # The interactive API docs load their script from a CDN: no web policy there.
    assert "content-security-policy" not in (await client.get("/api/docs")).headers


async def test_openapi_documents_problems_id_ranges_and_file_answers(
    client: httpx.AsyncClient,
) -> None:
    # Found by fuzzing: routes documented only 2xx and a 422 of FastAPI's own shape, as
    # application/json; they answer 400-429 problems as application/problem+json, and some
    # answer files.
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    # Two shapes of one name would be published under their Python module paths.
    assert [name for name in spec["components"]["schemas"] if name.startswith("server__")] == []
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "code", "detail"} <= set(problem["required"])
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            errors = operation["responses"]["4XX"]["content"]
            assert list(errors) == ["application/problem+json"], (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["name"].endswith("_id") and parameter["in"] == "path":
                    assert parameter["schema"]["maximum"] in (2**31 - 1, 2**63 - 1), path

    def content_types(path: str) -> set[str]:
        return set(spec["paths"][path]["get"]["responses"]["200"]["content"])

    assert content_types("/api/v1/meetings/{meeting_id}/ics") == {"text/calendar"}
    assert "text/markdown" in content_types("/api/v1/meetings/{meeting_id}/minutes/export")
    assert content_types("/api/v1/attachments/{attachment_id}") == {"*/*"}
    assert content_types("/metrics") == {"text/plain"}
    assert "503" in spec["paths"]["/readyz"]["get"]["responses"]


async def test_a_missing_or_non_object_body_is_named_as_the_offending_field(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Found by fuzzing: the field was "" (the leading "body" of its location was dropped).
    admin = await make_user(app, role="admin")
    before = await row_counts(app)
    for content in (b"", b"[1, 2]"):
        response = await client.post(
            "/api/v1/organizations",
            content=content,
            headers={**admin.headers, "Content-Type": "application/json"},
        )
        problem = assert_problem(response, 422, "invalid_input")
        assert [e["field"] for e in problem["errors"]] == ["body"], problem
    assert await row_counts(app) == before
