"""CSV import and export of the directory (cities, partnerships, sectors, counterparts).

Import: UTF-8 only (a byte order mark is fine); the header is checked; every row is parsed
and checked in batches while the file streams through the ``csv`` module, so memory stays
bounded whatever the file's length. A file with any bad row imports nothing: every bad row is
reported with its line, and the caller's transaction is rolled back. A dry run does the same
checks and writes nothing. Rows are inserted in batches; each created or updated entity gets
its own change row (written in batches too) and the import one audit entry.

Export streams pages of rows as UTF-8 with a byte order mark (so spreadsheet programs open it
as UTF-8) and with the same header import expects: an exported file imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, ClassVar, Literal

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.changes import service as changes
from server.core.db import Database
from server.core.errors import AppError, InvalidInput, NotFound
from server.core.i18n import LANGUAGES
from server.core.types import utcnow
from server.directory import counterparts, partnerships, service
from server.directory.models import (
    DEFAULT_NAME_LANG,
    City,
    CityRead,
    Counterpart,
    ImportIssue,
    ImportReport,
    Partnership,
    PartnershipRead,
    Region,
    Sector,
    SectorRead,
)
from server.identity.service import Principal

Kind = Literal["cities", "partnerships", "sectors", "counterparts"]
KINDS: tuple[str, ...] = ("cities", "partnerships", "sectors", "counterparts")
BATCH_SIZE = 500
MAX_REPORTED_ISSUES = 1000  # every bad row is counted; this many are listed
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")


# ---- reading ----------------------------------------------------------------------------


class _RowError(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _not_utf8(line: int) -> InvalidInput:
    return InvalidInput(
        f"The file is not UTF-8 text: line {line} holds bytes that are not valid UTF-8. It may "
        "be in CP949/EUC-KR or GB18030/GBK; save it as UTF-8 (in Excel: 'CSV UTF-8') and "
        "upload it again.",
        code="csv_not_utf8",
        line=line,
    )


def _unescape(value: str) -> str:
    """Undo the export's guard against spreadsheet formulas ("'=..." back to "=...")."""
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


def _escape(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def read_rows(
    file: IO[bytes], columns: tuple[str, ...], required: frozenset[str]
) -> Iterator[tuple[int, dict[str, str] | _RowError]]:
    """(line, row) for each data row of a UTF-8 CSV file, after checking its header; a row
    with the wrong number of fields comes as a ``_RowError``. Blank lines are skipped."""
    head = file.read(4)
    file.seek(0)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InvalidInput(
            "The file is UTF-16, not UTF-8; save it as UTF-8 (in Excel: 'CSV UTF-8').",
            code="csv_not_utf8",
            line=1,
        )
    text = io.TextIOWrapper(file, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text)
    line = 1
    try:
        try:
            header = next(reader)
        except StopIteration:
            raise InvalidInput(
                "The file is empty; it needs a header row.", code="csv_empty"
            ) from None
        names = [name.strip() for name in header]
        missing = sorted(required - set(names))
        unknown = sorted(set(names) - set(columns))
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if missing or unknown or duplicated:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(missing)}")
            if unknown:
                problems.append(f"unknown {', '.join(unknown)}")
            if duplicated:
                problems.append(f"repeated {', '.join(duplicated)}")
            raise InvalidInput(
                f"The header row is wrong ({'; '.join(problems)}). Expected columns: "
                f"{', '.join(columns)} (required: {', '.join(sorted(required))}).",
                code="csv_bad_header",
                missing=missing,
                unknown=unknown,
                expected=list(columns),
            )
        while True:
            line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                yield line, _RowError(None, f"expected {len(names)} fields, found {len(record)}")
                continue
            yield line, {n: _unescape(v.strip()) for n, v in zip(names, record, strict=True)}
    except UnicodeDecodeError:
        raise _not_utf8(_first_bad_line(file)) from None
    except csv.Error as exc:
        raise InvalidInput(
            f"Line {reader.line_num} is not valid CSV: {exc}.", code="csv_malformed", line=line
        ) from None
    finally:
        text.detach()


