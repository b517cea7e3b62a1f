"""A channel may deliver an update twice (webhook retries, a restart mid-batch): do it once.

Each channel names its updates its own way (Telegram: an integer; LINE: an event id), so an
update is remembered as ``(channel, its id)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.clock import utcnow

KEEP_FOR = timedelta(days=2)  # longer than a channel retries (Telegram: 24 hours)


class ProcessedUpdate(Base):
    """An update already handled (or being handled) by some process."""

    __tablename__ = "processed_update"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


async def first_delivery(session: AsyncSession, channel: str, update_id: int | str) -> bool:
    """Return True the first time the channel's ``update_id`` is seen, False for a
    redelivery.

    The row joins the update's own transaction: if handling fails and rolls back, a
    redelivered copy is handled again. On PostgreSQL a second process inserting the same id
    waits for the first to finish, then sees the conflict.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ProcessedUpdate)
        .values(channel=channel, update_id=str(update_id), received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


async def forget_old_updates(session: AsyncSession, now: datetime | None = None) -> int:
    """Return how many remembered update ids older than ``KEEP_FOR`` were deleted."""
    cutoff = (now or utcnow()) - KEEP_FOR
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.received_at < cutoff)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


