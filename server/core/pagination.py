"""Cursor pagination: every list answers ``{items, next_cursor}``; cursors are opaque."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import BigInteger, Select
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import InvalidInput
from server.core.types import MAX_BIG_ID, MAX_ID

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, maximum: int = MAX_BIG_ID) -> int | None:
    """The position after which the next page starts, or None for the first page. A position
    past ``maximum`` (the largest id of the column) was never given out, and the database could
    not compare it."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, value = raw.partition(":")
        if version != "v1":
            raise ValueError(version)
        position = int(value)
        if not 0 <= position <= maximum:
            raise ValueError(value)
        return position
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "The cursor is not one this server gave out.", code="bad_cursor"
        ) from None


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise InvalidInput("limit must be at least 1.", code="bad_limit")
    return min(limit, MAX_LIMIT)


async def keyset_page(
    session: AsyncSession,
    query: Select[Any],
    id_column: Any,
    cursor: str | None,
    limit: int | None,
    *,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of ``query`` ordered by ``id_column`` (unique), and the next page's cursor."""
    size = clamp_limit(limit)
    after = decode_cursor(cursor, MAX_BIG_ID if isinstance(id_column.type, BigInteger) else MAX_ID)
    if after is not None:
        query = query.where(id_column < after if descending else id_column > after)
    query = query.order_by(id_column.desc() if descending else id_column).limit(size + 1)
    rows = list((await session.execute(query)).scalars().all())
    next_cursor = None
    if len(rows) > size:
        next_cursor = encode_cursor(getattr(rows[size - 1], id_column.key))
    return rows[:size], next_cursor
