"""The exchange directory: regions, cities, partnerships, sectors, counterpart officials and
the glossary; plus their API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Date, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.i18n import Language, Translations
from server.core.types import Id, NotNull, NulFreeStr, UTCDateTime, utcnow

Country = Literal["KR", "CN"]
RegionKind = Literal[
    # Korea: 특별시, 광역시, 특별자치시, 도, 특별자치도
    "special_city",
    "metropolitan_city",
    "special_self_governing_city",
    "province",
    "special_self_governing_province",
    # China: 省 (province, above), 直辖市, 自治区, 特别行政区
    "municipality",
    "autonomous_region",
    "special_administrative_region",
]
PartnershipKind = Literal["sister", "friendly"]
PartnershipStatus = Literal["active", "suspended", "ended"]
SectorCode = Annotated[
    str, PydanticField(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]{1,39}$")
]

# The language a name is written in when a request does not say (the country's own).
DEFAULT_NAME_LANG: dict[str, Language] = {"KR": "ko", "CN": "zh-Hans"}


def _created() -> datetime:
    return utcnow()


class Region(SQLModel, table=True):
    """A province or province-level city (Seoul, Beijing, Gyeonggi-do, Guangdong...)."""

    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("country", "name", name="uq_regions_country_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    country: str = Field(max_length=2)
    kind: str = Field(max_length=40)
    version: int = 1
    created_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )


class City(SQLModel, table=True):
    __tablename__ = "cities"
    __table_args__ = (
        UniqueConstraint("country", "region_id", "name", name="uq_cities_country_region_name"),
        Index("ix_cities_region_id", "region_id"),
        Index("ix_cities_name", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    country: str = Field(max_length=2)
    region_id: int | None = Field(default=None, foreign_key="regions.id")
    version: int = 1
    created_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Partnership(SQLModel, table=True):
    """A sister or friendly city relation between a Korean member city and a partner city."""

    __tablename__ = "partnerships"
    __table_args__ = (
        Index("ix_partnerships_member_city_id", "member_city_id"),
        Index("ix_partnerships_partner_city_id", "partner_city_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_city_id: int = Field(foreign_key="cities.id")
    partner_city_id: int = Field(foreign_key="cities.id")
    kind: str = Field(max_length=10)
    signed_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    status: str = Field(default="active", max_length=10)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    version: int = 1
    created_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Sector(SQLModel, table=True):
    """A field of exchange (economy and trade, tourism...); the migration seeds the usual ones."""

    __tablename__ = "sectors"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    name_lang: str = Field(max_length=8)
    translations: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    version: int = 1
    created_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )


class OrganizationCity(SQLModel, table=True):
    """Which city an organization belongs to (the organizations table is identity's)."""

    __tablename__ = "organization_cities"
    __table_args__ = (Index("ix_organization_cities_city_id", "city_id"),)

    organization_id: int = Field(
        foreign_key="organizations.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    city_id: int = Field(foreign_key="cities.id")
    version: int = 1
    updated_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Counterpart(SQLModel, table=True):
    """One holding of a counterpart pairing: a Korean and a Chinese official for a sector of a
    partnership, from ``started_at`` until ``ended_at`` (None: the current pair). Changing
    either holder ends this row and starts a new one, so the rows of a (partnership, sector)
    slot are its history."""

    __tablename__ = "counterparts"
    __table_args__ = (
        Index("ix_counterparts_slot", "partnership_id", "sector_id", "ended_at"),
        Index("ix_counterparts_kr_user_id", "kr_user_id"),
        Index("ix_counterparts_cn_user_id", "cn_user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnerships.id")
    sector_id: int = Field(foreign_key="sectors.id")
    kr_user_id: int = Field(foreign_key="users.id")
    cn_user_id: int = Field(foreign_key="users.id")
    started_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    previous_id: int | None = Field(default=None, foreign_key="counterparts.id")
    version: int = 1


# How long a term may be in each language (its column; requests' Translations allow more).
GLOSSARY_TERM_MAX_LENGTH = 200


class GlossaryTerm(SQLModel, table=True):
    """One exchange term in the three languages (공동위원회 / 联合委员会 / joint committee)."""

    __tablename__ = "glossary_terms"

    id: int | None = Field(default=None, primary_key=True)
    ko: str | None = Field(default=None, max_length=GLOSSARY_TERM_MAX_LENGTH)
    zh_hans: str | None = Field(default=None, max_length=GLOSSARY_TERM_MAX_LENGTH)
    en: str | None = Field(default=None, max_length=GLOSSARY_TERM_MAX_LENGTH)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    sector_id: int | None = Field(default=None, foreign_key="sectors.id")
    version: int = 1
    created_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=_created, sa_column=Column(UTCDateTime(), nullable=False)
    )


# ---- API shapes -------------------------------------------------------------------------

Name = Annotated[NulFreeStr, PydanticField(min_length=1, max_length=200)]


class RegionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    name_lang: Language | None = None
    translations: Translations = Translations()
    country: Country
    kind: RegionKind


class RegionUpdate(BaseModel):
    """The country of a region does not change: its cities are in that country."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[NulFreeStr | None, PydanticField(min_length=1, max_length=200), NotNull] = None
    name_lang: Language | None = None
    translations: Translations | None = None
    kind: Annotated[RegionKind | None, NotNull] = None


class RegionRead(BaseModel):
    id: int
    name: str
    name_lang: str
    translations: dict[str, str]
    country: str
    kind: str
    version: int


class CityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    name_lang: Language | None = None
    translations: Translations = Translations()
    country: Country
    region_id: Id | None = None


class CityUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[NulFreeStr | None, PydanticField(min_length=1, max_length=200), NotNull] = None
    name_lang: Language | None = None
    translations: Translations | None = None
    region_id: Id | None = None


class CityRead(BaseModel):
    id: int
    name: str
    name_lang: str
    translations: dict[str, str]
    country: str
    region_id: int | None
    version: int


class PartnershipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member_city_id: Id
    partner_city_id: Id
    kind: PartnershipKind
    signed_on: date | None = None
    status: PartnershipStatus = "active"
    notes: NulFreeStr = PydanticField(default="", max_length=10000)


class PartnershipUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Annotated[PartnershipKind | None, NotNull] = None
    signed_on: date | None = None
    status: Annotated[PartnershipStatus | None, NotNull] = None
    notes: Annotated[NulFreeStr | None, PydanticField(max_length=10000), NotNull] = None


class PartnershipRead(BaseModel):
    id: int
    member_city_id: int
    partner_city_id: int
    kind: str
    signed_on: date | None
    status: str
    notes: str
    version: int


class SectorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: SectorCode
    name: Name
    name_lang: Language = "ko"
    translations: Translations = Translations()


class SectorUpdate(BaseModel):
    """The code of a sector does not change: CSV files and clients know sectors by it."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[NulFreeStr | None, PydanticField(min_length=1, max_length=200), NotNull] = None
    name_lang: Language | None = None
    translations: Translations | None = None


class SectorRead(BaseModel):
    id: int
    code: str
    name: str
    name_lang: str
    translations: dict[str, str]
    version: int


class OrganizationCitySet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city_id: Id | None


class OrganizationCityRead(BaseModel):
    organization_id: int
    city_id: int | None
    version: int


class CounterpartCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partnership_id: Id
    sector_id: Id
    kr_user_id: Id
    cn_user_id: Id


class CounterpartUpdate(BaseModel):
    """A new holder on either side (or both): ends the current pair and starts the next."""

    model_config = ConfigDict(extra="forbid")

    kr_user_id: Id | None = None
    cn_user_id: Id | None = None


class CounterpartRead(BaseModel):
    id: int
    partnership_id: int
    sector_id: int
    kr_user_id: int
    cn_user_id: int
    started_at: datetime
    ended_at: datetime | None
    previous_id: int | None
    version: int


class GlossaryTermCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    terms: Translations
    note: NulFreeStr = PydanticField(default="", max_length=2000)
    sector_id: Id | None = None


class GlossaryTermUpdate(BaseModel):
    """``terms`` replaces all three languages; ``sector_id: null`` takes the term out of its
    sector."""

    model_config = ConfigDict(extra="forbid")

    terms: Annotated[Translations | None, NotNull] = None
    note: Annotated[NulFreeStr | None, PydanticField(max_length=2000), NotNull] = None
    sector_id: Id | None = None


class GlossaryTermRead(BaseModel):
    id: int
    terms: dict[str, str]
    note: str
    sector_id: int | None
    version: int


class ImportIssue(BaseModel):
    line: int
    field: str | None = None
    message: str


class ImportReport(BaseModel):
    kind: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
