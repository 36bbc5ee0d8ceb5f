"""directory: regions, cities, partnerships, sectors (seeded), organization cities,
counterparts, glossary

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, 한국어 (the original), 简体中文, English
SECTORS = (
    ('economy_trade', '경제·통상', '经济贸易', 'Economy and trade'),
    ('tourism', '관광', '旅游', 'Tourism'),
    ('culture', '문화', '文化', 'Culture'),
    ('environment', '환경', '环境', 'Environment'),
    ('transport', '교통', '交通', 'Transport'),
    ('urban_planning', '도시계획', '城市规划', 'Urban planning'),
    ('health', '보건', '卫生健康', 'Health'),
    ('education_youth', '교육·청소년', '教育与青少年', 'Education and youth'),
    ('smart_city', '스마트도시', '智慧城市', 'Smart city'),
)


def upgrade() -> None:
    op.create_table('regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('country', 'name', name='uq_regions_country_name')
    )
    op.create_table('cities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('country', 'region_id', 'name', name='uq_cities_country_region_name')
    )
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.create_index('ix_cities_name', ['name'], unique=False)
        batch_op.create_index('ix_cities_region_id', ['region_id'], unique=False)

    op.create_table('partnerships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_city_id', sa.Integer(), nullable=False),
    sa.Column('partner_city_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_city_id'], ['cities.id'], ),
    sa.ForeignKeyConstraint(['partner_city_id'], ['cities.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.create_index('ix_partnerships_member_city_id', ['member_city_id'], unique=False)
        batch_op.create_index('ix_partnerships_partner_city_id', ['partner_city_id'], unique=False)

    sectors = op.create_table('sectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('organization_cities',
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('organization_id')
    )
    with op.batch_alter_table('organization_cities', schema=None) as batch_op:
        batch_op.create_index('ix_organization_cities_city_id', ['city_id'], unique=False)

    op.create_table('counterparts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=False),
    sa.Column('kr_user_id', sa.Integer(), nullable=False),
    sa.Column('cn_user_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cn_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['kr_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], ),
    sa.ForeignKeyConstraint(['previous_id'], ['counterparts.id'], ),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('counterparts', schema=None) as batch_op:
        batch_op.create_index('ix_counterparts_cn_user_id', ['cn_user_id'], unique=False)
        batch_op.create_index('ix_counterparts_kr_user_id', ['kr_user_id'], unique=False)
        batch_op.create_index('ix_counterparts_slot', ['partnership_id', 'sector_id', 'ended_at'], unique=False)

    op.create_table('glossary_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ko', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('zh_hans', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('sector_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sector_id'], ['sectors.id'], ),
    sa.PrimaryKeyConstraint('id')
    )

    # The usual fields of exchange; administrators add more through the API.
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # stored as UTC without a zone, as UTCDateTime does
    op.bulk_insert(sectors, [
        {
            'code': code,
            'name': ko,
            'name_lang': 'ko',
            'translations': {'zh-Hans': zh, 'en': en},
            'version': 1,
            'created_at': now,
            'updated_at': now,
        }
        for code, ko, zh, en in SECTORS
    ])


def downgrade() -> None:
    op.drop_table('glossary_terms')
    with op.batch_alter_table('counterparts', schema=None) as batch_op:
        batch_op.drop_index('ix_counterparts_slot')
        batch_op.drop_index('ix_counterparts_kr_user_id')
        batch_op.drop_index('ix_counterparts_cn_user_id')

    op.drop_table('counterparts')
    with op.batch_alter_table('organization_cities', schema=None) as batch_op:
        batch_op.drop_index('ix_organization_cities_city_id')

    op.drop_table('organization_cities')
    op.drop_table('sectors')
    with op.batch_alter_table('partnerships', schema=None) as batch_op:
        batch_op.drop_index('ix_partnerships_partner_city_id')
        batch_op.drop_index('ix_partnerships_member_city_id')

    op.drop_table('partnerships')
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_index('ix_cities_region_id')
        batch_op.drop_index('ix_cities_name')

    op.drop_table('cities')
    op.drop_table('regions')