def _first_bad_line(file: IO[bytes]) -> int:
    """The first line that is not valid UTF-8 (a newline byte is never inside a UTF-8
    sequence, so lines can be decoded one by one)."""
    file.seek(0)
    for number, raw in enumerate(file, 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 1


def _int(row: dict[str, str], name: str, *, required: bool = False) -> int | None:
    value = row.get(name, "")
    if value == "":
        if required:
            raise _RowError(name, f"{name} is required")
        return None
    try:
        number = int(value)
    except ValueError:
        raise _RowError(name, f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise _RowError(name, f"{name} must be positive")
    return number


def _text(row: dict[str, str], name: str, max_length: int, *, required: bool = False) -> str:
    value = row.get(name, "")
    if required and not value:
        raise _RowError(name, f"{name} is required")
    if len(value) > max_length:
        raise _RowError(name, f"{name} is longer than {max_length} characters")
    return value


def _choice(row: dict[str, str], name: str, choices: tuple[str, ...], default: str | None) -> str:
    value = row.get(name, "")
    if value == "" and default is not None:
        return default
    if value not in choices:
        raise _RowError(name, f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _names(row: dict[str, str], name_lang: str) -> dict[str, str]:
    found = {lang: _text(row, f"name_{lang.lower().replace('-', '_')}", 200) for lang in LANGUAGES}
    return {lang: text for lang, text in found.items() if text and lang != name_lang}


def _name_columns(translations: dict[str, str]) -> list[str]:
    return [translations.get(lang, "") for lang in LANGUAGES]


NAME_COLUMNS = tuple(f"name_{lang.lower().replace('-', '_')}" for lang in LANGUAGES)


# ---- importers --------------------------------------------------------------------------


@dataclass
class _Batch:
    issues: list[ImportIssue] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def bad(self, line: int, field_name: str | None, message: str) -> None:
        self.issues.append(ImportIssue(line=line, field=field_name, message=message))
        self.bad_lines.add(line)


class _Importer(ABC):
    """What every CSV importer shares; each kind parses and checks its own rows."""

    columns: ClassVar[tuple[str, ...]]
    required: ClassVar[frozenset[str]]
    entity: ClassVar[str]

    def __init__(self, session: AsyncSession, actor_id: int, publish_from: Database | None):
        self.session = session
        self.actor_id = actor_id
        self.publish_from = publish_from
        # In-file duplicates: hash of the natural key -> first line. Only hashes are kept so
        # that a long file stays small in memory (a 64-bit hash collision is negligible).
        self.seen: dict[int, int] = {}
        self.seen_ids: dict[int, int] = {}

    async def prepare(self) -> None:
        return None

    @abstractmethod
    def parse(self, row: dict[str, str]) -> Any:
        """One row as the importer's row type; raises _RowError naming the bad field."""

    @abstractmethod
    async def check(self, rows: list[tuple[int, Any]], batch: _Batch, write: bool) -> None:
        """Check a batch of parsed rows against the database, and write them when ``write``."""

    def claim(self, batch: _Batch, line: int, key: Any, what: str) -> bool:
        """False (and an issue) when ``key`` was already on an earlier line of the file."""
        digest = hash(key)
        first = self.seen.get(digest)
        if first is not None:
            batch.bad(line, None, f"{what} as line {first}")
            return False
        self.seen[digest] = line
        return True

    def claim_id(self, batch: _Batch, line: int, entity_id: int | None) -> bool:
        if entity_id is None:
            return True
        first = self.seen_ids.get(entity_id)
        if first is not None:
            batch.bad(line, "id", f"id {entity_id} is also on line {first}")
            return False
        self.seen_ids[entity_id] = line
        return True

    async def record(self, items: list[tuple[int, str, int, dict[str, Any]]]) -> None:
        await changes.record_many(
            self.session,
            service.PLATFORM_SCOPE,
            self.entity,
            items,
            self.actor_id,
            self.publish_from,
        )


@dataclass(slots=True)
class _CityRow:
    id: int | None
    version: int | None
    name: str
    name_lang: str
    translations: dict[str, str]
    country: str
    region_id: int | None


class _CityImporter(_Importer):
    columns = ("id", "name", "name_lang", *NAME_COLUMNS, "country", "region_id", "version")
    required = frozenset({"name", "country"})
    entity = "city"

    async def prepare(self) -> None:
        rows = await self.session.execute(select(col(Region.id), col(Region.country)))
        self.regions: dict[int, str] = {
            region_id: country for region_id, country in rows.all() if region_id is not None
        }

    def parse(self, row: dict[str, str]) -> _CityRow:
        country = _choice(row, "country", ("KR", "CN"), None)
        name_lang = _choice(row, "name_lang", LANGUAGES, DEFAULT_NAME_LANG[country])
        region_id = _int(row, "region_id")
        if region_id is not None:
            region_country = self.regions.get(region_id)
            if region_country is None:
                raise _RowError("region_id", f"no region {region_id}")
            if region_country != country:
                raise _RowError("region_id", f"region {region_id} is not in {country}")
        return _CityRow(
            id=_int(row, "id"),
            version=_int(row, "version"),
            name=_text(row, "name", 200, required=True),
            name_lang=name_lang,
            translations=_names(row, name_lang),
            country=country,
            region_id=region_id,
        )

    async def check(self, rows: list[tuple[int, Any]], batch: _Batch, write: bool) -> None:
        session = self.session
        ids = [r.id for _, r in rows if r.id is not None]
        existing = {
            c.id: c
            for c in (await session.execute(select(City).where(col(City.id).in_(ids)))).scalars()
        }
        names = sorted({r.name for _, r in rows})
        taken = {
            (c[1], c[2], c[3]): c[0]
            for c in (
                await session.execute(
                    select(
                        col(City.id), col(City.country), col(City.region_id), col(City.name)
                    ).where(col(City.name).in_(names))
                )
            ).all()
        }
        creates: list[tuple[int, _CityRow]] = []
        updates: list[tuple[City, _CityRow]] = []
        for line, r in rows:
            key = (r.country, r.region_id, r.name)
            ok = self.claim_id(batch, line, r.id)
            ok = self.claim(batch, line, key, "the same name, country and region") and ok
            current = None
            if r.id is not None:
                current = existing.get(r.id)
                if current is None:
                    batch.bad(line, "id", f"no city {r.id}")
                    continue
                if r.version is not None and r.version != current.version:
                    batch.bad(
                        line,
                        "version",
                        f"city {r.id} changed since the export (now version "
                        f"{current.version}, the file has {r.version})",
                    )
                    continue
                if current.country != r.country:
                    batch.bad(line, "country", "the country of a city cannot change")
                    continue
            holder = taken.get(key)
            if holder is not None and holder != r.id:
                batch.bad(line, "name", f"city {holder} already has this name, country and region")
                continue
            if not ok:
                continue
            if current is None:
                creates.append((line, r))
            elif (current.name, current.name_lang, current.translations, current.region_id) == (
                r.name,
                r.name_lang,
                r.translations,
                r.region_id,
            ):
                batch.unchanged += 1
            else:
                updates.append((current, r))
        batch.created += len(creates)
        batch.updated += len(updates)
        if not write or not (creates or updates):
            return
        now = utcnow()
        changed: list[tuple[int, str, int, dict[str, Any]]] = []
        if creates:
            values = [
                {
                    "name": r.name,
                    "name_lang": r.name_lang,
                    "translations": r.translations,
                    "country": r.country,
                    "region_id": r.region_id,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for _, r in creates
            ]
            new_ids = (
                await session.execute(
                    insert(City).returning(col(City.id), sort_by_parameter_order=True), values
                )
            ).scalars()
            for new_id, value in zip(new_ids, values, strict=True):
                read = CityRead(id=new_id, **{k: value[k] for k in _CITY_FIELDS}, version=1)
                changed.append((read.id, "created", 1, read.model_dump(mode="json")))
        for city, r in updates:
            assert city.id is not None
            city.name, city.name_lang, city.translations = r.name, r.name_lang, r.translations
            city.region_id = r.region_id
            city.version += 1
            city.updated_at = now
            session.add(city)
            changed.append(
                (city.id, "updated", city.version, service.city_read(city).model_dump(mode="json"))
            )
        await session.flush()
        await self.record(changed)


_CITY_FIELDS = ("name", "name_lang", "translations", "country", "region_id")


@dataclass(slots=True)
class _PartnershipRow:
    id: int | None
    version: int | None
    member_city_id: int
    partner_city_id: int
    kind: str
    signed_on: date | None
    status: str
    notes: str


class _PartnershipImporter(_Importer):
    columns = (
        "id",
        "member_city_id",
        "partner_city_id",
        "kind",
        "signed_on",
        "status",
        "notes",
        "version",
    )
    required = frozenset({"member_city_id", "partner_city_id", "kind"})
    entity = "partnership"

    def parse(self, row: dict[str, str]) -> _PartnershipRow:
        signed = row.get("signed_on", "")
        try:
            signed_on = date.fromisoformat(signed) if signed else None
        except ValueError:
            raise _RowError(
                "signed_on", f"signed_on must be a date YYYY-MM-DD, not {signed!r}"
            ) from None
        member = _int(row, "member_city_id", required=True)
        partner = _int(row, "partner_city_id", required=True)
        assert member is not None and partner is not None
        return _PartnershipRow(
            id=_int(row, "id"),
            version=_int(row, "version"),
            member_city_id=member,
            partner_city_id=partner,
            kind=_choice(row, "kind", ("sister", "friendly"), None),
            signed_on=signed_on,
            status=_choice(row, "status", ("active", "suspended", "ended"), "active"),
            notes=_text(row, "notes", 10000),
        )

    async def check(self, rows: list[tuple[int, Any]], batch: _Batch, write: bool) -> None:
        session = self.session
        city_ids = {r.member_city_id for _, r in rows} | {r.partner_city_id for _, r in rows}
        countries = {
            c[0]: c[1]
            for c in (
                await session.execute(
                    select(col(City.id), col(City.country)).where(col(City.id).in_(city_ids))
                )
            ).all()
        }
        ids = [r.id for _, r in rows if r.id is not None]
        existing = {
            p.id: p
            for p in (
                await session.execute(select(Partnership).where(col(Partnership.id).in_(ids)))
            ).scalars()
        }
        members = {r.member_city_id for _, r in rows}
        open_pairs = {
            (p[1], p[2]): p[0]
            for p in (
                await session.execute(
                    select(
                        col(Partnership.id),
                        col(Partnership.member_city_id),
                        col(Partnership.partner_city_id),
                    ).where(
                        col(Partnership.member_city_id).in_(members),
                        col(Partnership.status) != "ended",
                    )
                )
            ).all()
        }
        creates: list[_PartnershipRow] = []
        updates: list[tuple[Partnership, _PartnershipRow]] = []
        for line, r in rows:
            problems: list[tuple[str | None, str]] = []
            for name, city_id, country in (
                ("member_city_id", r.member_city_id, service.MEMBER_COUNTRY),
                ("partner_city_id", r.partner_city_id, service.PARTNER_COUNTRY),
            ):
                if city_id not in countries:
                    problems.append((name, f"no city {city_id}"))
                elif countries[city_id] != country:
                    problems.append((name, f"city {city_id} is not in {country}"))
            current = None
            if r.id is not None:
                current = existing.get(r.id)
                if current is None:
                    problems.append(("id", f"no partnership {r.id}"))
                elif r.version is not None and r.version != current.version:
                    problems.append(
                        (
                            "version",
                            f"partnership {r.id} changed since the export (now version "
                            f"{current.version}, the file has {r.version})",
                        )
                    )
                elif (current.member_city_id, current.partner_city_id) != (
                    r.member_city_id,
                    r.partner_city_id,
                ):
                    problems.append(("id", "the cities of a partnership cannot change"))
            pair = (r.member_city_id, r.partner_city_id)
            holder = open_pairs.get(pair)
            if r.status != "ended" and holder is not None and holder != r.id:
                problems.append((None, f"partnership {holder} between these cities has not ended"))
            for problem_field, message in problems:
                batch.bad(line, problem_field, message)
            ok = self.claim_id(batch, line, r.id)
            if r.status != "ended":
                ok = (
                    self.claim(
                        batch, line, ("open", *pair), "an open partnership of the same cities"
                    )
                    and ok
                )
            if problems or not ok:
                continue
            if current is None:
                creates.append(r)
            elif (current.kind, current.signed_on, current.status, current.notes) == (
                r.kind,
                r.signed_on,
                r.status,
                r.notes,
            ):
                batch.unchanged += 1
            else:
                updates.append((current, r))
        batch.created += len(creates)
        batch.updated += len(updates)
        if not write or not (creates or updates):
            return
        now = utcnow()
        changed: list[tuple[int, str, int, dict[str, Any]]] = []
        if creates:
            values = [
                {
                    "member_city_id": r.member_city_id,
                    "partner_city_id": r.partner_city_id,
                    "kind": r.kind,
                    "signed_on": r.signed_on,
                    "status": r.status,
                    "notes": r.notes,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in creates
            ]
            new_ids = (
                await session.execute(
                    insert(Partnership).returning(
                        col(Partnership.id), sort_by_parameter_order=True
                    ),
                    values,
                )
            ).scalars()
            for new_id, value in zip(new_ids, values, strict=True):
                read = PartnershipRead(
                    id=new_id,
                    **{k: v for k, v in value.items() if k not in ("created_at", "updated_at")},
                )
                changed.append((read.id, "created", 1, read.model_dump(mode="json")))
        for partnership, r in updates:
            assert partnership.id is not None
            partnership.kind, partnership.signed_on = r.kind, r.signed_on
            partnership.status, partnership.notes = r.status, r.notes
            partnership.version += 1
            partnership.updated_at = now
            session.add(partnership)
            changed.append(
                (
                    partnership.id,
                    "updated",
                    partnership.version,
                    partnerships.partnership_read(partnership).model_dump(mode="json"),
                )
            )
        await session.flush()
        await self.record(changed)


@dataclass(slots=True)
class _SectorRow:
    id: int | None
    version: int | None
    code: str
    name: str
    name_lang: str
    translations: dict[str, str]


class _SectorImporter(_Importer):
    """Sectors are matched by their stable ``code``: a known code updates, a new one creates."""

    columns = ("id", "code", "name", "name_lang", *NAME_COLUMNS, "version")
    required = frozenset({"code", "name"})
    entity = "sector"

    def parse(self, row: dict[str, str]) -> _SectorRow:
        code = _text(row, "code", 40, required=True)
        if not _CODE.fullmatch(code):
            raise _RowError("code", f"code must be lower-case a-z, 0-9 and _, not {code!r}")
        name_lang = _choice(row, "name_lang", LANGUAGES, "ko")
        return _SectorRow(
            id=_int(row, "id"),
            version=_int(row, "version"),
            code=code,
            name=_text(row, "name", 200, required=True),
            name_lang=name_lang,
            translations=_names(row, name_lang),
        )

    async def check(self, rows: list[tuple[int, Any]], batch: _Batch, write: bool) -> None:
        session = self.session
        codes = [r.code for _, r in rows]
        existing = {
            s.code: s
            for s in (
                await session.execute(select(Sector).where(col(Sector.code).in_(codes)))
            ).scalars()
        }
        creates: list[_SectorRow] = []
        updates: list[tuple[Sector, _SectorRow]] = []
        for line, r in rows:
            if not self.claim(batch, line, ("code", r.code), f"the code {r.code!r} is the same"):
                continue
            current = existing.get(r.code)
            if r.id is not None and (current is None or current.id != r.id):
                batch.bad(line, "id", f"sector {r.id} does not have the code {r.code!r}")
                continue
            if current is None:
                creates.append(r)
            elif r.version is not None and r.version != current.version:
                batch.bad(
                    line,
                    "version",
                    f"sector {r.code} changed since the export (now version {current.version}, "
                    f"the file has {r.version})",
                )
            elif (current.name, current.name_lang, current.translations) == (
                r.name,
                r.name_lang,
                r.translations,
            ):
                batch.unchanged += 1
            else:
                updates.append((current, r))
        batch.created += len(creates)
        batch.updated += len(updates)
        if not write or not (creates or updates):
            return
        now = utcnow()
        changed: list[tuple[int, str, int, dict[str, Any]]] = []
        for r in creates:
            sector = Sector(
                code=r.code,
                name=r.name,
                name_lang=r.name_lang,
                translations=r.translations,
                created_at=now,
                updated_at=now,
            )
            session.add(sector)
            await session.flush()
            assert sector.id is not None
            changed.append((sector.id, "created", 1, _sector_data(sector)))
        for sector, r in updates:
            assert sector.id is not None
            sector.name, sector.name_lang, sector.translations = r.name, r.name_lang, r.translations
            sector.version += 1
            sector.updated_at = now
            session.add(sector)
            changed.append((sector.id, "updated", sector.version, _sector_data(sector)))
        await session.flush()
        await self.record(changed)


def _sector_data(sector: Sector) -> dict[str, Any]:
    data: dict[str, Any] = SectorRead.model_validate(sector, from_attributes=True).model_dump(
        mode="json"
    )
    return data


@dataclass(slots=True)
class _CounterpartRow:
    partnership_id: int
    sector_id: int
    kr_user_id: int
    cn_user_id: int


class _CounterpartImporter(_Importer):
    """Each row sets the current pair of a (partnership, sector) slot: a new slot starts a
    pair, other holders end the current pair and start the next. ``id`` and ``started_at``
    are written by the export and ignored here."""

    columns = ("id", "partnership_id", "sector_id", "kr_user_id", "cn_user_id", "started_at")
    required = frozenset({"partnership_id", "sector_id", "kr_user_id", "cn_user_id"})
    entity = "counterpart"

    def parse(self, row: dict[str, str]) -> _CounterpartRow:
        values = [_int(row, name, required=True) for name in self.columns[1:5]]
        partnership_id, sector_id, kr_user_id, cn_user_id = (v or 0 for v in values)
        return _CounterpartRow(partnership_id, sector_id, kr_user_id, cn_user_id)

    async def check(self, rows: list[tuple[int, Any]], batch: _Batch, write: bool) -> None:
        session = self.session
        for line, r in rows:
            if not self.claim(
                batch,
                line,
                ("slot", r.partnership_id, r.sector_id),
                "the same partnership and sector",
            ):
                continue
            try:
                await counterparts._check_slot(session, r.partnership_id, r.sector_id)
            except AppError as exc:
                batch.bad(line, _field_of(exc), service.problem_for(exc))
                continue
            bad = False
            for name, user_id, country in (
                ("kr_user_id", r.kr_user_id, "KR"),
                ("cn_user_id", r.cn_user_id, "CN"),
            ):
                try:
                    await counterparts.check_official(session, user_id, country, name)
                except AppError as exc:
                    batch.bad(line, name, service.problem_for(exc))
                    bad = True
            if bad:
                continue
            current = await counterparts.current_counterpart(session, r.partnership_id, r.sector_id)
            if current is not None and (current.kr_user_id, current.cn_user_id) == (
                r.kr_user_id,
                r.cn_user_id,
            ):
                batch.unchanged += 1
                continue
            if current is None:
                batch.created += 1
            else:
                batch.updated += 1
            if not write:
                continue
            # Few rows, and each may end a pair: written one by one through the service.
            if current is None:
                await counterparts._start_counterpart(
                    session,
                    r.partnership_id,
                    r.sector_id,
                    r.kr_user_id,
                    r.cn_user_id,
                    at=utcnow(),
                    previous_id=None,
                    actor_id=self.actor_id,
                )
            else:
                await counterparts.replace_counterpart(
                    session, current, r.kr_user_id, r.cn_user_id, actor_id=self.actor_id
                )


def _field_of(exc: AppError) -> str | None:
    errors = exc.extra.get("errors") or []
    return str(errors[0]["field"]) if errors else None


_IMPORTERS: dict[str, type[_Importer]] = {
    "cities": _CityImporter,
    "partnerships": _PartnershipImporter,
    "sectors": _SectorImporter,
    "counterparts": _CounterpartImporter,
}


def _importer(kind: str) -> type[_Importer]:
    importer = _IMPORTERS.get(kind)
    if importer is None:
        raise NotFound(f"No CSV import for {kind!r}; there are: {', '.join(KINDS)}.")
    return importer


async def import_csv(
    session: AsyncSession,
    actor: Principal,
    kind: str,
    file: IO[bytes],
    *,
    dry_run: bool,
    ip: str | None,
    publish_from: Database | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Check (and unless ``dry_run``, write) every row of ``file``; any bad row raises an
    ``InvalidInput`` listing the bad rows, and the caller's rollback undoes the batches
    already written. ``publish_from``: where to read the new changes back from, after commit,
    to publish them."""
    service.require_admin(actor)
    importer_class = _importer(kind)
    importer = importer_class(session, actor.user_id, publish_from)
    await importer.prepare()
    totals = _Batch()
    issues: list[ImportIssue] = []
    bad_rows = 0
    rows = 0
    pending: list[tuple[int, Any]] = []

    async def flush_pending() -> None:
        nonlocal bad_rows
        batch = _Batch()
        await importer.check(pending, batch, write=not dry_run and bad_rows == 0)
        pending.clear()
        bad_rows += len(batch.bad_lines)
        issues.extend(batch.issues[: max(0, MAX_REPORTED_ISSUES - len(issues))])
        totals.created += batch.created
        totals.updated += batch.updated
        totals.unchanged += batch.unchanged

    for line, row in read_rows(file, importer_class.columns, importer_class.required):
        rows += 1
        if isinstance(row, _RowError):
            parsed: Any = row
        else:
            try:
                parsed = importer.parse(row)
            except _RowError as exc:
                parsed = exc
        if isinstance(parsed, _RowError):
            bad_rows += 1
            if len(issues) < MAX_REPORTED_ISSUES:
                issues.append(ImportIssue(line=line, field=parsed.field, message=parsed.message))
            continue
        pending.append((line, parsed))
        if len(pending) >= batch_size:
            await flush_pending()
    if pending:
        await flush_pending()
    if bad_rows:
        issues.sort(key=lambda issue: issue.line)
        raise InvalidInput(
            f"{bad_rows} of {rows} rows are wrong; nothing was imported. Fix the rows listed "
            "and import the file again.",
            code="csv_invalid_rows",
            rows=rows,
            bad_rows=bad_rows,
            errors=[issue.model_dump() for issue in issues],
            errors_truncated=bad_rows > len({issue.line for issue in issues}),
        )
    report = ImportReport(
        kind=kind,
        dry_run=dry_run,
        rows=rows,
        created=totals.created,
        updated=totals.updated,
        unchanged=totals.unchanged,
    )
    if not dry_run:
        await service.audit(
            session,
            actor,
            "directory.imported",
            ip,
            kind,
            None,
            rows=rows,
            created=report.created,
            updated=report.updated,
        )
    return report


# ---- export -----------------------------------------------------------------------------

PAGE = 1000


def _csv_text(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else _escape(v) if isinstance(v, str) else v for v in row])
    return out.getvalue()


def _city_row(city: City) -> list[Any]:
    return [
        city.id,
        city.name,
        city.name_lang,
        *_name_columns(city.translations),
        city.country,
        city.region_id,
        city.version,
    ]


def _partnership_row(p: Partnership) -> list[Any]:
    signed = p.signed_on.isoformat() if p.signed_on else None
    return [p.id, p.member_city_id, p.partner_city_id, p.kind, signed, p.status, p.notes, p.version]


def _sector_row(s: Sector) -> list[Any]:
    return [s.id, s.code, s.name, s.name_lang, *_name_columns(s.translations), s.version]


def _counterpart_row(c: Counterpart) -> list[Any]:
    return [
        c.id,
        c.partnership_id,
        c.sector_id,
        c.kr_user_id,
        c.cn_user_id,
        c.started_at.isoformat(),
    ]


_EXPORTS: dict[str, tuple[Any, Any]] = {
    "cities": (City, _city_row),
    "partnerships": (Partnership, _partnership_row),
    "sectors": (Sector, _sector_row),
    "counterparts": (Counterpart, _counterpart_row),
}


async def export_csv(session: AsyncSession, kind: str) -> AsyncIterator[bytes]:
    """The CSV file of ``kind`` in chunks (UTF-8 with a byte order mark), page by page.
    Counterparts: the current pairs only."""
    model, to_row = _EXPORTS[kind]
    columns = _importer(kind).columns
    yield ("\ufeff" + _csv_text([list(columns)])).encode()
    after = 0
    while True:
        query = select(model).where(col(model.id) > after).order_by(col(model.id)).limit(PAGE)
        if model is Counterpart:
            query = query.where(col(Counterpart.ended_at).is_(None))
        items = list((await session.execute(query)).scalars())
        if not items:
            return
        yield _csv_text([to_row(item) for item in items]).encode()
        after = items[-1].id
        session.expunge_all()
