"""Organizations, users, bearer tokens and the audit log; plus their API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.i18n import Language, Translations
from server.core.types import Id, NotNull, NulFreeStr, UTCDateTime, utcnow

Country = Literal["KR", "CN"]
Role = Literal["admin", "member"]
TokenKind = Literal["session", "bot"]

# Scopes a bot token can hold. Session tokens (people) act with all of them, limited by role
# and membership.
BOT_SCOPES: tuple[str, ...] = (
    "messages:read",
    "messages:write",
    "translations:write",
    "meetings:read",
    "minutes:write",
    "action_items:write",
    "webhooks:manage",
    "directory:read",
)
_TIMEZONES = frozenset(available_timezones())


def _check_timezone(value: str) -> str:
    if value not in _TIMEZONES:
        raise ValueError(f"unknown IANA time zone {value!r}")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
Username = Annotated[
    str,
    PydanticField(min_length=2, max_length=40, pattern=r"^[a-z0-9][a-z0-9._-]{1,39}$"),
]


class Organization(SQLModel, table=True):
    __tablename__ = "organizations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    country: str = Field(max_length=2)
    city: str = Field(max_length=100)
    is_active: bool = True
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=100)
    locale: str = Field(default="en", max_length=8)
    timezone: str = Field(default="Asia/Seoul", max_length=64)
    organization_id: int | None = Field(default=None, foreign_key="organizations.id")
    role: str = Field(default="member", max_length=10)
    is_bot: bool = False
    is_active: bool = True
    password_hash: str | None = Field(default=None, max_length=255)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class AuthToken(SQLModel, table=True):
    __tablename__ = "auth_tokens"
    __table_args__ = (Index("ix_auth_tokens_user_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=10)
    token_hash: str = Field(max_length=64, unique=True)
    # None: every scope / every channel the user may reach (people). Bots list theirs.
    scopes: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    channel_ids: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class AuditEntry(SQLModel, table=True):
    """Append-only (the migration adds triggers that refuse UPDATE and DELETE)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    action: str = Field(max_length=60)
    target_type: str | None = Field(default=None, max_length=40)
    target_id: str | None = Field(default=None, max_length=80)
    ip: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a create sent with an Idempotency-Key, replayed on a repeat."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    key: str = Field(max_length=200)
    fingerprint: str = Field(max_length=64)
    status_code: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


# ---- API shapes -------------------------------------------------------------------------


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NulFreeStr = PydanticField(min_length=1, max_length=200)
    name_lang: Language = "ko"
    translations: Translations = Translations()
    country: Country
    city: NulFreeStr = PydanticField(min_length=1, max_length=100)


class OrganizationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[NulFreeStr | None, PydanticField(min_length=1, max_length=200), NotNull] = None
    name_lang: Annotated[Language | None, NotNull] = None
    translations: Translations | None = None  # null: no translations
    city: Annotated[NulFreeStr | None, PydanticField(min_length=1, max_length=100), NotNull] = None
    is_active: Annotated[bool | None, NotNull] = None


class OrganizationRead(BaseModel):
    id: int
    name: str
    name_lang: str
    translations: dict[str, str]
    country: str
    city: str
    is_active: bool
    version: int


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    display_name: NulFreeStr = PydanticField(min_length=1, max_length=100)
    password: str = PydanticField(min_length=1, max_length=200)
    locale: Language = "en"
    timezone: TimeZoneName = "Asia/Seoul"
    organization_id: Id | None = None
    role: Role = "member"


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: Annotated[
        NulFreeStr | None, PydanticField(min_length=1, max_length=100), NotNull
    ] = None
    locale: Annotated[Language | None, NotNull] = None
    timezone: Annotated[TimeZoneName | None, NotNull] = None
    organization_id: Id | None = None  # null: no organization
    role: Annotated[Role | None, NotNull] = None
    is_active: Annotated[bool | None, NotNull] = None
    password: Annotated[str | None, PydanticField(min_length=1, max_length=200), NotNull] = None


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    locale: str
    timezone: str
    organization_id: int | None
    role: str
    is_bot: bool
    is_active: bool
    version: int


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: NulFreeStr = PydanticField(min_length=1, max_length=100)
    password: str = PydanticField(min_length=1, max_length=200)


class LoginResponse(BaseModel):
    token: str
    expires_at: datetime
    user: UserRead


class BotCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NulFreeStr = PydanticField(min_length=1, max_length=100)
    organization_id: Id | None = None
    scopes: list[str] = PydanticField(min_length=1)
    channel_ids: list[Id] | None = None


class BotCreated(BaseModel):
    id: int
    username: str
    token: str | None  # shown once; None when an Idempotency-Key repeat is answered
    scopes: list[str]
    channel_ids: list[int] | None


class BotRead(BaseModel):
    """A bot account and its current token's limits (never the token itself)."""

    id: int
    username: str
    display_name: str
    organization_id: int | None
    is_active: bool
    scopes: list[str]
    channel_ids: list[int] | None
    token_issued_at: datetime | None
    last_used_at: datetime | None
    # False after a revoke until the next rotate: every request with the old token is refused.
    has_active_token: bool


class BotTokenIssued(BaseModel):
    id: int
    token: str  # shown once
    scopes: list[str]
    channel_ids: list[int] | None


class AuditEntryRead(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target_type: str | None
    target_id: str | None
    ip: str | None
    details: dict[str, Any]
