"""People and groups as the Telegram channel knows them, for tests that write rows directly.

A person no longer carries a Telegram id: it is an identity (``models.identities``). These
helpers add both, and read a person's or a row's Telegram chat back in SQL.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import BigInteger, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.identity import CHANNEL, chat_of_person
from models import Identity, OutboxMessage, Person
from models.identities import add_person_identity


async def add_telegram_people(session: AsyncSession, people: Mapping[int, Person]) -> None:
    """Add person rows and the Telegram id (the mapping's key) of each."""
    session.add_all(people.values())
    await session.flush()
    for telegram_id, person in people.items():
        add_person_identity(session, CHANNEL, telegram_id, person.id)
    await session.flush()


async def add_telegram_person(session: AsyncSession, telegram_id: int, **fields: object
                              ) -> Person:
    """Add one person with ``fields`` and their Telegram id; return the row."""
    person = Person(**fields)
    await add_telegram_people(session, {telegram_id: person})
    return person


async def telegram_id_of(session: AsyncSession, person_id: int) -> int:
    """Return the person's Telegram id (their private chat)."""
    chat = await chat_of_person(session, person_id)
    assert chat is not None, f"person {person_id} has no Telegram identity"
    return chat


def telegram_id_column(person_id: ColumnElement[int] | object) -> ColumnElement[int]:
    """The Telegram id of the person ``person_id`` (a column or a value), in SQL."""
    return select(cast(Identity.external_id, BigInteger)).where(
        Identity.channel == CHANNEL, Identity.person_id == person_id).scalar_subquery()


def person_with_telegram_id(telegram_id: int) -> ColumnElement[int]:
    """The id of the person with this Telegram id, in SQL."""
    return select(Identity.person_id).where(
        Identity.channel == CHANNEL, Identity.external_id == str(telegram_id)).scalar_subquery()


def recipient_chat() -> ColumnElement[int]:
    """The Telegram chat an outbox row goes to, in SQL: its person's or its group's (the
    channel finds it when it sends)."""
    group_chat = select(cast(Identity.external_id, BigInteger)).where(
        Identity.channel == CHANNEL, Identity.group_id == OutboxMessage.group_id
    ).scalar_subquery()
    return func.coalesce(telegram_id_column(OutboxMessage.person_id), group_chat)
