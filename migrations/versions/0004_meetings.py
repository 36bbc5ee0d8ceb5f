"""meetings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('title_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('online_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('agenda_version', sa.Integer(), nullable=False),
    sa.Column('minutes_version', sa.Integer(), nullable=False),
    sa.Column('minutes_amendment', sa.Integer(), nullable=False),
    sa.Column('approved_amendment', sa.Integer(), nullable=True),
    sa.Column('approved_snapshot', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_channel_starts', ['channel_id', 'starts_at'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('title_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('presenter_id', sa.Integer(), nullable=True),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('attachment_ids', sa.JSON(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['presenter_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index('ix_agenda_items_meeting', ['meeting_id', 'position'], unique=False)

    op.create_table('meeting_delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'organization_id', name='uq_meeting_delegation')
    )
    with op.batch_alter_table('meeting_delegations', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_delegations_org', ['organization_id'], unique=False)

    op.create_table('meeting_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('attendance', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'user_id', name='uq_meeting_participant')
    )
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_participants_user', ['user_id'], unique=False)

    op.create_table('minutes_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('amendment', sa.Integer(), nullable=False),
    sa.Column('minutes_version', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('minutes_approvals', schema=None) as batch_op:
        batch_op.create_index('ix_minutes_approvals_meeting', ['meeting_id', 'amendment'], unique=False)

    op.create_table('minutes_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('proposal', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('minutes_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_uploads_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('amendment', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_decisions_meeting', ['meeting_id'], unique=False)

    op.create_table('minutes_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('notes_html', sa.Text(), nullable=False),
    sa.Column('notes_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('minutes_sections', schema=None) as batch_op:
        batch_op.create_index('ix_minutes_sections_meeting', ['meeting_id'], unique=False)

    op.create_table('action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('title_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['decision_id'], ['meeting_decisions.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.create_index('ix_action_items_meeting', ['meeting_id'], unique=False)
        batch_op.create_index('ix_action_items_owner', ['owner_id', 'status'], unique=False)

    op.create_table('minutes_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('minutes_version', sa.Integer(), nullable=False),
    sa.Column('amendment', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('notes_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('edited_by', sa.Integer(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edited_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['section_id'], ['minutes_sections.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('minutes_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_minutes_revisions_meeting', ['meeting_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('minutes_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_minutes_revisions_meeting')

    op.drop_table('minutes_revisions')
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_index('ix_action_items_owner')
        batch_op.drop_index('ix_action_items_meeting')

    op.drop_table('action_items')
    with op.batch_alter_table('minutes_sections', schema=None) as batch_op:
        batch_op.drop_index('ix_minutes_sections_meeting')

    op.drop_table('minutes_sections')
    with op.batch_alter_table('meeting_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_decisions_meeting')

    op.drop_table('meeting_decisions')
    with op.batch_alter_table('minutes_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_uploads_meeting_id'))

    op.drop_table('minutes_uploads')
    with op.batch_alter_table('minutes_approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_minutes_approvals_meeting')

    op.drop_table('minutes_approvals')
    with op.batch_alter_table('meeting_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_participants_user')

    op.drop_table('meeting_participants')
    with op.batch_alter_table('meeting_delegations', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_delegations_org')

    op.drop_table('meeting_delegations')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index('ix_agenda_items_meeting')

    op.drop_table('agenda_items')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_channel_starts')

    op.drop_table('meetings')
