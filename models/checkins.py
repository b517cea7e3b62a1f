"""Weekly check-ins ("今週の調子はいかがですか？").

A person's preference says when they are asked, whether they are paused or away, and whether
they want to be watched. Each question is a *round*: one row per person and scheduled time,
created once however many processes run the job, answered once (a later tap changes the
answer of that round, never another one). What happens when a watched person leaves a round
unanswered (見守り) is in ``models/watching.py``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import holidays
from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Index,
    UniqueConstraint,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from models.base import Base, BigId, TimestampMixin, enum_values
from models.clock import utcnow
from models.people import Person
from models.roles import Role, RoleGrant

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_HOUR = 10
DEFAULT_WATCH_HOURS = 48
LOOKBACK = timedelta(days=1)  # a bot that was down for a few hours still asks
ROUND_OPEN = timedelta(days=7)  # /checkin answers a round asked within the last week


class Level(enum.StrEnum):
    """How the person says they are, from best to most in need."""

    FINE = "fine"
    SO_SO = "so_so"
    NEED_HELP = "need_help"
    WANT_TO_TALK = "want_to_talk"


class CheckinPreference(TimestampMixin, Base):
    """When a person is asked, and whether they are watched. No row means the defaults."""

    __tablename__ = "checkin_preference"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    weekday: Mapped[int] = mapped_column(default=DEFAULT_WEEKDAY)  # 0 = Monday
    hour: Mapped[int] = mapped_column(default=DEFAULT_HOUR)
    paused: Mapped[bool] = mapped_column(default=False)
    skip_holidays: Mapped[bool] = mapped_column(default=False)
    away_until: Mapped[date | None] = mapped_column(Date)
    watching: Mapped[bool] = mapped_column(default=False)
    watch_hours: Mapped[int] = mapped_column(default=DEFAULT_WATCH_HOURS)
    watching_since: Mapped[datetime | None]


class CheckinRound(TimestampMixin, Base):
    """One question to one person, and their answer."""

    __tablename__ = "checkin_round"
    __table_args__ = (UniqueConstraint("person_id", "asked_at"),
                      # The weekly digest counts a district's rounds by week.
                      Index("ix_checkin_round_district_asked", "district_id", "asked_at"),
                      Index("ix_checkin_round_district_answered", "district_id", "answered_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True)
    asked_at: Mapped[datetime]
    scheduled: Mapped[bool] = mapped_column(default=True)  # False: the person used /checkin
    watched: Mapped[bool] = mapped_column(default=False)  # watching was on when asked
    level: Mapped[Level | None] = mapped_column(
        Enum(Level, native_enum=False, length=20, values_callable=enum_values))
    answered_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]


async def preference_of(session: AsyncSession, person_id: int) -> CheckinPreference:
    """Return the person's preference row, creating it with the defaults."""
    preference = await session.get(CheckinPreference, person_id)
    if preference is None:
        preference = CheckinPreference(
            person_id=person_id, weekday=DEFAULT_WEEKDAY, hour=DEFAULT_HOUR, paused=False,
            skip_holidays=False, watching=False, watch_hours=DEFAULT_WATCH_HOURS)
        session.add(preference)
        await session.flush()
    return preference


def set_time(preference: CheckinPreference, weekday: int, hour: int) -> None:
    """Ask on ``weekday`` (0 = Monday) at ``hour`` o'clock."""
    if not (0 <= weekday <= 6 and 0 <= hour <= 23):
        raise ValueError("weekday 0-6, hour 0-23")
    preference.weekday, preference.hour = weekday, hour


def toggle_paused(preference: CheckinPreference) -> None:
    """Stop the weekly question for a while, or start it again."""
    preference.paused = not preference.paused


def toggle_skip_holidays(preference: CheckinPreference) -> None:
    """Skip the weekly question on public holidays, or ask on them again."""
    preference.skip_holidays = not preference.skip_holidays


# How far ahead someone may say they will be away.
AWAY_LIMIT = timedelta(days=183)


