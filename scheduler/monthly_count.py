"""Once a month, in its first days, ask each active gathering's organiser (else the district's
coordinators) how many different people came in the month before: the 参加者実人数 of the
national 通いの場 survey. Through the outbox, so quiet hours are kept; asked once per
activity, month and person, however often the job runs."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import N_, plain
from models import Activity, Person
from models.activities import active_activities
from models.kayoinoba import counts_as_place
from models.notices import Choice, Notice, label
from models.outbox import enqueue_once
from models.participants import count_of, previous_month
from models.roles import responsible_coordinators
from models.schedule import Schedule

PREFIX = "mc"
ASK_DAYS = 7  # asked in the first week of the month (a bot down for a few days still asks)
PEOPLE_CHOICES = (5, 8, 10, 12, 15, 20, 25, 30)


def month_code(month: date) -> str:
    """Return the month as button data: 202611."""
    return f"{month.year}{month.month:02d}"


def month_of_code(code: str) -> date | None:
    """Return the month a button's data names, or None if it is not one."""
    if len(code) != 6 or not code.isdigit() or not 1 <= int(code[4:]) <= 12:
        return None
    return date(int(code[:4]), int(code[4:]), 1)


def month_label(month: date) -> str:
    """Return 11月 (with the year when asked: 2026年11月)."""
    return plain("monthly.month", year=month.year, month=month.month)


def people_choices(activity_id: int, month: date) -> tuple[tuple[Choice, ...], ...]:
    """Return the one-tap answers: numbers, and "another number"."""
    code = month_code(month)
    numbers = tuple(Choice(N_("participation.people"), (PREFIX, activity_id, code, n),
                           {"count": n}) for n in PEOPLE_CHOICES)
    return (numbers[:4], numbers[4:],
            (Choice(N_("monthly.button.type"), (PREFIX, activity_id, code, "t")),))


def question(activity: Activity, month: date) -> Notice:
    """Return the monthly question: how many different people came in ``month``."""
    return Notice(N_("monthly.ask"), {"name": activity.name or "-",
                                  "month": label(N_("monthly.month"), year=month.year,
                                                 month=month.month)},
                  people_choices(activity.id, month))


def _counted(activity: Activity) -> bool:
    schedule = Schedule.from_json(activity.schedule) if activity.schedule else None
    return counts_as_place(activity.kind.value if activity.kind else None, activity.kayoinoba,
                           schedule)


async def recipients(session: AsyncSession, activity: Activity) -> list[Person]:
    """Return who is asked: the organiser, else the district's coordinators."""
    organiser = (await session.get(Person, activity.organiser_id)
                 if activity.organiser_id else None)
    if organiser is not None and organiser.active:
        return [organiser]
    return [p for p in await responsible_coordinators(session, activity.district_id)
            if p.active]


async def ask_monthly_counts(session: AsyncSession, now: datetime, zone: tzinfo) -> int:
    """In the first days of a month, queue the question about the month before for every
    active gathering without a count yet; return how many messages were queued."""
    today = now.astimezone(zone).date()
    if today.day > ASK_DAYS:
        return 0
    month = previous_month(today)
    begins = datetime(today.year, today.month, 1, tzinfo=zone)
    asked = 0
    for activity in await active_activities(session):
        if activity.created_at >= begins or not _counted(activity) \
                or await count_of(session, activity.id, month) is not None:
            continue
        for person in await recipients(session, activity):
            asked += await enqueue_once(
                session, key=f"monthly-count:{activity.id}:{month_code(month)}:{person.id}",
                notice=question(activity, month),
                person_id=person.id)
    return asked
