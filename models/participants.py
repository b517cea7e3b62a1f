"""Participants in person (参加者実人数): how many different people came to an activity in a
month, as its organiser or a coordinator counted them.

Headcounts per session (``models.activities.ActivitySession``) add up visits: the same
person at four sessions counts four times. The national survey of 通いの場 and the
participation rate among people aged 65+ need the people themselves, counted once, in one
month of the fiscal year ("任意の1ヶ月", preferably March). Only the organiser knows who came,
so it is asked once a month, and one number is kept per activity and month.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import ColumnElement, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.activities import Activity
from models.base import Base, BigId
from models.clock import utcnow

# Nobody counts this many different people at one place in a month; a bigger number is a
# slip of the finger, refused before it is kept.
MAX_PEOPLE = 1000


class MonthlyParticipants(Base):
    """The different people who came to one activity in one month."""

    __tablename__ = "monthly_participants"
    __table_args__ = (UniqueConstraint("activity_id", "month"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    month: Mapped[date]  # the first day of the month
    people: Mapped[int]
    aged_65_plus: Mapped[int | None]  # of whom aged 65 or more, when the organiser knows
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime]


def first_of_month(day: date) -> date:
    """Return the first day of ``day``'s month (the key of a month)."""
    return day.replace(day=1)


def valid_count(people: int) -> bool:
    """True for a number of people that can be kept (0 to ``MAX_PEOPLE``)."""
    return 0 <= people <= MAX_PEOPLE


async def record(session: AsyncSession, activity_id: int, month: date, people: int, *,
                 reporter_id: int | None, aged_65_plus: int | None = None
                 ) -> MonthlyParticipants:
    """Keep (or correct) the number of different people at an activity in a month."""
    if not valid_count(people) or (aged_65_plus is not None
                                   and not 0 <= aged_65_plus <= people):
        raise ValueError(f"not a count of people: {people} ({aged_65_plus} aged 65+)")
    month = first_of_month(month)
    row = (await session.scalars(select(MonthlyParticipants).where(
        MonthlyParticipants.activity_id == activity_id,
        MonthlyParticipants.month == month))).one_or_none()
    if row is None:
        row = MonthlyParticipants(activity_id=activity_id, month=month)
        session.add(row)
    row.people, row.aged_65_plus = people, aged_65_plus
    row.reported_by_id, row.reported_at = reporter_id, utcnow()
    await session.flush()
    return row


async def of_month(session: AsyncSession, month: date, *,
                   district_ids: Collection[int] | None = None
                   ) -> dict[int, MonthlyParticipants]:
    """Return the month's counts by activity id (of these districts' activities)."""
    query = select(MonthlyParticipants).where(
        MonthlyParticipants.month == first_of_month(month))
    if district_ids is not None:
        query = query.join(Activity, Activity.id == MonthlyParticipants.activity_id).where(
            Activity.district_id.in_(district_ids))
    return {row.activity_id: row for row in await session.scalars(query)}


async def between(session: AsyncSession, first: date, last: date, *,
                  district_ids: Collection[int] | None = None) -> list[MonthlyParticipants]:
    """Return every count of the months from ``first`` to ``last`` (both included), by month
    then activity."""
    query = select(MonthlyParticipants).where(
        MonthlyParticipants.month >= first_of_month(first),
        MonthlyParticipants.month <= first_of_month(last))
    if district_ids is not None:
        query = query.join(Activity, Activity.id == MonthlyParticipants.activity_id).where(
            Activity.district_id.in_(district_ids))
    query = query.order_by(MonthlyParticipants.month, MonthlyParticipants.activity_id)
    return list(await session.scalars(query))


class MonthlyCountWait(Base):
    """A number of people this person chose to type (all of them, or those aged 65+), for
    one activity and month: at most one each."""

    __tablename__ = "monthly_count_wait"

    person_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    month: Mapped[date]
    step: Mapped[str] = mapped_column(String(10))  # "people" or "aged"
    asked_at: Mapped[datetime]


STEPS = ("people", "aged")


async def wait_for_number(session: AsyncSession, person_id: int, activity_id: int, month: date,
                          step: str) -> None:
    """Wait for this person's typed number (replacing any number they were to type)."""
    if step not in STEPS:
        raise ValueError(f"not a step: {step}")
    row = await session.get(MonthlyCountWait, person_id)
    if row is None:
        row = MonthlyCountWait(person_id=person_id)
        session.add(row)
    row.activity_id, row.month, row.step = activity_id, first_of_month(month), step
    row.asked_at = utcnow()
    await session.flush()


async def waiting_number(session: AsyncSession, person_id: int) -> MonthlyCountWait | None:
    """Return the number this person is about to type, if any."""
    return await session.get(MonthlyCountWait, person_id)


def waiting_for_number(person_id: int) -> ColumnElement[bool]:
    """True (in SQL) while a monthly count waits for a number this person chose to type."""
    return select(MonthlyCountWait.person_id).where(
        MonthlyCountWait.person_id == person_id).exists()


async def stop_waiting(session: AsyncSession, person_id: int, *, drop: bool = False) -> bool:
    """Forget the number the person was to type; return whether one was awaited."""
    del drop  # nothing was written yet: the count stays as it was
    row = await session.get(MonthlyCountWait, person_id)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


async def count_of(session: AsyncSession, activity_id: int, month: date
                   ) -> MonthlyParticipants | None:
    """Return the count kept for an activity and month, if any."""
    return (await session.scalars(select(MonthlyParticipants).where(
        MonthlyParticipants.activity_id == activity_id,
        MonthlyParticipants.month == first_of_month(month)))).one_or_none()


def previous_month(day: date) -> date:
    """Return the first day of the month before ``day``'s."""
    first = first_of_month(day)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