class AwayProblem(enum.Enum):
    """Why a date to be away until was not taken."""

    PAST = "past"
    TOO_FAR = "too_far"


def go_away(preference: CheckinPreference, until: date, today: date) -> AwayProblem | None:
    """Pause the question and watching up to and including ``until``, or say why not."""
    if until < today:
        return AwayProblem.PAST
    if until - today > AWAY_LIMIT:
        return AwayProblem.TOO_FAR
    preference.away_until = until
    return None


def come_back(preference: CheckinPreference) -> None:
    """The person is back before the date they gave."""
    preference.away_until = None


def is_away(preference: CheckinPreference | None, day: date) -> bool:
    """True while the person said they are away (up to and including ``away_until``)."""
    return preference is not None and preference.away_until is not None \
        and day <= preference.away_until


_JAPAN_HOLIDAYS = holidays.country_holidays("JP")


def is_holiday(day: date) -> bool:
    """True on a Japanese public holiday (国民の祝日 and 振替休日)."""
    return day in _JAPAN_HOLIDAYS


def last_scheduled(preference: CheckinPreference | None, now: datetime, zone: tzinfo) -> datetime:
    """Return the latest scheduled ask time at or before ``now`` (aware, in ``zone``)."""
    weekday = DEFAULT_WEEKDAY if preference is None else preference.weekday
    hour = DEFAULT_HOUR if preference is None else preference.hour
    return _last_at(weekday, hour, now, zone)


def _last_at(weekday: int, hour: int, now: datetime, zone: tzinfo) -> datetime:
    local = now.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime.combine(day, time(hour), tzinfo=zone)
    if moment > local:
        moment -= timedelta(days=7)
    return moment


@dataclass(frozen=True)
class Slot:
    """A weekday and hour whose latest ask time is recent enough to ask at ``now``."""

    weekday: int
    hour: int
    due: datetime  # aware, in the bot's zone
    holiday: bool  # the due day is a public holiday


def due_slots(now: datetime, zone: tzinfo) -> list[Slot]:
    """Return every weekday and hour whose ask time passed within ``LOOKBACK`` of ``now``."""
    slots = []
    for weekday in range(7):
        for hour in range(24):
            due = _last_at(weekday, hour, now, zone)
            if now - due <= LOOKBACK:
                slots.append(Slot(weekday, hour, due, is_holiday(due.date())))
    return slots


BATCH = 1000  # people a check-in job's transaction asks at most


@dataclass(frozen=True)
class DuePerson:
    """Someone to ask now: what their round and their question need."""

    person_id: int
    district_id: int | None
    asked_at: datetime  # the scheduled time the round is for
    watched: bool


@dataclass(frozen=True)
class DueCheckin:
    """A round just opened: who to ask and when it was due."""

    round_id: int
    person: DuePerson


async def due_people(session: AsyncSession, now: datetime, zone: tzinfo, *, after: int = 0,
                     limit: int = BATCH) -> list[DuePerson]:
    """Return up to ``limit`` consenting residents (ids above ``after``, in id order) whose
    ask time has come and who have no round since; the database does the choosing.

    Paused and away people are left out, and so are those who asked to skip public holidays
    when the day is one, who registered after the time, or who were asked (or used
    /checkin) at or since it.
    """
    weekday = func.coalesce(CheckinPreference.weekday, DEFAULT_WEEKDAY)
    hour = func.coalesce(CheckinPreference.hour, DEFAULT_HOUR)
    slots = {(slot.weekday, slot.hour): slot for slot in due_slots(now, zone)}

    def due_in(slot: Slot) -> ColumnElement[bool]:
        rules = [weekday == slot.weekday, hour == slot.hour,
                 Person.consented_at <= slot.due,
                 or_(CheckinPreference.away_until.is_(None),
                     CheckinPreference.away_until < slot.due.date()),
                 ~exists().where(CheckinRound.person_id == Person.id,
                                 CheckinRound.asked_at >= slot.due)]
        if slot.holiday:
            rules.append(CheckinPreference.skip_holidays.is_not(True))
        return and_(*rules)

    rows = await session.execute(
        select(Person.id, Person.district_id, weekday, hour,
               func.coalesce(CheckinPreference.watching, False))
        .outerjoin(CheckinPreference, CheckinPreference.person_id == Person.id)
        .where(Person.id > after, Person.consented_at.is_not(None), Person.active.is_(True),
               exists().where(RoleGrant.person_id == Person.id,
                              RoleGrant.role == Role.RESIDENT),
               CheckinPreference.paused.is_not(True),
               or_(*(due_in(slot) for slot in slots.values())))
        .order_by(Person.id).limit(limit))
    return [DuePerson(person_id, district_id, slots[day, hour_].due, bool(watching))
            for person_id, district_id, day, hour_, watching in rows]


