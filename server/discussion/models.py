"""Channels, their members, threads, messages (with revisions, reactions, translations and
attachments) and read state; plus their API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import BigInteger, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.i18n import Language
from server.core.types import BigId, Id, NotNull, NulFreeStr, UTCDateTime, utcnow

Visibility = Literal["members", "platform"]
ChannelRole = Literal["owner", "member", "observer"]
TranslationKind = Literal["human", "bot", "reviewed"]
MAX_MESSAGE_BYTES = 64 * 1024


def _created() -> datetime:
    return utcnow()


def _time_column(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


_BigId = BigInteger().with_variant(Integer(), "sqlite")


class Channel(SQLModel, table=True):
    __tablename__ = "channels"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=2000)
    visibility: str = Field(default="members", max_length=10)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    is_archived: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=_created, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=_created, sa_column=_time_column())


class ChannelMember(SQLModel, table=True):
    __tablename__ = "channel_members"
    __table_args__ = (
        UniqueConstraint("channel_id", "user_id", name="uq_channel_member"),
        Index("ix_channel_members_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id")
    user_id: int = Field(foreign_key="users.id")
    role: str = Field(default="member", max_length=10)
    joined_at: datetime = Field(default_factory=_created, sa_column=_time_column())


class Thread(SQLModel, table=True):
    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_channel", "channel_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id")
    title: str = Field(max_length=300)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    message_count: int = 0
    last_message_id: int | None = None
    last_message_at: datetime | None = Field(default=None, sa_column=_time_column(True))
    version: int = 1
    created_at: datetime = Field(default_factory=_created, sa_column=_time_column())


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    # Author and deletion time too, so that unread counts read the index alone (0009).
    __table_args__ = (Index("ix_messages_thread", "thread_id", "id", "author_id", "deleted_at"),)

    id: int | None = Field(default=None, sa_column=Column(_BigId, primary_key=True))
    thread_id: int = Field(foreign_key="threads.id")
    channel_id: int = Field(foreign_key="channels.id")
    author_id: int = Field(foreign_key="users.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    lang: str = Field(max_length=8)
    # Bumped by every edit of the body; a translation made from an older one is stale.
    body_revision: int = 1
    version: int = 1
    created_at: datetime = Field(default_factory=_created, sa_column=_time_column())
    edited_at: datetime | None = Field(default=None, sa_column=_time_column(True))
    deleted_at: datetime | None = Field(default=None, sa_column=_time_column(True))


class MessageRevision(SQLModel, table=True):
    """The body a message had before each edit: the full history."""

    __tablename__ = "message_revisions"
    __table_args__ = (Index("ix_message_revisions_message", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(sa_type=BigInteger, foreign_key="messages.id")
    body_revision: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    lang: str = Field(max_length=8)
    edited_by: int = Field(foreign_key="users.id")
    replaced_at: datetime = Field(default_factory=_created, sa_column=_time_column())


class Reaction(SQLModel, table=True):
    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("message_id", "user_id", "emoji", name="uq_reaction"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(sa_type=BigInteger, foreign_key="messages.id", index=True)
    user_id: int = Field(foreign_key="users.id")
    emoji: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=_created, sa_column=_time_column())


class MessageTranslation(SQLModel, table=True):
    __tablename__ = "message_translations"
    __table_args__ = (UniqueConstraint("message_id", "lang", name="uq_message_translation"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(sa_type=BigInteger, foreign_key="messages.id", index=True)
    lang: str = Field(max_length=8)
    body: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=10)
    translator_id: int = Field(foreign_key="users.id")
    source_revision: int
    updated_at: datetime = Field(default_factory=_created, sa_column=_time_column())


class Attachment(SQLModel, table=True):
    """A file kept under the data directory by its SHA-256; uploaded before the message."""

    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channels.id", index=True)
    message_id: int | None = Field(
        default=None, sa_type=BigInteger, foreign_key="messages.id", index=True
    )
    uploader_id: int = Field(foreign_key="users.id")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=_created, sa_column=_time_column())


class ReadState(SQLModel, table=True):
    __tablename__ = "read_states"
    __table_args__ = (
        UniqueConstraint("user_id", "thread_id", name="uq_read_state"),
        Index("ix_read_states_user_channel", "user_id", "channel_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    channel_id: int = Field(foreign_key="channels.id")
    thread_id: int = Field(foreign_key="threads.id")
    last_read_message_id: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=_created, sa_column=_time_column())


# ---- API shapes -------------------------------------------------------------------------

ChannelName = Annotated[NulFreeStr, PydanticField(min_length=1, max_length=120)]


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ChannelName
    description: NulFreeStr = PydanticField(default="", max_length=2000)
    visibility: Visibility = "members"
    member_ids: list[Id] = PydanticField(default_factory=list, max_length=500)


class ChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[ChannelName | None, NotNull] = None
    description: Annotated[NulFreeStr | None, PydanticField(max_length=2000), NotNull] = None
    visibility: Annotated[Visibility | None, NotNull] = None
    is_archived: Annotated[bool | None, NotNull] = None


class ChannelRead(BaseModel):
    id: int
    name: str
    description: str
    visibility: str
    is_archived: bool
    created_by: int | None
    version: int
    my_role: str | None = None
    unread_count: int = 0


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Id
    role: ChannelRole = "member"


class MemberRead(BaseModel):
    channel_id: int
    user_id: int
    role: str


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: NulFreeStr = PydanticField(min_length=1, max_length=300)


class ThreadRead(BaseModel):
    id: int
    channel_id: int
    title: str
    created_by: int | None
    created_at: datetime
    last_message_at: datetime | None
    message_count: int
    version: int
    unread_count: int = 0


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The 64 KiB limit counts UTF-8 bytes, not characters: the service checks it, so that
    # Korean, Chinese and ASCII text get the same answer (413 message_too_large).
    body: NulFreeStr = PydanticField(min_length=1)
    lang: Language | None = None
    attachment_ids: list[Id] = PydanticField(default_factory=list, max_length=20)


class MessageEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: NulFreeStr = PydanticField(min_length=1)  # bytes checked by the service, as above
    lang: Language | None = None


class TranslationPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: NulFreeStr = PydanticField(min_length=1, max_length=MAX_MESSAGE_BYTES)
    kind: TranslationKind | None = None


class ReadMark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: BigId


class AuthorRead(BaseModel):
    id: int
    username: str
    display_name: str
    is_bot: bool


class ReactionRead(BaseModel):
    emoji: str
    count: int
    user_ids: list[int]


class TranslationRead(BaseModel):
    lang: str
    body: str
    html: str
    kind: str
    translator_id: int
    stale: bool
    updated_at: datetime


class AttachmentRead(BaseModel):
    id: int
    filename: str
    size: int
    content_type: str
    url: str


class MessageRead(BaseModel):
    id: int
    thread_id: int
    channel_id: int
    author: AuthorRead
    body: str
    html: str
    lang: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    version: int
    reactions: list[ReactionRead]
    translations: list[TranslationRead]
    attachments: list[AttachmentRead]


class MentionRead(BaseModel):
    """Someone @-mentioned the caller in a message (newest first in ``GET /mentions``)."""

    seq: int  # the mention's place in the change log: later mentions have larger ones
    message_id: int
    thread_id: int
    channel_id: int
    thread_title: str
    author: AuthorRead
    excerpt: str  # the start of the message's Markdown source, as it was posted
    lang: str
    created_at: datetime  # when the message was posted


class MessageRevisionRead(BaseModel):
    body_revision: int
    body: str
    lang: str
    edited_by: int
    replaced_at: datetime
