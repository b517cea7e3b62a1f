"""The claim that a council's quarterly report (成果指標) was queued: one row per council and
quarter, inserted with ``ON CONFLICT DO NOTHING`` so several processes queue it once."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area, Council
from models.base import Base, BigId, TimestampMixin
from models.clock import utcnow


class ReportRun(TimestampMixin, Base):
    """This council's report of this period (``2026-Q3``) has been queued."""

    __tablename__ = "report_run"
    __table_args__ = (UniqueConstraint("council_id", "period"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    recipients: Mapped[int] = mapped_column(default=0)


async def claim_report(session: AsyncSession, council_id: int, period: str) -> ReportRun | None:
    """Return a new claim for this council and period, or None if any process has one."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ReportRun).values(council_id=council_id, period=period, recipients=0,
                                 created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["council_id", "period"])
        .returning(ReportRun.id))
    new_id = result.scalar_one_or_none()
    return await session.get(ReportRun, new_id) if new_id is not None else None


async def unreported_councils(session: AsyncSession, period: str) -> list[Council]:
    """Return the councils (of an existing area) whose report of ``period`` nobody claimed."""
    return list(await session.scalars(
        select(Council).join(Area, Area.id == Council.area_id)
        .where(~select(ReportRun.id).where(ReportRun.council_id == Council.id,
                                           ReportRun.period == period).exists())
        .order_by(Council.id)))
