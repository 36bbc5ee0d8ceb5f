"""Importing sectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from server.core.i18n import LANGUAGES
from server.core.types import utcnow
from server.directory.csvio import base, cells
from server.directory.models import Sector, SectorRead


@dataclass(slots=True)
class _SectorRow:
    id: int | None
    version: int | None
    code: str
    name: str
    name_lang: str
    translations: dict[str, str]


class SectorImporter(base.Importer):
    """Sectors are matched by their stable ``code``: a known code updates, a new one creates."""

    columns = ("id", "code", "name", "name_lang", *cells.NAME_COLUMNS, "version")
    required = frozenset({"code", "name"})
    entity = "sector"

    def parse(self, row: dict[str, str]) -> _SectorRow:
        code = cells.text_cell(row, "code", 40, required=True)
        if not cells.SECTOR_CODE.fullmatch(code):
            raise cells.RowError("code", f"code must be lower-case a-z, 0-9 and _, not {code!r}")
        name_lang = cells.choice_cell(row, "name_lang", LANGUAGES, "ko")
        return _SectorRow(
            id=cells.int_cell(row, "id"),
            version=cells.int_cell(row, "version"),
            code=code,
            name=cells.text_cell(row, "name", 200, required=True),
            name_lang=name_lang,
            translations=cells.name_cells(row, name_lang),
        )

    async def check(self, rows: list[tuple[int, Any]], batch: base.Batch, write: bool) -> None:
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
