"""Importing cities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from server.core.i18n import LANGUAGES
from server.core.types import utcnow
from server.directory import service
from server.directory.csvio import base, cells
from server.directory.models import (
    DEFAULT_NAME_LANG,
    City,
    CityRead,
    Region,
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


class CityImporter(base.Importer):
    columns = ("id", "name", "name_lang", *cells.NAME_COLUMNS, "country", "region_id", "version")
    required = frozenset({"name", "country"})
    entity = "city"

    async def prepare(self) -> None:
        rows = await self.session.execute(select(col(Region.id), col(Region.country)))
        self.regions: dict[int, str] = {
            region_id: country for region_id, country in rows.all() if region_id is not None
        }

    def parse(self, row: dict[str, str]) -> _CityRow:
        country = cells.choice_cell(row, "country", ("KR", "CN"), None)
        name_lang = cells.choice_cell(row, "name_lang", LANGUAGES, DEFAULT_NAME_LANG[country])
        region_id = cells.int_cell(row, "region_id")
        if region_id is not None:
            region_country = self.regions.get(region_id)
            if region_country is None:
                raise cells.RowError("region_id", f"no region {region_id}")
            if region_country != country:
                raise cells.RowError("region_id", f"region {region_id} is not in {country}")
        return _CityRow(
            id=cells.int_cell(row, "id"),
            version=cells.int_cell(row, "version"),
            name=cells.text_cell(row, "name", 200, required=True),
            name_lang=name_lang,
            translations=cells.name_cells(row, name_lang),
            country=country,
            region_id=region_id,
        )

    async def check(self, rows: list[tuple[int, Any]], batch: base.Batch, write: bool) -> None:
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
