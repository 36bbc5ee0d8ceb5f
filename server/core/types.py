"""Column and field types shared by every domain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Row ids are 32-bit integer columns on PostgreSQL (messages: 64-bit). An id outside that range
# names no row, and the database cannot even compare one past it (PostgreSQL and SQLite refuse
# the parameter): every id a request carries (path, query, body) is one of these types, and one
# out of range is refused with 422 up front.
MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
BigId = Annotated[int, Field(ge=1, le=MAX_BIG_ID)]


# Text that people or clients send. PostgreSQL cannot store U+0000 in text (SQLite can, so it
# would work there and fail in production): every free-text field of a request is this type.
# (A pattern, not a validator function, so that length limits keep their own messages.)
NUL_FREE = r"^[^\x00]*$"
NulFreeStr = Annotated[str, StringConstraints(pattern=NUL_FREE)]


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep its value")
    return value


class _NotNull:
    """Marks an update field that may be left out (kept as it is) but not set to null, as its
    column cannot hold it: ``name: Annotated[str | None, NotNull] = None``. The API document
    does not offer null for it either."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(_refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        branches = [b for b in json_schema.get("anyOf", []) if b != {"type": "null"}]
        if len(branches) == 1:
            del json_schema["anyOf"]
            json_schema.update(branches[0])
        return json_schema


NotNull = _NotNull()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which drops the zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times in UTC with a zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def utcnow() -> datetime:
    return datetime.now(UTC)