async def open_rounds(session: AsyncSession, people: list[DuePerson]) -> list[DueCheckin]:
    """Open the scheduled round of each of ``people`` in one statement; a round that exists
    already (another process, an earlier run) is not opened again."""
    if not people:
        return []
    created = utcnow()
    result = await session.execute(
        _insert(session).values([
            {"person_id": p.person_id, "district_id": p.district_id, "asked_at": p.asked_at,
             "scheduled": True, "watched": p.watched, "created_at": created} for p in people])
        .on_conflict_do_nothing(index_elements=["person_id", "asked_at"])
        .returning(CheckinRound.id, CheckinRound.person_id))
    opened = {person_id: round_id for round_id, person_id in result}
    return [DueCheckin(opened[p.person_id], p) for p in people if p.person_id in opened]


async def open_due_rounds(session: AsyncSession, now: datetime, zone: tzinfo
                          ) -> list[DueCheckin]:
    """Open a round for every consenting resident whose ask time has come; once each.

    All in the caller's transaction, ``BATCH`` people at a time (see ``due_people`` for who
    is left out). The check-in job commits after each batch instead.
    """
    opened: list[DueCheckin] = []
    after = 0
    while True:
        people = await due_people(session, now, zone, after=after)
        opened += await open_rounds(session, people)
        if len(people) < BATCH:
            return opened
        after = people[-1].person_id


def _insert(session: AsyncSession) -> PgInsert | SqliteInsert:
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(CheckinRound)
    return sqlite_insert(CheckinRound)


async def _insert_round(session: AsyncSession, person: Person, asked_at: datetime, *,
                        scheduled: bool, watched: bool) -> CheckinRound | None:
    result = await session.execute(
        _insert(session)
        .values(person_id=person.id, district_id=person.district_id, asked_at=asked_at,
                scheduled=scheduled, watched=watched, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["person_id", "asked_at"])
        .returning(CheckinRound.id))
    new_id = result.scalar_one_or_none()
    return await session.get(CheckinRound, new_id) if new_id is not None else None


async def round_for_answer(session: AsyncSession, person: Person, now: datetime) -> CheckinRound:
    """Return the round /checkin answers: the latest asked this week, or a new one."""
    latest = (await session.scalars(
        select(CheckinRound).where(CheckinRound.person_id == person.id,
                                   CheckinRound.asked_at >= now - ROUND_OPEN)
        .order_by(CheckinRound.asked_at.desc()).limit(1))).first()
    if latest is not None and latest.level is None:
        return latest
    preference = await session.get(CheckinPreference, person.id)
    record = await _insert_round(session, person, now, scheduled=False,
                                 watched=bool(preference and preference.watching))
    assert record is not None  # (person, now) is new: now moves on
    return record


def answer(record: CheckinRound, level: Level, now: datetime) -> bool:
    """Record the answer; return False if the round already had one (it is then changed)."""
    first = record.level is None
    record.level = level
    if first:
        record.answered_at = now
    return first


async def last_answer_time(session: AsyncSession, person_id: int) -> datetime | None:
    """Return when the person last answered any check-in."""
    return (await session.scalars(
        select(CheckinRound.answered_at).where(CheckinRound.person_id == person_id,
                                               CheckinRound.answered_at.is_not(None))
        .order_by(CheckinRound.answered_at.desc()).limit(1))).first()
