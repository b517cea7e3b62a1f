"""People known to the bot, their language, and the roles they hold in an area."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, Enum, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, TimestampMixin, enum_values


class Role(enum.StrEnum):
    """What a person may do, from least to most."""

    RESIDENT = "resident"
    SUPPORTER = "supporter"
    COUNCIL_MEMBER = "council_member"
    DISTRICT_COORDINATOR = "district_coordinator"
    MUNICIPAL_COORDINATOR = "municipal_coordinator"
    ADMIN = "admin"


class Person(TimestampMixin, Base):
    """Someone who has talked to the bot.

    Before consent nothing but the Telegram id and chosen language is kept.
    """

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)


class RoleGrant(TimestampMixin, Base):
    """A role held by a person within an area (a district, or the whole municipality)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("person_id", "role", "area_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=30, values_callable=enum_values)
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)


async def find_person(session: AsyncSession, telegram_id: int) -> Person | None:
    """Return the person with this Telegram id, or None if they never spoke to the bot."""
    return (
        await session.scalars(select(Person).where(Person.telegram_id == telegram_id))
    ).one_or_none()


async def ensure_person(session: AsyncSession, telegram_id: int) -> Person:
    """Return the person with this Telegram id, creating the row if needed."""
    person = await find_person(session, telegram_id)
    if person is None:
        person = Person(telegram_id=telegram_id)
        session.add(person)
        await session.flush()
    return person


async def set_language(session: AsyncSession, telegram_id: int, language: str) -> Person:
    """Return the person after storing their language choice."""
    person = await ensure_person(session, telegram_id)
    person.language = language
    return person


async def grant_role(session: AsyncSession, person: Person, role: Role, area_id: int) -> RoleGrant:
    """Return the grant of ``role`` in ``area_id`` to ``person``, creating it if new."""
    grant = (
        await session.scalars(
            select(RoleGrant).where(
                RoleGrant.person_id == person.id, RoleGrant.role == role,
                RoleGrant.area_id == area_id,
            )
        )
    ).one_or_none()
    if grant is None:
        grant = RoleGrant(person_id=person.id, role=role, area_id=area_id)
        session.add(grant)
        await session.flush()
    return grant
