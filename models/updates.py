"""Telegram may deliver an update twice (webhook retries, a restart mid-batch): do it once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import BigInteger, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.clock import utcnow

KEEP_FOR = timedelta(days=2)  # Telegram keeps undelivered updates for 24 hours


class ProcessedUpdate(Base):
    """An update id already handled (or being handled) by some process."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


async def first_delivery(session: AsyncSession, update_id: int) -> bool:
    """Return True the first time ``update_id`` is seen, False for a redelivery.

    The row joins the update's own transaction: if handling fails and rolls back, a
    redelivered copy is handled again. On PostgreSQL a second process inserting the same id
    waits for the first to finish, then sees the conflict.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ProcessedUpdate)
        .values(update_id=update_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


async def forget_old_updates(session: AsyncSession, now: datetime | None = None) -> int:
    """Return how many remembered update ids older than ``KEEP_FOR`` were deleted."""
    cutoff = (now or utcnow()) - KEEP_FOR
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.received_at < cutoff)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


