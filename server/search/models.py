"""The search index: one document per searchable entity, with our own CJK-aware terms
(see server/search/text.py). SQLite searches it through an FTS5 table kept in step by
triggers; PostgreSQL through a GIN index on the stored column ``terms_vector``, generated
from ``terms`` (migration 0008; not mapped here, since only PostgreSQL has it and only the
search query reads it)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.types import UTCDateTime, utcnow


class SearchDocument(SQLModel, table=True):
    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "entity_id", name="uq_search_document"),
        Index("ix_search_documents_channel", "channel_id"),
        Index("ix_search_documents_meeting", "meeting_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    entity_id: int
    channel_id: int | None = None
    thread_id: int | None = None
    meeting_id: int | None = None
    title: str = Field(default="", max_length=300)
    content: str = Field(sa_column=Column(Text, nullable=False))
    terms: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class SearchHit(BaseModel):
    kind: str
    id: int
    title: str
    snippet_html: str
    channel_id: int | None = None
    thread_id: int | None = None
    meeting_id: int | None = None
    rank: float
