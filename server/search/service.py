"""Index documents in the writer's transaction (searchable as soon as it commits) and query
them, filtered by what the caller may see."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import TextClause
from sqlmodel import col

from server.core.db import table_of
from server.core.types import utcnow
from server.search.highlight import highlight
from server.search.models import SearchDocument, SearchHit
from server.search.text import fts5_match_expression, index_terms, tsquery_expression

MAX_QUERY_CHARS = 200


@dataclass
class SearchPage:
    hits: list[SearchHit]
    more: bool  # further hits follow these


# Kinds whose title belongs to another entity (shown beside the hit, not searched).
CONTEXT_TITLE_KINDS = frozenset({"message"})


@dataclass(frozen=True)
class Document:
    """One entity's searchable text: what :func:`index` takes, for :func:`index_all`."""

    kind: str
    entity_id: int
    texts: Sequence[str]
    title: str = ""
    channel_id: int | None = None
    thread_id: int | None = None
    meeting_id: int | None = None

    def values(self) -> dict[str, object]:
        # A message's title is its thread's, kept for display only: indexing it would make
        # every message of a thread match the thread's title (the thread has its own document).
        searchable_title = "" if self.kind in CONTEXT_TITLE_KINDS else self.title
        content = "\n".join(t for t in (searchable_title, *self.texts) if t)
        return {
            "kind": self.kind,
            "entity_id": self.entity_id,
            "channel_id": self.channel_id,
            "thread_id": self.thread_id,
            "meeting_id": self.meeting_id,
            "title": self.title[:300],
            "content": content,
            "terms": index_terms(content),
            "updated_at": utcnow(),
        }


async def index(
    session: AsyncSession,
    kind: str,
    entity_id: int,
    *,
    title: str = "",
    texts: Sequence[str],
    channel_id: int | None = None,
    thread_id: int | None = None,
    meeting_id: int | None = None,
) -> None:
    """Insert or replace the document of one entity (its text and all its translations)."""
    await index_all(
        session,
        [Document(kind, entity_id, texts, title, channel_id, thread_id, meeting_id)],
    )


async def index_all(session: AsyncSession, documents: Sequence[Document]) -> None:
    """:func:`index` for several documents, in one statement."""
    if not documents:
        return
    rows = [document.values() for document in documents]
    connection = await session.connection()
    await connection.execute(_upsert(connection.dialect.name), rows[0] if len(rows) == 1 else rows)


_DOCUMENTS = table_of(SearchDocument)
_UPDATED_COLUMNS = (
    "channel_id",
    "thread_id",
    "meeting_id",
    "title",
    "content",
    "terms",
    "updated_at",
)
_UPSERTS: dict[str, Insert] = {}


def _upsert(dialect: str) -> Insert:
    """The insert-or-replace of one document, built once per dialect: every message posted
    runs it, and building it anew (with its ON CONFLICT clause) cost more than running it."""
    statement = _UPSERTS.get(dialect)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        base = insert(_DOCUMENTS)
        statement = _UPSERTS[dialect] = base.on_conflict_do_update(
            index_elements=["kind", "entity_id"],
            set_={name: base.excluded[name] for name in _UPDATED_COLUMNS},
        )
    return statement


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def remove(session: AsyncSession, kind: str, entity_id: int) -> None:
    await session.execute(
        delete(SearchDocument).where(
            col(SearchDocument.kind) == kind, col(SearchDocument.entity_id) == entity_id
        )
    )


async def search(
    session: AsyncSession,
    query: str,
    *,
    kinds: Collection[str],
    channel_ids: Collection[int],
    meeting_ids: Collection[int] = (),
    limit: int = 30,
    offset: int = 0,
) -> SearchPage:
    """Up to ``limit`` ranked hits among documents in the given channels or meetings only,
    from the ``offset``-th best on, and whether more follow."""
    query = query.strip()[:MAX_QUERY_CHARS]
    if not query or (not channel_ids and not meeting_ids):
        return SearchPage([], more=False)
    prepared = search_statement(
        _dialect(session),
        query,
        kinds=kinds,
        channel_ids=channel_ids,
        meeting_ids=meeting_ids,
        limit=limit + 1,  # one more row tells whether another page follows
        offset=offset,
    )
    if prepared is None:
        return SearchPage([], more=False)
    statement, params = prepared
    rows = (await session.execute(statement, params)).all()
    hits = [
        SearchHit(
            kind=row.kind,
            id=row.entity_id,
            title=row.title,
            snippet_html=highlight(row.content, query),
            channel_id=row.channel_id,
            thread_id=row.thread_id,
            meeting_id=row.meeting_id,
            rank=float(row.rank),
        )
        for row in rows[:limit]
    ]
    return SearchPage(hits, more=len(rows) > limit)


def search_statement(
    dialect: str,
    query: str,
    *,
    kinds: Collection[str],
    channel_ids: Collection[int],
    meeting_ids: Collection[int],
    limit: int,
    offset: int = 0,
) -> tuple[TextClause, dict[str, object]] | None:
    """The ranked query of :func:`search` and its parameters; None when the query has no
    searchable term."""
    params: dict[str, object] = {"limit": limit, "offset": offset, "kinds": sorted(kinds)}
    scope_filters = []
    if channel_ids:
        params["channel_ids"] = list(channel_ids)
        scope_filters.append("d.channel_id IN :channel_ids")
    if meeting_ids:
        params["meeting_ids"] = list(meeting_ids)
        scope_filters.append("d.meeting_id IN :meeting_ids")
    where_scope = "(" + " OR ".join(scope_filters) + ")"
    if dialect == "postgresql":
        expression = tsquery_expression(query)
        if expression is None:
            return None
        # terms_vector is stored (migration 0008): ranking reads it instead of recomputing
        # to_tsvector for every candidate row.
        sql = (
            "SELECT d.id, d.kind, d.entity_id, d.title, d.content, d.channel_id, d.thread_id,"
            " d.meeting_id, ts_rank(d.terms_vector, q) AS rank"
            " FROM search_documents d, to_tsquery('simple', :q) q"
            f" WHERE d.terms_vector @@ q AND d.kind IN :kinds AND {where_scope}"
            " ORDER BY rank DESC, d.id DESC LIMIT :limit OFFSET :offset"
        )
    else:
        expression = fts5_match_expression(query)
        if expression is None:
            return None
        # bm25() is lower for better matches; negate it so that higher is better everywhere.
        sql = (
            "SELECT d.id, d.kind, d.entity_id, d.title, d.content, d.channel_id, d.thread_id,"
            " d.meeting_id, -bm25(search_fts) AS rank"
            " FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid"
            f" WHERE search_fts MATCH :q AND d.kind IN :kinds AND {where_scope}"
            " ORDER BY rank DESC, d.id DESC LIMIT :limit OFFSET :offset"
        )
    params["q"] = expression
    expanding = ["kinds"] + [k for k in ("channel_ids", "meeting_ids") if k in params]
    statement = text(sql).bindparams(*(bindparam(name, expanding=True) for name in expanding))
    return statement, params


async def documents_for(session: AsyncSession, kind: str, entity_id: int) -> SearchDocument | None:
    result = await session.execute(
        select(SearchDocument).where(
            col(SearchDocument.kind) == kind, col(SearchDocument.entity_id) == entity_id
        )
    )
    return result.scalar_one_or_none()
