"""outbox rows may hold a notice (catalog key, parameters, choices) instead of text, and
go to a person without naming their chat

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('choices', sa.JSON(), nullable=True))
        batch_op.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    # Notices not sent yet have no text to fall back on: they are dropped with the columns.
    op.execute("DELETE FROM outbox_message WHERE notice IS NOT NULL"
               " AND status IN ('pending', 'sending')")
    op.execute("UPDATE outbox_message SET chat_id = (SELECT telegram_id FROM person"
               " WHERE person.id = outbox_message.person_id) WHERE chat_id IS NULL")
    op.execute("DELETE FROM outbox_message WHERE chat_id IS NULL")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column('choices')
        batch_op.drop_column('params')
        batch_op.drop_column('notice')
