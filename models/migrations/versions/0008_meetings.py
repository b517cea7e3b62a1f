"""meetings

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('care_meeting', 'workshop', 'council', 'study', 'report', 'other', name='meetingkind', native_enum=False, length=20), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('area_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('signup_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('organiser_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'cancelled', name='meetingstatus', native_enum=False, length=20), nullable=False),
    sa.Column('awaiting', sa.String(length=20), nullable=True),
    sa.Column('editing_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('walk_ins', sa.Integer(), nullable=False),
    sa.Column('attendance_asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attendance_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_meeting_area_id_area'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['editing_by_id'], ['person.id'], name=op.f('fk_meeting_editing_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organiser_id'], ['person.id'], name=op.f('fk_meeting_organiser_id_person'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_organiser_id'), ['organiser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_status'), ['status'], unique=False)

    op.create_table('meeting_signup',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('meeting_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'waiting', 'cancelled', name='signupstatus', native_enum=False, length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_signup_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_meeting_signup_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_signup')),
    sa.UniqueConstraint('meeting_id', 'person_id', name=op.f('uq_meeting_signup_meeting_id_person_id'))
    )
    with op.batch_alter_table('meeting_signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_signup_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_announcement',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('meeting_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['group_chat.id'], name=op.f('fk_meeting_announcement_group_id_group_chat'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_announcement_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_message.id'], name=op.f('fk_meeting_announcement_outbox_id_outbox_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_announcement')),
    sa.UniqueConstraint('meeting_id', 'chat_id', name=op.f('uq_meeting_announcement_meeting_id_chat_id'))
    )
    with op.batch_alter_table('meeting_announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_announcement_meeting_id'), ['meeting_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('meeting_announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_announcement_meeting_id'))

    op.drop_table('meeting_announcement')
    with op.batch_alter_table('meeting_signup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_signup_meeting_id'))

    op.drop_table('meeting_signup')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_status'))
        batch_op.drop_index(batch_op.f('ix_meeting_starts_at'))
        batch_op.drop_index(batch_op.f('ix_meeting_organiser_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_area_id'))

    op.drop_table('meeting')
