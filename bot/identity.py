"""The Telegram channel's ids as the domain's identities (``models.identities``).

Telegram knows a person by their user id (which is also their private chat's id) and a group
by its chat id; the domain knows both by its own row ids. Everything in the Telegram channel
that turns one into the other comes through here.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import identities
from models.areas import GroupChat, find_group, track_group
from models.people import Person, ensure_person, find_person, person_and_address

CHANNEL = "telegram"


async def person_of(session: AsyncSession, user_id: int) -> Person | None:
    """Return the person with this Telegram user id, if they have written to the bot."""
    return await find_person(session, CHANNEL, user_id)


async def ensure_person_of(session: AsyncSession, user_id: int) -> Person:
    """Return the person with this Telegram user id, creating them if new."""
    return await ensure_person(session, CHANNEL, user_id)


async def group_of(session: AsyncSession, chat_id: int) -> GroupChat | None:
    """Return the group chat with this Telegram chat id, if the bot knows it."""
    return await find_group(session, CHANNEL, chat_id)


async def track(session: AsyncSession, chat_id: int, title: str, *, present: bool
                ) -> GroupChat:
    """Record that the bot is in (or left) the Telegram group ``chat_id``."""
    return await track_group(session, CHANNEL, chat_id, title, present=present)


async def people_of(session: AsyncSession, user_ids: list[int]) -> set[int]:
    """Return the person ids of these Telegram user ids (those who have written)."""
    return await identities.people_known_as(session, CHANNEL, user_ids)


async def chat_of_person(session: AsyncSession, person_id: int) -> int | None:
    """Return the person's private chat with the bot on Telegram, if they have one."""
    found = await identities.address_of_person(session, CHANNEL, person_id)
    return int(found) if found is not None else None


async def person_and_chat(session: AsyncSession, person_id: int
                          ) -> tuple[Person | None, int | None]:
    """Return the person and their Telegram chat (None if they have none), in one read."""
    person, found = await person_and_address(session, CHANNEL, person_id)
    return person, int(found) if found is not None else None


async def chat_of_group(session: AsyncSession, group_id: int) -> int | None:
    """Return the group's Telegram chat id, if the group is on Telegram."""
    found = await identities.address_of_group(session, CHANNEL, group_id)
    return int(found) if found is not None else None
