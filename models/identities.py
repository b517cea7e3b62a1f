"""How a person or a group is reached: one identity per channel they use.

A person (and a group chat) is the domain's own row; each messenger that knows them knows them
by its own id — a Telegram user id, a LINE user id — kept here as ``(channel, external id)``.
The channel's name and its ids are plain data to the domain: the channel (``bot/``) says which
one it is and what the ids look like. Every lookup of "who wrote this" and "where does this
go" passes through these rows, so a second channel adds identities, not columns.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId
from models.clock import utcnow

CHANNEL_LENGTH = 20
EXTERNAL_ID_LENGTH = 64


class Identity(Base):
    """One channel's id for a person or for a group chat (exactly one of the two)."""

    __tablename__ = "identity"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        CheckConstraint("(person_id IS NULL) <> (group_id IS NULL)", name="person_or_group"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(CHANNEL_LENGTH))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_LENGTH))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_chat.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def external(value: int | str) -> str:
    """Return a channel's id as the identity keeps it (Telegram's integers as decimals)."""
    text = str(value)
    if not text or len(text) > EXTERNAL_ID_LENGTH:
        raise ValueError(f"an external id is 1..{EXTERNAL_ID_LENGTH} characters")
    return text


async def people_known_as(session: AsyncSession, channel: str,
                          external_ids: Collection[int | str]) -> set[int]:
    """Return the ids of the people this channel knows by any of ``external_ids``."""
    if not external_ids:
        return set()
    found = await session.scalars(select(Identity.person_id).where(
        Identity.channel == channel,
        Identity.external_id.in_([external(value) for value in external_ids]),
        Identity.person_id.is_not(None)))
    return {person_id for person_id in found if person_id is not None}


async def address_of_person(session: AsyncSession, channel: str, person_id: int) -> str | None:
    """Return the channel's id for the person (where to send them a message), if any."""
    return await session.scalar(select(Identity.external_id).where(
        Identity.channel == channel, Identity.person_id == person_id)
        .order_by(Identity.id).limit(1))


async def address_of_group(session: AsyncSession, channel: str, group_id: int) -> str | None:
    """Return the channel's id for the group chat, if the channel knows it."""
    return await session.scalar(select(Identity.external_id).where(
        Identity.channel == channel, Identity.group_id == group_id)
        .order_by(Identity.id).limit(1))


async def identities_of(session: AsyncSession, person_id: int) -> list[Identity]:
    """Return every identity of the person (for /mydata)."""
    return list(await session.scalars(
        select(Identity).where(Identity.person_id == person_id).order_by(Identity.id)))


def add_person_identity(session: AsyncSession, channel: str, external_id: int | str,
                        person_id: int) -> Identity:
    """Add (to the caller's transaction) the channel's id for a person."""
    identity = Identity(channel=channel, external_id=external(external_id), person_id=person_id,
                        created_at=utcnow())
    session.add(identity)
    return identity
