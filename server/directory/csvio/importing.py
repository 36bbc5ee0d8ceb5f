"""The import driver: one kind, one file, all rows or none."""

from __future__ import annotations

from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.core.db import Database
from server.core.errors import InvalidInput, NotFound
from server.directory import service
from server.directory.csvio import (
    base,
    cells,
    city_rows,
    counterpart_rows,
    partnership_rows,
    sector_rows,
)
from server.directory.models import ImportIssue, ImportReport
from server.identity.service import Principal

_IMPORTERS: dict[str, type[base.Importer]] = {
    "cities": city_rows.CityImporter,
    "partnerships": partnership_rows.PartnershipImporter,
    "sectors": sector_rows.SectorImporter,
    "counterparts": counterpart_rows.CounterpartImporter,
}


def importer_for(kind: str) -> type[base.Importer]:
    importer = _IMPORTERS.get(kind)
    if importer is None:
        raise NotFound(f"No CSV import for {kind!r}; there are: {', '.join(cells.KINDS)}.")
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
    batch_size: int = cells.BATCH_SIZE,
) -> ImportReport:
    """Check (and unless ``dry_run``, write) every row of ``file``; any bad row raises an
    ``InvalidInput`` listing the bad rows, and the caller's rollback undoes the batches
    already written. ``publish_from``: where to read the new changes back from, after commit,
    to publish them."""
    service.require_admin(actor)
    importer_class = importer_for(kind)
    importer = importer_class(session, actor.user_id, publish_from)
    await importer.prepare()
    totals = base.Batch()
    issues: list[ImportIssue] = []
    bad_rows = 0
    rows = 0
    pending: list[tuple[int, Any]] = []

    async def flush_pending() -> None:
        nonlocal bad_rows
        batch = base.Batch()
        await importer.check(pending, batch, write=not dry_run and bad_rows == 0)
        pending.clear()
        bad_rows += len(batch.bad_lines)
        issues.extend(batch.issues[: max(0, cells.MAX_REPORTED_ISSUES - len(issues))])
        totals.created += batch.created
        totals.updated += batch.updated
        totals.unchanged += batch.unchanged

    for line, row in cells.read_rows(file, importer_class.columns, importer_class.required):
        rows += 1
        if isinstance(row, cells.RowError):
            parsed: Any = row
        else:
            try:
                parsed = importer.parse(row)
            except cells.RowError as exc:
                parsed = exc
        if isinstance(parsed, cells.RowError):
            bad_rows += 1
            if len(issues) < cells.MAX_REPORTED_ISSUES:
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
