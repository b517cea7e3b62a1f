"""people and group chats are reached through identities per channel; the outbox, meeting
posts and processed updates no longer hold Telegram ids

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 17:40:00

Moves every Telegram id into ``identity`` rows (channel "telegram"):
- ``person.telegram_id`` and ``group_chat.telegram_chat_id`` become identities;
- an outbox row to a chat it only named by id now names the person or the group (rows whose
  chat is nobody the bot knows are deleted: no channel could send them);
- buttons written as Telegram callback data under a waiting row become neutral choices (the
  only such rows were a meeting's card with its join and leave buttons);
- the Telegram message id of a sent row becomes the channel's ``sent_id`` (text);
- a meeting's group post is kept per group, not per Telegram chat;
- a processed update is remembered per channel;
- an open question keeps where it was shown in its channel's ids (text).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = 'telegram'
WAITING = ('pending', 'sending')
# A meeting card's buttons as the handlers wrote them: "mj:j:<meeting>" and "mj:c:<meeting>".
JOIN_LABELS = {'j': 'meeting.button.join', 'c': 'meeting.button.leave'}


def upgrade() -> None:
    op.create_table(
        'identity',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('external_id', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=True),
        sa.Column('group_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('(person_id IS NULL) <> (group_id IS NULL)',
                           name=op.f('ck_identity_person_or_group')),
        sa.ForeignKeyConstraint(['group_id'], ['group_chat.id'],
                                name=op.f('fk_identity_group_id_group_chat'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_identity_person_id_person'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity')),
        sa.UniqueConstraint('channel', 'external_id',
                            name=op.f('uq_identity_channel_external_id')),
    )
    with op.batch_alter_table('identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_person_id'), ['person_id'], unique=False)

    op.execute(
        f"INSERT INTO identity (channel, external_id, person_id, created_at)"
        f" SELECT '{CHANNEL}', CAST(telegram_id AS VARCHAR(64)), id, created_at FROM person")
    op.execute(
        f"INSERT INTO identity (channel, external_id, group_id, created_at)"
        f" SELECT '{CHANNEL}', CAST(telegram_chat_id AS VARCHAR(64)), id, created_at"
        f" FROM group_chat")

    _outbox_names_its_recipient()
    _meeting_posts_per_group()
    _updates_per_channel()
    _questions_shown_in_channel_ids()

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint('uq_person_telegram_id', type_='unique')
        batch_op.drop_column('telegram_id')
    with op.batch_alter_table('group_chat', schema=None) as batch_op:
        batch_op.drop_constraint('uq_group_chat_telegram_chat_id', type_='unique')
        batch_op.drop_column('telegram_chat_id')


def _outbox_names_its_recipient() -> None:
    op.execute("UPDATE outbox_message SET person_id = (SELECT person.id FROM person"
               " WHERE person.telegram_id = outbox_message.chat_id)"
               " WHERE person_id IS NULL AND group_id IS NULL AND chat_id IS NOT NULL")
    op.execute("UPDATE outbox_message SET group_id = (SELECT group_chat.id FROM group_chat"
               " WHERE group_chat.telegram_chat_id = outbox_message.chat_id)"
               " WHERE person_id IS NULL AND group_id IS NULL AND chat_id IS NOT NULL")
    op.execute("UPDATE meeting_announcement SET outbox_id = NULL WHERE outbox_id IN"
               " (SELECT id FROM outbox_message WHERE person_id IS NULL AND group_id IS NULL)")
    op.execute("DELETE FROM outbox_message WHERE person_id IS NULL AND group_id IS NULL")

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_id', sa.String(length=64), nullable=True))
    op.execute("UPDATE outbox_message SET sent_id = CAST(telegram_message_id AS VARCHAR(64))"
               " WHERE telegram_message_id IS NOT NULL")

    outbox = sa.table('outbox_message', sa.column('id', sa.Integer),
                      sa.column('status', sa.String), sa.column('buttons', sa.JSON),
                      sa.column('choices', sa.JSON))
    connection = op.get_bind()
    waiting = connection.execute(
        sa.select(outbox.c.id, outbox.c.buttons)
        .where(outbox.c.buttons.is_not(None), outbox.c.status.in_(WAITING))).all()
    for row_id, buttons in waiting:
        choices = _choices_of(buttons)
        connection.execute(sa.update(outbox).where(outbox.c.id == row_id)
                           .values(choices=choices or None))

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_chat_id'))
        batch_op.drop_column('chat_id')
        batch_op.drop_column('telegram_message_id')
        batch_op.drop_column('buttons')
        batch_op.create_index(batch_op.f('ix_outbox_message_group_id'), ['group_id'],
                              unique=False)


def _choices_of(buttons: Any) -> list[list[dict[str, Any]]]:
    """Neutral choices for the join and leave buttons of a waiting meeting card; any other
    button (there were none) is left out."""
    rows = []
    for row in buttons if isinstance(buttons, list) else []:
        choices = []
        for button in row if isinstance(row, list) else []:
            parts = str(button.get('callback_data', '')).split(':') \
                if isinstance(button, dict) else []
            if len(parts) == 3 and parts[0] == 'mj' and parts[1] in JOIN_LABELS \
                    and parts[2].isdecimal():
                choices.append({'label': JOIN_LABELS[parts[1]],
                                'action': ['mj', parts[1], int(parts[2])]})
        if choices:
            rows.append(choices)
    return rows


def _meeting_posts_per_group() -> None:
    op.execute("UPDATE meeting_announcement SET group_id = (SELECT group_chat.id"
               " FROM group_chat WHERE group_chat.telegram_chat_id = meeting_announcement.chat_id)"
               " WHERE group_id IS NULL")
    with op.batch_alter_table('meeting_announcement', schema=None) as batch_op:
        batch_op.drop_constraint('uq_meeting_announcement_meeting_id_chat_id', type_='unique')
        batch_op.drop_column('chat_id')
        batch_op.drop_column('message_id')
        batch_op.create_unique_constraint(
            batch_op.f('uq_meeting_announcement_meeting_id_group_id'), ['meeting_id', 'group_id'])


def _updates_per_channel() -> None:
    # Kept for two days at most: set aside, the table made anew, copied back.
    _set_aside_updates(sa.String(length=64), "CAST(update_id AS VARCHAR(64))", "")
    op.create_table(
        'processed_update',
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('update_id', sa.String(length=64), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'update_id', name=op.f('pk_processed_update')),
    )
    op.execute(f"INSERT INTO processed_update (channel, update_id, received_at)"
               f" SELECT '{CHANNEL}', update_id, received_at FROM processed_update_aside")
    _updates_set_aside_done()


def _set_aside_updates(kind: sa.types.TypeEngine[Any], value: str, where: str) -> None:
    op.create_table(
        'processed_update_aside',
        sa.Column('update_id', kind, nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(f"INSERT INTO processed_update_aside (update_id, received_at)"
               f" SELECT {value}, received_at FROM processed_update {where}")
    with op.batch_alter_table('processed_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_update_received_at'))
    op.drop_table('processed_update')


def _updates_set_aside_done() -> None:
    op.drop_table('processed_update_aside')
    with op.batch_alter_table('processed_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processed_update_received_at'), ['received_at'],
                              unique=False)


def _questions_shown_in_channel_ids() -> None:
    with op.batch_alter_table('open_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown_in', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('shown_as', sa.String(length=64), nullable=True))
    op.execute("UPDATE open_question SET shown_in = CAST(chat_id AS VARCHAR(64)),"
               " shown_as = CAST(message_id AS VARCHAR(64))")
    with op.batch_alter_table('open_question', schema=None) as batch_op:
        batch_op.drop_column('chat_id')
        batch_op.drop_column('message_id')


def downgrade() -> None:
    # Back to Telegram ids only: refused while someone (or a group) is known by another
    # channel alone — they would have to be deleted with everything about them.
    for table, column in (('person', 'person_id'), ('group_chat', 'group_id')):
        unreachable = op.get_bind().execute(sa.text(
            f"SELECT COUNT(*) FROM {table} WHERE id NOT IN (SELECT {column} FROM identity"
            f" WHERE channel = '{CHANNEL}' AND {column} IS NOT NULL)")).scalar()
        if unreachable:
            raise RuntimeError(f"{unreachable} rows of {table} have no Telegram identity: the"
                               f" schema before 0018 cannot hold them")
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('telegram_id', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('group_chat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('telegram_chat_id', sa.BigInteger(), nullable=True))
    op.execute(f"UPDATE person SET telegram_id = (SELECT MIN(CAST(external_id AS BIGINT))"
               f" FROM identity WHERE identity.person_id = person.id"
               f" AND channel = '{CHANNEL}')")
    op.execute(f"UPDATE group_chat SET telegram_chat_id = (SELECT MIN(CAST(external_id AS"
               f" BIGINT)) FROM identity WHERE identity.group_id = group_chat.id"
               f" AND channel = '{CHANNEL}')")
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('telegram_id', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint('uq_person_telegram_id', ['telegram_id'])
    with op.batch_alter_table('group_chat', schema=None) as batch_op:
        batch_op.alter_column('telegram_chat_id', existing_type=sa.BigInteger(),
                              nullable=False)
        batch_op.create_unique_constraint('uq_group_chat_telegram_chat_id',
                                          ['telegram_chat_id'])

    _set_aside_updates(sa.BigInteger(), "CAST(update_id AS BIGINT)",
                       f"WHERE channel = '{CHANNEL}'")
    op.create_table(
        'processed_update',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('update_id', name=op.f('pk_processed_update')),
    )
    op.execute("INSERT INTO processed_update (update_id, received_at)"
               " SELECT update_id, received_at FROM processed_update_aside")
    _updates_set_aside_done()

    with op.batch_alter_table('meeting_announcement', schema=None) as batch_op:
        batch_op.drop_constraint('uq_meeting_announcement_meeting_id_group_id', type_='unique')
        batch_op.add_column(sa.Column('chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.BigInteger(), nullable=True))
    op.execute("UPDATE meeting_announcement SET chat_id = (SELECT telegram_chat_id"
               " FROM group_chat WHERE group_chat.id = meeting_announcement.group_id)")
    op.execute("DELETE FROM meeting_announcement WHERE chat_id IS NULL")
    with op.batch_alter_table('meeting_announcement', schema=None) as batch_op:
        batch_op.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint('uq_meeting_announcement_meeting_id_chat_id',
                                          ['meeting_id', 'chat_id'])

    _outbox_names_its_chat_again()
    _questions_shown_in_telegram_ids()

    with op.batch_alter_table('identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_person_id'))
        batch_op.drop_index(batch_op.f('ix_identity_group_id'))
    op.drop_table('identity')


def _outbox_names_its_chat_again() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_group_id'))
        batch_op.add_column(sa.Column('chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('telegram_message_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('buttons', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_message_chat_id'), ['chat_id'],
                              unique=False)
    # Rows to groups named their chat; rows to people may leave it empty (since 0017).
    op.execute("UPDATE outbox_message SET chat_id = (SELECT telegram_chat_id FROM group_chat"
               " WHERE group_chat.id = outbox_message.group_id)"
               " WHERE person_id IS NULL AND group_id IS NOT NULL")
    op.execute("UPDATE outbox_message SET telegram_message_id = CAST(sent_id AS BIGINT)"
               " WHERE sent_id IS NOT NULL")
    # Written text with choices: 0017 sends only a notice's choices, so waiting ones go.
    doomed = ("SELECT id FROM outbox_message WHERE notice IS NULL AND choices IS NOT NULL"
              " AND status IN ('pending', 'sending')")
    op.execute(f"UPDATE meeting_announcement SET outbox_id = NULL WHERE outbox_id IN ({doomed})")
    op.execute(f"DELETE FROM outbox_message WHERE id IN ({doomed})")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('sent_id')


def _questions_shown_in_telegram_ids() -> None:
    with op.batch_alter_table('open_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.BigInteger(), nullable=True))
    op.execute("UPDATE open_question SET chat_id = CAST(shown_in AS BIGINT),"
               " message_id = CAST(shown_as AS BIGINT)")
    with op.batch_alter_table('open_question', schema=None) as batch_op:
        batch_op.drop_column('shown_in')
        batch_op.drop_column('shown_as')
