"""meeting series: recurring bodies of meetings, their member partnerships

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("name_lang", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "meeting_series_partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["meeting_series.id"]),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_id", "partnership_id", name="uq_series_partnership"),
    )
    op.create_index(
        "ix_meeting_series_partnerships_series_id",
        "meeting_series_partnerships",
        ["series_id"],
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_meetings_series_id", "meeting_series", ["series_id"], ["id"]
        )
        batch_op.create_index("ix_meetings_series_id", ["series_id"])


def downgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_meetings_series_id")
        batch_op.drop_constraint("fk_meetings_series_id", type_="foreignkey")
        batch_op.drop_column("series_id")
    op.drop_index(
        "ix_meeting_series_partnerships_series_id", table_name="meeting_series_partnerships"
    )
    op.drop_table("meeting_series_partnerships")
    op.drop_table("meeting_series")
