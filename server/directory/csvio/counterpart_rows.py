"""Importing counterparts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.core.errors import AppError
from server.core.types import utcnow
from server.directory import counterparts, service
from server.directory.csvio import base, cells


@dataclass(slots=True)
class _CounterpartRow:
    partnership_id: int
    sector_id: int
    kr_user_id: int
    cn_user_id: int


class CounterpartImporter(base.Importer):
    """Each row sets the current pair of a (partnership, sector) slot: a new slot starts a
    pair, other holders end the current pair and start the next. ``id`` and ``started_at``
    are written by the export and ignored here."""

    columns = ("id", "partnership_id", "sector_id", "kr_user_id", "cn_user_id", "started_at")
    required = frozenset({"partnership_id", "sector_id", "kr_user_id", "cn_user_id"})
    entity = "counterpart"

    def parse(self, row: dict[str, str]) -> _CounterpartRow:
        values = [cells.int_cell(row, name, required=True) for name in self.columns[1:5]]
        partnership_id, sector_id, kr_user_id, cn_user_id = (v or 0 for v in values)
        return _CounterpartRow(partnership_id, sector_id, kr_user_id, cn_user_id)

    async def check(self, rows: list[tuple[int, Any]], batch: base.Batch, write: bool) -> None:
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
                batch.bad(line, base.field_of(exc), service.problem_for(exc))
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
