"""Exporting a kind as a CSV file that imports back unchanged."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.directory.csvio import cells, importing
from server.directory.models import (
    City,
    Counterpart,
    Partnership,
    Sector,
)

PAGE = 1000


def _csv_text(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            ["" if v is None else cells.escape(v) if isinstance(v, str) else v for v in row]
        )
    return out.getvalue()


def _city_row(city: City) -> list[Any]:
    return [
        city.id,
        city.name,
        city.name_lang,
        *cells.name_columns(city.translations),
        city.country,
        city.region_id,
        city.version,
    ]


def _partnership_row(p: Partnership) -> list[Any]:
    signed = p.signed_on.isoformat() if p.signed_on else None
    return [p.id, p.member_city_id, p.partner_city_id, p.kind, signed, p.status, p.notes, p.version]


def _sector_row(s: Sector) -> list[Any]:
    return [s.id, s.code, s.name, s.name_lang, *cells.name_columns(s.translations), s.version]


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
    columns = importing.importer_for(kind).columns
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
