"""Tables of the meetings domain: meetings, delegations, participants, agenda items, minutes
(sections, revisions, decisions, approvals, uploaded files), action items and meeting series.
Their API shapes are in :mod:`server.meetings.schemas`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.types import UTCDateTime, utcnow


def _time_column(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _json_column(nullable: bool = False) -> Column[Any]:
    return Column(JSON, nullable=nullable)


class Meeting(SQLModel, table=True):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_channel_starts", "channel_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    title_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(default_factory=dict, sa_column=_json_column())
    mode: str = Field(max_length=10)
    status: str = Field(default="draft", max_length=20)
    starts_at: datetime = Field(sa_column=_time_column())
    ends_at: datetime = Field(sa_column=_time_column())
    timezone: str = Field(max_length=64)
    location: str = Field(default="", max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    channel_id: int | None = Field(default=None, foreign_key="channels.id")
    series_id: int | None = Field(default=None, foreign_key="meeting_series.id", index=True)
    created_by: int = Field(foreign_key="users.id")
    # Agenda order has its own version (reorder's base_version), so that a reorder does not
    # bump the meeting (and its iCalendar SEQUENCE).
    agenda_version: int = 1
    # Every change of minutes content (notes, decisions) bumps minutes_version. Amendment 0 is
    # the original minutes; each change after a full approval opens the next amendment.
    minutes_version: int = 0
    minutes_amendment: int = 0
    approved_amendment: int | None = None
    approved_snapshot: dict[str, Any] | None = Field(default=None, sa_column=_json_column(True))
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class Delegation(SQLModel, table=True):
    __tablename__ = "meeting_delegations"
    __table_args__ = (
        UniqueConstraint("meeting_id", "organization_id", name="uq_meeting_delegation"),
        Index("ix_meeting_delegations_org", "organization_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id")
    organization_id: int = Field(foreign_key="organizations.id")


class Participant(SQLModel, table=True):
    __tablename__ = "meeting_participants"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id", name="uq_meeting_participant"),
        Index("ix_meeting_participants_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id")
    user_id: int = Field(foreign_key="users.id")
    role: str = Field(default="member", max_length=12)
    attendance: str = Field(default="invited", max_length=10)
    version: int = 1


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_items"
    __table_args__ = (Index("ix_agenda_items_meeting", "meeting_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id")
    position: int
    title: str = Field(max_length=300)
    title_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(default_factory=dict, sa_column=_json_column())
    presenter_id: int | None = Field(default=None, foreign_key="users.id")
    duration_minutes: int | None = None
    attachment_ids: list[int] = Field(default_factory=list, sa_column=_json_column())
    thread_id: int | None = Field(default=None, foreign_key="threads.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class MinutesSection(SQLModel, table=True):
    """The notes of one agenda item (or, with agenda_item_id None, the general notes)."""

    __tablename__ = "minutes_sections"
    __table_args__ = (Index("ix_minutes_sections_meeting", "meeting_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_items.id")
    notes: str = Field(sa_column=Column(Text, nullable=False))
    notes_html: str = Field(sa_column=Column(Text, nullable=False))
    notes_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(default_factory=dict, sa_column=_json_column())
    updated_by: int = Field(foreign_key="users.id")
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    # Offline edits that could not be merged (see server/sync): kept visible on the section
    # until someone resolves them, so that no edit is ever lost silently.
    conflict_copies: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json_column())


class MinutesRevision(SQLModel, table=True):
    """Every saved version of every section: the full history."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (Index("ix_minutes_revisions_meeting", "meeting_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id")
    section_id: int = Field(foreign_key="minutes_sections.id")
    agenda_item_id: int | None = None
    version: int
    minutes_version: int
    amendment: int
    notes: str = Field(sa_column=Column(Text, nullable=False))
    notes_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(default_factory=dict, sa_column=_json_column())
    edited_by: int = Field(foreign_key="users.id")
    edited_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class Decision(SQLModel, table=True):
    __tablename__ = "meeting_decisions"
    __table_args__ = (Index("ix_meeting_decisions_meeting", "meeting_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_items.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    text_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(default_factory=dict, sa_column=_json_column())
    amendment: int = 0
    created_by: int = Field(foreign_key="users.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class Approval(SQLModel, table=True):
    """One delegation's approval of one amendment of the minutes (at one minutes version)."""

    __tablename__ = "minutes_approvals"
    __table_args__ = (Index("ix_minutes_approvals_meeting", "meeting_id", "amendment"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id")
    organization_id: int = Field(foreign_key="organizations.id")
    user_id: int = Field(foreign_key="users.id")
    amendment: int
    minutes_version: int
    approved_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    withdrawn_at: datetime | None = Field(default=None, sa_column=_time_column(True))
    withdrawn_reason: str | None = Field(default=None, max_length=200)
    version: int = 1


class MinutesUpload(SQLModel, table=True):
    """An uploaded minutes file (kept by SHA-256) and the proposal extracted from it."""

    __tablename__ = "minutes_uploads"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id", index=True)
    uploader_id: int = Field(foreign_key="users.id")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    kind: str = Field(max_length=10)
    size: int
    sha256: str = Field(max_length=64)
    proposal: dict[str, Any] = Field(default_factory=dict, sa_column=_json_column())
    status: str = Field(default="proposed", max_length=10)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class ActionItem(SQLModel, table=True):
    __tablename__ = "action_items"
    __table_args__ = (
        Index("ix_action_items_meeting", "meeting_id"),
        Index("ix_action_items_owner", "owner_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meetings.id")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_items.id")
    decision_id: int | None = Field(default=None, foreign_key="meeting_decisions.id")
    title: str = Field(max_length=500)
    title_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(default_factory=dict, sa_column=_json_column())
    owner_id: int | None = Field(default=None, foreign_key="users.id")
    organization_id: int | None = Field(default=None, foreign_key="organizations.id")
    due_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    status: str = Field(default="open", max_length=10)
    created_by: int = Field(foreign_key="users.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class MeetingSeries(SQLModel, table=True):
    """A recurring body (a joint committee, an annual meeting of sister and friendly cities)
    whose meetings, decisions and open action items are followed across years."""

    __tablename__ = "meeting_series"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    name_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(default_factory=dict, sa_column=_json_column())
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    channel_id: int | None = Field(default=None, foreign_key="channels.id")
    created_by: int = Field(foreign_key="users.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time_column())


class SeriesPartnership(SQLModel, table=True):
    """A member partnership of a series (the directory's partnerships, by foreign key)."""

    __tablename__ = "meeting_series_partnerships"
    __table_args__ = (
        UniqueConstraint("series_id", "partnership_id", name="uq_series_partnership"),
    )

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="meeting_series.id", index=True)
    partnership_id: int = Field(foreign_key="partnerships.id")
