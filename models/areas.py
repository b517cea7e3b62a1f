"""Areas (municipality → districts), councils, and the group chats linked to a district."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, Enum, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, BigId, TimestampMixin, enum_values


class AreaLevel(enum.StrEnum):
    """第1層 (the whole municipality) or 第2層 (a daily-life district, 日常生活圏域)."""

    MUNICIPALITY = "municipality"
    DISTRICT = "district"


class Area(TimestampMixin, Base):
    """A municipality or one of its districts."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[AreaLevel] = mapped_column(
        Enum(AreaLevel, native_enum=False, length=20, values_callable=enum_values)
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"))

    parent: Mapped[Area | None] = relationship(remote_side=[id], lazy="raise")


class Council(TimestampMixin, Base):
    """A council (協議体) of a district or of the whole municipality."""

    __tablename__ = "council"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"), index=True)


class GroupChat(TimestampMixin, Base):
    """A Telegram group the bot is in, optionally linked to a district."""

    __tablename__ = "group_chat"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    telegram_chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)


async def find_area(session: AsyncSession, name: str, parent: Area | None = None) -> Area | None:
    """Return the area called ``name`` under ``parent`` (a municipality when None)."""
    query = select(Area).where(Area.name == name)
    if parent is None:
        return (await session.scalars(query.where(Area.parent_id.is_(None)))).one_or_none()
    return (await session.scalars(query.where(Area.parent_id == parent.id))).one_or_none()
