"""The change log: one row per write, in commit order, read by everything that moves data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from server.core.types import UTCDateTime


class Change(SQLModel, table=True):
    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_scope_seq", "scope", "seq"),)

    # Allocated from ChangeCounter inside the writing transaction, never by the database's
    # autoincrement: the counter row lock makes commit order and seq order agree.
    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    scope: str = Field(max_length=64)
    entity: str = Field(max_length=40)
    entity_id: int = Field(sa_type=BigInteger)
    op: str = Field(max_length=10)
    version: int
    data: str = Field(sa_column=Column(Text, nullable=False))  # JSON, as the REST GET shows it
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    client_id: str | None = Field(default=None, max_length=64)
    mutation_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ChangeCounter(SQLModel, table=True):
    __tablename__ = "change_counter"

    id: int = Field(primary_key=True)
    last_seq: int = Field(sa_type=BigInteger, default=0)


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """A committed change as it travels to subscribers; ``wire`` is serialized once."""

    seq: int
    scope: str
    entity: str
    entity_id: int
    op: str
    version: int
    wire: str

    @classmethod
    def build(
        cls,
        *,
        seq: int,
        scope: str,
        entity: str,
        entity_id: int,
        op: str,
        version: int,
        data_json: str,
        mutation_id: str | None = None,
    ) -> ChangeEvent:
        head = {
            "type": "change",
            "seq": seq,
            "scope": scope,
            "entity": entity,
            "id": entity_id,
            "op": op,
            "version": version,
        }
        if mutation_id is not None:
            head["mutation_id"] = mutation_id
        # data is already JSON text: splice it in rather than parse and re-serialize it.
        wire = orjson.dumps(head).decode()[:-1] + ',"data":' + data_json + "}"
        return cls(seq, scope, entity, entity_id, op, version, wire)

    @classmethod
    def from_row(cls, row: Change) -> ChangeEvent:
        return cls.build(
            seq=row.seq,
            scope=row.scope,
            entity=row.entity,
            entity_id=row.entity_id,
            op=row.op,
            version=row.version,
            data_json=row.data,
            mutation_id=row.mutation_id,
        )

    def to_dict(self) -> dict[str, object]:
        value: dict[str, object] = orjson.loads(self.wire)
        return value
