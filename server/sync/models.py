"""Offline sync: the mutations already applied per client (for exactly-once), the scopes each
user has been served (to tell a client which scopes it lost), and the API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.types import MAX_BIG_ID, NulFreeStr, UTCDateTime, utcnow

MAX_BATCH = 1000
PushStatus = Literal["applied", "duplicate", "conflict", "rejected"]


class SyncMutation(SQLModel, table=True):
    """The first result of one mutation of one client; a repeat gets this back."""

    __tablename__ = "sync_mutations"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", "mutation_id", name="uq_sync_mutation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    client_id: str = Field(max_length=64)
    mutation_id: str = Field(max_length=64)
    name: str = Field(max_length=40)
    fingerprint: str = Field(max_length=64)  # of name, args and base_version
    status: str = Field(max_length=10)
    result: str = Field(sa_column=Column(Text, nullable=False))  # the first answer, JSON
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SyncScope(SQLModel, table=True):
    """A channel or meeting scope a user has been able to pull, and when (by head seq) a pull
    first found it gone. Pulls with a cursor below ``revoked_seq`` get a ``reset`` for it."""

    __tablename__ = "sync_scopes"
    __table_args__ = (UniqueConstraint("user_id", "scope", name="uq_sync_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    scope: str = Field(max_length=64)
    granted_seq: int = Field(sa_type=BigInteger)
    revoked_seq: int | None = Field(default=None, sa_type=BigInteger)


# ---- API shapes -------------------------------------------------------------------------


MAX_ARGS_DEPTH = 32


def _args_problem(args: dict[str, Any]) -> str | None:
    """Why ``args`` cannot be a mutation's: a mutation is fingerprinted as JSON, which holds
    64-bit integers nested at most 255 deep. No args of any mutation come near either limit."""
    stack: list[tuple[Any, int]] = [(args, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_ARGS_DEPTH:
                return f"must not be nested more than {MAX_ARGS_DEPTH} deep"
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
        elif isinstance(value, int) and not -(2**63) <= value < 2**63:
            return "numbers must fit in 64 bits"
    return None


class MutationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: NulFreeStr = PydanticField(min_length=1, max_length=64)
    name: NulFreeStr = PydanticField(min_length=1, max_length=40)
    args: dict[str, Any] = PydanticField(default_factory=dict)
    base_version: int | None = PydanticField(default=None, ge=0, le=MAX_BIG_ID)

    @field_validator("args")
    @classmethod
    def _args_fit_json(cls, args: dict[str, Any]) -> dict[str, Any]:
        if problem := _args_problem(args):
            raise ValueError(problem)
        return args


class PushRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = PydanticField(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    mutations: list[MutationIn] = PydanticField(max_length=MAX_BATCH)


class PushResult(BaseModel):
    id: str
    status: PushStatus
    # applied / duplicate: the entity after the write, as its REST GET shows it.
    entity: dict[str, Any] | None = None
    # conflict: the server's current state (for minutes, the section with its conflict copies).
    current: dict[str, Any] | None = None
    # applied after merging with newer server changes (fields or minutes text).
    merged: bool = False
    code: str | None = None
    reason: str | None = None
    errors: list[dict[str, Any]] | None = None


class PushResponse(BaseModel):
    results: list[PushResult]


class PullResponse(BaseModel):
    """``changes`` holds change events (see DESIGN.md) and ``reset`` entries
    (``{"type": "reset", "scope", "seq", "reason"}``) for scopes the user can no longer see."""

    changes: list[dict[str, Any]]
    cursor: int
    has_more: bool
