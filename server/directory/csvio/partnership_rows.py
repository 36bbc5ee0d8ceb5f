"""Importing partnerships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from server.core.types import utcnow
from server.directory import partnerships, service
from server.directory.csvio import base, cells
from server.directory.models import City, Partnership, PartnershipRead


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


class PartnershipImporter(base.Importer):
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
            raise cells.RowError(
                "signed_on", f"signed_on must be a date YYYY-MM-DD, not {signed!r}"
            ) from None
        member = cells.int_cell(row, "member_city_id", required=True)
        partner = cells.int_cell(row, "partner_city_id", required=True)
        assert member is not None and partner is not None
        return _PartnershipRow(
            id=cells.int_cell(row, "id"),
            version=cells.int_cell(row, "version"),
            member_city_id=member,
            partner_city_id=partner,
            kind=cells.choice_cell(row, "kind", ("sister", "friendly"), None),
            signed_on=signed_on,
            status=cells.choice_cell(row, "status", ("active", "suspended", "ended"), "active"),
            notes=cells.text_cell(row, "notes", 10000),
        )

    async def check(self, rows: list[tuple[int, Any]], batch: base.Batch, write: bool) -> None:
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
