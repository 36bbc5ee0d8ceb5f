"""What every importer shares: batches of checked rows, issues by line, change rows in batches."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from server.changes import service as changes
from server.core.db import Database
from server.core.errors import AppError
from server.directory import service
from server.directory.models import ImportIssue


@dataclass
class Batch:
    issues: list[ImportIssue] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def bad(self, line: int, field_name: str | None, message: str) -> None:
        self.issues.append(ImportIssue(line=line, field=field_name, message=message))
        self.bad_lines.add(line)


class Importer(ABC):
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
        """One row as the importer's row type; raises cells.RowError naming the bad field."""

    @abstractmethod
    async def check(self, rows: list[tuple[int, Any]], batch: Batch, write: bool) -> None:
        """Check a batch of parsed rows against the database, and write them when ``write``."""

    def claim(self, batch: Batch, line: int, key: Any, what: str) -> bool:
        """False (and an issue) when ``key`` was already on an earlier line of the file."""
        digest = hash(key)
        first = self.seen.get(digest)
        if first is not None:
            batch.bad(line, None, f"{what} as line {first}")
            return False
        self.seen[digest] = line
        return True

    def claim_id(self, batch: Batch, line: int, entity_id: int | None) -> bool:
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


def field_of(exc: AppError) -> str | None:
    errors = exc.extra.get("errors") or []
    return str(errors[0]["field"]) if errors else None
