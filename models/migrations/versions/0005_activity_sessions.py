"""activity sessions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('activity_session',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('activity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('asked', 'held', 'cancelled', name='sessionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=True),
    sa.Column('reported_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('awaiting_count', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_activity_session_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['person.id'], name=op.f('fk_activity_session_reported_by_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_session')),
    sa.UniqueConstraint('activity_id', 'starts_at', name=op.f('uq_activity_session_activity_id_starts_at'))
    )
    with op.batch_alter_table('activity_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_session_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_session_starts_at'), ['starts_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('activity_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_activity_session_activity_id'))

    op.drop_table('activity_session')
