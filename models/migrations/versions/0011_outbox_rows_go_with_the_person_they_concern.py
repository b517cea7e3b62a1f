"""outbox rows go with the person they are to or about

A row names the person it is about (``subject_person_id``) when that is not its recipient,
and rows to or about a person are deleted with them (ON DELETE CASCADE, was SET NULL for
the recipient). Content of final rows is cleared by the application from now on; rows that
are final already lose theirs here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINAL = ('sent', 'failed', 'blocked', 'cancelled')


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'subject_person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
            nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_subject_person_id'),
                              ['subject_person_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_message_subject_person_id_person'), 'person',
            ['subject_person_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint('fk_outbox_message_person_id_person', type_='foreignkey')
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_message_person_id_person'), 'person', ['person_id'], ['id'],
            ondelete='CASCADE')
    outbox = sa.table('outbox_message', sa.column('status', sa.String),
                      sa.column('text', sa.Text), sa.column('buttons', sa.JSON),
                      sa.column('attachment', sa.LargeBinary))
    op.execute(outbox.update().where(outbox.c.status.in_(FINAL))
               .values(text='', buttons=None, attachment=None))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_message_person_id_person', type_='foreignkey')
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_message_person_id_person'), 'person', ['person_id'], ['id'],
            ondelete='SET NULL')
        batch_op.drop_constraint('fk_outbox_message_subject_person_id_person',
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_message_subject_person_id'))
        batch_op.drop_column('subject_person_id')
