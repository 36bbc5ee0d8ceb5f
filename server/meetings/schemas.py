"""API shapes of the meetings domain (requests, validated by pydantic, and answers):
meetings, participants, agenda, minutes, uploads, action items and series. The tables are in
:mod:`server.meetings.models`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator
from pydantic import Field as PydanticField

from server.core.i18n import Language, Translations
from server.core.types import Id, NulFreeStr

Mode = Literal["in_person", "online", "hybrid"]
Status = Literal[
    "draft", "scheduled", "in_progress", "held", "minutes_review", "approved", "cancelled"
]
ParticipantRole = Literal["chair", "secretary", "member", "interpreter", "observer"]
Attendance = Literal["invited", "accepted", "declined", "attended", "absent"]
ActionStatus = Literal["open", "done", "cancelled"]
MAX_NOTES_CHARS = 100_000
_TIMEZONES = frozenset(available_timezones())


def _check_timezone(value: str) -> str:
    if value not in _TIMEZONES:
        raise ValueError(f"unknown IANA time zone {value!r}")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
Title = Annotated[NulFreeStr, PydanticField(min_length=1, max_length=300)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParticipantIn(_Strict):
    user_id: Id
    role: ParticipantRole = "member"


class MeetingCreate(_Strict):
    title: Title
    title_lang: Language = "ko"
    translations: Translations = Translations()
    mode: Mode
    starts_at: datetime
    ends_at: datetime
    timezone: TimeZoneName
    location: NulFreeStr = PydanticField(default="", max_length=300)
    online_url: str | None = PydanticField(
        default=None, max_length=500, pattern=r"^https?://[^\x00]*$"
    )
    channel_id: Id | None = None
    series_id: Id | None = None
    organization_ids: list[Id] = PydanticField(min_length=2, max_length=100)
    # People to invite: plain ids (role member) or {user_id, role}. The creator is a chair
    # unless listed with another role.
    participant_ids: list[Id] = PydanticField(default_factory=list, max_length=500)
    participants: list[ParticipantIn] = PydanticField(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _times(self) -> MeetingCreate:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("starts_at and ends_at need a UTC offset")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class MeetingUpdate(_Strict):
    title: Title | None = None
    title_lang: Language | None = None
    translations: Translations | None = None
    mode: Mode | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    timezone: TimeZoneName | None = None
    location: NulFreeStr | None = PydanticField(default=None, max_length=300)
    online_url: str | None = PydanticField(
        default=None, max_length=500, pattern=r"^https?://[^\x00]*$"
    )
    status: Status | None = None
    series_id: Id | None = None


class LocalTime(BaseModel):
    organization_id: int
    timezone: str
    starts_at: str
    ends_at: str


class ParticipantRead(BaseModel):
    user_id: int
    username: str
    display_name: str
    organization_id: int | None
    role: str
    attendance: str
    version: int


class MeetingRead(BaseModel):
    id: int
    title: str
    title_lang: str
    translations: dict[str, str]
    mode: str
    status: str
    allowed_transitions: list[str]
    starts_at: datetime
    ends_at: datetime
    timezone: str
    local_times: list[LocalTime]
    location: str
    online_url: str | None
    channel_id: int | None
    series_id: int | None
    organization_ids: list[int]
    participants: list[ParticipantRead]
    created_by: int
    agenda_version: int
    minutes_version: int
    minutes_amendment: int
    version: int
    created_at: datetime
    updated_at: datetime


class DelegationAdd(_Strict):
    organization_id: Id


class ParticipantUpdate(_Strict):
    role: ParticipantRole | None = None
    attendance: Attendance | None = None


class AgendaCreate(_Strict):
    title: Title
    title_lang: Language = "ko"
    translations: Translations = Translations()
    presenter_id: Id | None = None
    duration_minutes: int | None = PydanticField(default=None, ge=1, le=24 * 60)
    attachment_ids: list[Id] = PydanticField(default_factory=list, max_length=20)


class AgendaUpdate(_Strict):
    title: Title | None = None
    title_lang: Language | None = None
    translations: Translations | None = None
    presenter_id: Id | None = None
    duration_minutes: int | None = PydanticField(default=None, ge=1, le=24 * 60)
    attachment_ids: list[Id] | None = PydanticField(default=None, max_length=20)


class AgendaReorder(_Strict):
    item_ids: list[Id] = PydanticField(max_length=500)


class AgendaItemRead(BaseModel):
    id: int
    meeting_id: int
    position: int
    title: str
    title_lang: str
    translations: dict[str, str]
    presenter_id: int | None
    duration_minutes: int | None
    attachment_ids: list[int]
    thread_id: int | None
    version: int


class SectionTranslations(_Strict):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    ko: Annotated[NulFreeStr | None, PydanticField(max_length=MAX_NOTES_CHARS)] = None
    zh_hans: Annotated[
        NulFreeStr | None, PydanticField(max_length=MAX_NOTES_CHARS, alias="zh-Hans")
    ] = None
    en: Annotated[NulFreeStr | None, PydanticField(max_length=MAX_NOTES_CHARS)] = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump(by_alias=True).items() if v}


class SectionPut(_Strict):
    agenda_item_id: Id | None = None
    notes: NulFreeStr = PydanticField(max_length=MAX_NOTES_CHARS)
    notes_lang: Language = "ko"
    translations: SectionTranslations = SectionTranslations()
    base_version: int | None = None


class MinutesPut(_Strict):
    sections: list[SectionPut] = PydanticField(min_length=1, max_length=200)


class ConflictCopyRead(BaseModel):
    """An offline edit of a section that overlapped a newer edit on the server."""

    id: int
    notes: str
    notes_lang: str
    author_id: int
    base_version: int
    client_id: str | None = None
    mutation_id: str | None = None
    created_at: datetime


class SectionRead(BaseModel):
    id: int
    agenda_item_id: int | None
    notes: str
    notes_html: str
    notes_lang: str
    translations: dict[str, str]
    version: int
    updated_by: int
    updated_at: datetime
    conflict_copies: list[ConflictCopyRead] = []


class DecisionCreate(_Strict):
    agenda_item_id: Id | None = None
    text: NulFreeStr = PydanticField(min_length=1, max_length=10_000)
    text_lang: Language = "ko"
    translations: SectionTranslations = SectionTranslations()


class DecisionRead(BaseModel):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    text: str
    text_lang: str
    translations: dict[str, str]
    amendment: int
    created_by: int
    version: int
    created_at: datetime


class ApprovalRead(BaseModel):
    id: int
    organization_id: int
    user_id: int
    amendment: int
    minutes_version: int
    approved_at: datetime
    withdrawn_at: datetime | None
    withdrawn_reason: str | None


class ApproveRequest(_Strict):
    organization_id: Id | None = None


class MinutesRead(BaseModel):
    meeting_id: int
    status: str
    version: int
    amendment: int
    # "draft": being written; "in_review": some delegations approved this amendment;
    # "approved": every delegation approved it (frozen; a change opens the next amendment).
    state: str
    sections: list[SectionRead]
    decisions: list[DecisionRead]
    approvals: list[ApprovalRead]
    pending_organization_ids: list[int]
    approved_amendment: int | None


class MinutesWriteResult(MinutesRead):
    """A write's answer: the minutes, and what the write did to approvals."""

    withdrawn_approvals: list[ApprovalRead] = []
    amendment_opened: bool = False


