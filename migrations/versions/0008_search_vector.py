"""search: PostgreSQL keeps each document's tsvector in a stored column

The GIN index of 0002 was over the expression ``to_tsvector('simple', terms)``. The index found
the documents, but ranking them (``ts_rank``) and any plan that filtered by channel first
recomputed the vector of every candidate row: a word found in a fifth of 100,000 messages
took over half a second to search. A generated column keeps the vector once, when the row is
written; the GIN index is over that column, with ``fastupdate`` off so that a new message is
in the index itself at once rather than in a pending list that every search would then scan.
SQLite (FTS5) is unchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE search_documents ADD COLUMN terms_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED"
    )
    op.execute("DROP INDEX ix_search_documents_terms")
    op.execute(
        "CREATE INDEX ix_search_documents_terms_vector ON search_documents "
        "USING gin (terms_vector) WITH (fastupdate = off)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_documents_terms_vector")
    op.execute("ALTER TABLE search_documents DROP COLUMN terms_vector")
    op.execute(
        "CREATE INDEX ix_search_documents_terms ON search_documents "
        "USING gin (to_tsvector('simple', terms))"
    )
