"""messages: the (thread, id) index also carries the author and the deletion time

Unread counts (the channel list, a channel, its threads) count, per thread, the others'
messages not deleted after the reader's mark. With only (thread_id, id) in the index, each
counted message was also read from the table for its author and deletion time. With both in
the index the count reads the index alone: with 100,000 messages, the channel list took 50 ms
on SQLite and 42 ms on PostgreSQL, now 9 ms and 16 ms (docs/benchmarks.md). Listing a
thread's messages uses the same index, as before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_thread")
        batch_op.create_index(
            "ix_messages_thread", ["thread_id", "id", "author_id", "deleted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_thread")
        batch_op.create_index("ix_messages_thread", ["thread_id", "id"], unique=False)