class MinutesRevisionRead(BaseModel):
    id: int
    section_id: int
    agenda_item_id: int | None
    version: int
    minutes_version: int
    amendment: int
    notes: str
    notes_lang: str
    translations: dict[str, str]
    edited_by: int
    edited_at: datetime


class ProposedSection(BaseModel):
    index: int
    heading: str | None
    level: int
    text: str
    agenda_item_id: int | None
    method: str
    score: float


class UploadRead(BaseModel):
    id: int
    meeting_id: int
    filename: str
    content_type: str
    kind: str
    size: int
    sha256: str
    status: str
    title: str | None
    warnings: list[str]
    sections: list[ProposedSection]
    created_at: datetime


class UploadAssignment(_Strict):
    section_index: int = PydanticField(ge=0)
    agenda_item_id: Id | None


class UploadConfirm(_Strict):
    # Defaults to the proposal; the secretary may reassign sections (None: general notes).
    assignments: list[UploadAssignment] | None = None
    notes_lang: Language = "ko"


class ActionItemCreate(_Strict):
    title: NulFreeStr = PydanticField(min_length=1, max_length=500)
    title_lang: Language = "ko"
    translations: Translations = Translations()
    owner_id: Id | None = None
    organization_id: Id | None = None
    due_date: date | None = None
    agenda_item_id: Id | None = None
    decision_id: Id | None = None


class ActionItemUpdate(_Strict):
    title: NulFreeStr | None = PydanticField(default=None, min_length=1, max_length=500)
    translations: Translations | None = None
    owner_id: Id | None = None
    organization_id: Id | None = None
    due_date: date | None = None
    status: ActionStatus | None = None


class ActionItemRead(BaseModel):
    id: int
    meeting_id: int
    agenda_item_id: int | None
    decision_id: int | None
    title: str
    title_lang: str
    translations: dict[str, str]
    owner_id: int | None
    organization_id: int | None
    due_date: date | None
    status: str
    overdue: bool
    # True in a later meeting's list: an open item of an earlier meeting of the same channel.
    carried_over: bool = False
    created_by: int
    version: int
    created_at: datetime
    updated_at: datetime


class SeriesCreate(_Strict):
    name: Title
    name_lang: Language = "ko"
    translations: Translations = Translations()
    description: NulFreeStr = PydanticField(default="", max_length=10_000)
    channel_id: Id | None = None
    partnership_ids: list[Id] = PydanticField(default_factory=list, max_length=500)


class SeriesUpdate(_Strict):
    name: Title | None = None
    name_lang: Language | None = None
    translations: Translations | None = None
    description: NulFreeStr | None = PydanticField(default=None, max_length=10_000)
    partnership_ids: list[Id] | None = PydanticField(default=None, max_length=500)


class SeriesRead(BaseModel):
    id: int
    name: str
    name_lang: str
    translations: dict[str, str]
    description: str
    channel_id: int | None
    partnership_ids: list[int]
    created_by: int
    version: int
    created_at: datetime
    updated_at: datetime


class SeriesMeeting(BaseModel):
    id: int
    title: str
    translations: dict[str, str]
    status: str
    starts_at: datetime
    timezone: str
    year: int


class SeriesYear(BaseModel):
    year: int
    meetings: int
    decisions: int


class SeriesPage(BaseModel):
    """Everything of a series that the reader may see, across years."""

    series: SeriesRead
    years: list[SeriesYear]
    meetings: list[SeriesMeeting]
    decisions: list[DecisionRead]
    open_action_items: list[ActionItemRead]
