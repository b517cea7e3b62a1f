"""activities and interest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('activity',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.Enum('gathering', 'salon', 'exercise', 'meal', 'watching', 'daily_help', 'transport', 'hobby', 'role', 'other', name='activitykind', native_enum=False, length=20), nullable=True),
    sa.Column('meanings', sa.JSON(), nullable=False),
    sa.Column('district_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('schedule', sa.JSON(), nullable=True),
    sa.Column('organiser_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('status', sa.Enum('draft', 'proposed', 'active', 'paused', 'ended', 'rejected', name='activitystatus', native_enum=False, length=20), nullable=False),
    sa.Column('awaiting', sa.String(length=20), nullable=True),
    sa.Column('reviewed_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('review_reason', sa.String(length=300), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['area.id'], name=op.f('fk_activity_district_id_area'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organiser_id'], ['person.id'], name=op.f('fk_activity_organiser_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['person.id'], name=op.f('fk_activity_reviewed_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_status'), ['status'], unique=False)

    op.create_table('activity_interest',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('activity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_interest_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_activity_interest_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_interest')),
    sa.UniqueConstraint('activity_id', 'person_id', name=op.f('uq_activity_interest_activity_id_person_id'))
    )
    with op.batch_alter_table('activity_interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_interest_activity_id'), ['activity_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('activity_interest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_interest_activity_id'))

    op.drop_table('activity_interest')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_status'))
        batch_op.drop_index(batch_op.f('ix_activity_organiser_id'))
        batch_op.drop_index(batch_op.f('ix_activity_district_id'))

    op.drop_table('activity')
