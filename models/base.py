"""Declarative base, naming convention and column types shared by all models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    TypeDecorator,
    and_,
    or_,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.clock import utcnow

# Named constraints, so Alembic can alter them later on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are 64-bit on PostgreSQL; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; SQLite forgets the zone, so we restore it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_values(enum_class: type[enum.Enum]) -> list[str]:
    """Return the stored values of an enum: its values, not its Python names."""
    return [str(member.value) for member in enum_class]


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy's API


class TimestampMixin:
    """Adds ``created_at``, set by the database session when the row is first written."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)


async def which_hold(session: AsyncSession, conditions: list[ColumnElement[bool]]) -> list[bool]:
    """Return, in one statement, whether each SQL condition holds."""
    row = (await session.execute(select(*conditions))).one()
    return [bool(value) for value in row]


async def leave_steps(session: AsyncSession, model: Any, draft: enum.Enum, person_id: int, *,
                      drop: bool) -> bool:
    """The person leaves the ``model`` row (an activity, a meeting) they are writing or
    changing: ``drop`` deletes their draft (as its own 「やめる」 does), otherwise its typed
    step stops waiting; a typed change to a registered row is forgotten. Return whether
    anything was open. ``model`` has ``organiser_id``, ``status`` (``draft`` while written),
    ``awaiting`` and ``editing_by_id``."""
    found = False
    rows: Any = await session.scalars(select(model).where(or_(
        and_(model.organiser_id == person_id, model.status == draft),
        model.editing_by_id == person_id)))
    for row in rows:
        if row.status == draft and row.organiser_id == person_id:
            if drop:
                await session.delete(row)
                found = True
                continue
            found = found or row.awaiting is not None
            row.awaiting = None
        else:
            found = found or row.awaiting is not None
            row.awaiting = row.editing_by_id = None
    await session.flush()
    return found
