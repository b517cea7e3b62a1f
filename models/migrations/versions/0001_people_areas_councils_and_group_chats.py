"""people, areas, councils and group chats

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('area',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.Enum('municipality', 'district', name='arealevel', native_enum=False, length=20), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['area.id'], name=op.f('fk_area_parent_id_area'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area')),
    sa.UniqueConstraint('parent_id', 'name', name=op.f('uq_area_parent_id_name'))
    )
    op.create_table('person',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('telegram_id', sa.BigInteger(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('telegram_id', name=op.f('uq_person_telegram_id'))
    )
    op.create_table('council',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('area_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_council_area_id_area'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council'))
    )
    with op.batch_alter_table('council', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_area_id'), ['area_id'], unique=False)

    op.create_table('group_chat',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('telegram_chat_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('district_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['area.id'], name=op.f('fk_group_chat_district_id_area'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_chat')),
    sa.UniqueConstraint('telegram_chat_id', name=op.f('uq_group_chat_telegram_chat_id'))
    )
    with op.batch_alter_table('group_chat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_chat_district_id'), ['district_id'], unique=False)

    op.create_table('role_grant',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.Enum('resident', 'supporter', 'council_member', 'district_coordinator', 'municipal_coordinator', 'admin', name='role', native_enum=False, length=30), nullable=False),
    sa.Column('area_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_role_grant_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_role_grant_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant')),
    sa.UniqueConstraint('person_id', 'role', 'area_id', name=op.f('uq_role_grant_person_id_role_area_id'))
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grant_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grant_person_id'))
        batch_op.drop_index(batch_op.f('ix_role_grant_area_id'))

    op.drop_table('role_grant')
    with op.batch_alter_table('group_chat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_chat_district_id'))

    op.drop_table('group_chat')
    with op.batch_alter_table('council', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_area_id'))

    op.drop_table('council')
    op.drop_table('person')
    op.drop_table('area')
