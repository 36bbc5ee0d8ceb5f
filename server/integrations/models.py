"""Incoming webhooks (a secret URL that posts into a channel), outgoing webhooks (a URL that
receives signed change events) with their delivery log; plus their API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from server.core.i18n import Language
from server.core.types import Id, NulFreeStr, UTCDateTime, utcnow

_BigId = BigInteger().with_variant(Integer(), "sqlite")

# Event name -> (entity, op) of the change-log rows it stands for. Events in a channel's
# scope need the owner to read messages there; the others, the meeting.
EVENTS: dict[str, tuple[str, str]] = {
    "message.created": ("message", "created"),
    "message.updated": ("message", "updated"),
    "message.deleted": ("message", "deleted"),
    "thread.created": ("thread", "created"),
    "thread.updated": ("thread", "updated"),
    "meeting.created": ("meeting", "created"),
    "meeting.updated": ("meeting", "updated"),
    "agenda_item.created": ("agenda_item", "created"),
    "agenda_item.updated": ("agenda_item", "updated"),
    "agenda_item.deleted": ("agenda_item", "deleted"),
    "minutes.updated": ("minutes", "updated"),
    # One delegation approved the current amendment; when every delegation has, a
    # meeting.updated with status "approved" follows.
    "minutes.approved": ("minutes_approval", "created"),
    "decision.created": ("decision", "created"),
    "action_item.created": ("action_item", "created"),
    "action_item.updated": ("action_item", "updated"),
}
EVENT_OF: dict[tuple[str, str], str] = {v: k for k, v in EVENTS.items()}
DeliveryStatus = Literal["delivered", "failed"]


def _time_column(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class IncomingWebhook(SQLModel, table=True):
    __tablename__ = "incoming_webhooks"
    __table_args__ = (Index("ix_incoming_webhooks_channel", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id")
    # Where a post without "thread" goes; created with the hook.
    thread_id: int = Field(foreign_key="threads.id")
    name: str = Field(max_length=100)
    secret_hash: str = Field(max_length=64, unique=True)
    # A bot account without a token: the author of what the hook posts.
    author_id: int = Field(foreign_key="users.id")
    created_by: int = Field(foreign_key="users.id")
    is_active: bool = True
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    last_used_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))


class OutgoingWebhook(SQLModel, table=True):
    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_owner", "owner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id")
    url: str = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    channel_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    meeting_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Kept readable: every delivery is signed with it.
    secret: str = Field(max_length=100)
    is_active: bool = True
    disabled_reason: str | None = Field(default=None, max_length=200)
    # The last change-log seq this hook is done with (delivered, or not one of its events).
    cursor: int = Field(default=0, sa_type=BigInteger)
    failures: int = 0
    failing_since: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    # One dispatcher (of possibly several processes) works on a hook at a time.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=_time_column(nullable=True))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class WebhookDelivery(SQLModel, table=True):
    """One attempt to deliver one event: every attempt is kept."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_hook", "webhook_id", "id"),)

    id: int | None = Field(
        default=None, sa_column=Column(_BigId, primary_key=True, autoincrement=True)
    )
    webhook_id: int = Field(foreign_key="webhooks.id")
    seq: int = Field(sa_type=BigInteger)
    event: str = Field(max_length=60)
    attempt: int
    status: str = Field(max_length=10)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int = 0
    at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


# ---- API shapes -------------------------------------------------------------------------


class IncomingWebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NulFreeStr = PydanticField(min_length=1, max_length=100)
    # Default thread for posts without "thread"; a new thread named after the hook if absent.
    thread_id: Id | None = None


class IncomingWebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: NulFreeStr | None = PydanticField(default=None, min_length=1, max_length=100)
    is_active: bool | None = None


class IncomingWebhookRead(BaseModel):
    id: int
    channel_id: int
    thread_id: int
    name: str
    author_id: int
    created_by: int
    is_active: bool
    version: int
    created_at: datetime
    last_used_at: datetime | None


class IncomingWebhookCreated(IncomingWebhookRead):
    # Contains the secret: shown once (None when an Idempotency-Key repeat is answered).
    url: str | None


class IncomingPayload(BaseModel):
    """What a POST to an incoming webhook's URL carries. Unknown fields (``username``,
    ``icon_emoji``... as other chat tools send) are ignored."""

    model_config = ConfigDict(extra="ignore")

    text: NulFreeStr = PydanticField(min_length=1)
    # A thread id in the hook's channel, or a thread title (found, or started).
    thread: Id | NulFreeStr | None = None
    lang: Language | None = None


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: NulFreeStr = PydanticField(min_length=1, max_length=2000)
    events: list[str] = PydanticField(min_length=1, max_length=len(EVENTS))
    channel_ids: list[Id] = PydanticField(default_factory=list, max_length=100)
    meeting_ids: list[Id] = PydanticField(default_factory=list, max_length=100)


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: NulFreeStr | None = PydanticField(default=None, min_length=1, max_length=2000)
    events: list[str] | None = PydanticField(default=None, min_length=1, max_length=len(EVENTS))
    channel_ids: list[Id] | None = PydanticField(default=None, max_length=100)
    meeting_ids: list[Id] | None = PydanticField(default=None, max_length=100)
    # Re-enabling a hook disabled after a day of failures resumes where it stopped.
    is_active: bool | None = None


class WebhookRead(BaseModel):
    id: int
    owner_id: int
    url: str
    events: list[str]
    channel_ids: list[int]
    meeting_ids: list[int]
    is_active: bool
    disabled_reason: str | None
    cursor: int
    failures: int
    failing_since: datetime | None
    next_attempt_at: datetime | None
    version: int
    created_at: datetime


class WebhookCreated(WebhookRead):
    # Verify X-Gyoryu-Signature with it. Shown once (None on an Idempotency-Key repeat).
    secret: str | None


class IncomingPosted(BaseModel):
    message_id: int
    thread_id: int
    channel_id: int


class DeliveryRead(BaseModel):
    id: int
    webhook_id: int
    seq: int
    event: str
    attempt: int
    status: str
    status_code: int | None
    error: str | None
    duration_ms: int
    at: datetime
