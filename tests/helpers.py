"""Assertions shared by the domain tests."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from server.core.db import Database

# Tables whose row counts say whether a request wrote anything (the audit log is not among
# them: failed logins and refusals are recorded there on purpose).
DATA_TABLES = ("change_log", "organizations", "users", "auth_tokens", "idempotency_keys")


async def row_counts(app: FastAPI, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, int]:
    db: Database = app.state.db
    async with db.session(write=False) as session:
        counts = {}
        for table in tables:
            counts[table] = int(
                (await session.execute(text(f"SELECT COUNT(*) FROM {table}"))).scalar_one()
            )
        return counts


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["detail"]
    return body
