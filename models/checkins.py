"""Weekly check-ins ("今週の調子はいかがですか？") and opt-in watching (見守り).

A person's preference says when they are asked, whether they are paused or away, and whether
they want to be watched. Each question is a *round*: one row per person and scheduled time,
created once however many processes run the job, answered once (a later tap changes the
answer of that round, never another one). A watched person who leaves a round unanswered is
asked once more, then their district coordinator gets an *alert* to resolve.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import holidays
from sqlalchemy import (
    JSON,
    Date,
    Enum,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from models.areas import municipality_of
from models.base import Base, BigId, TimestampMixin, enum_values
from models.clock import utcnow
from models.people import Person
from models.roles import Role, RoleGrant

DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_HOUR = 10
DEFAULT_WATCH_HOURS = 48
WATCH_CHOICES = (24, 48, 72)
LOOKBACK = timedelta(days=1)  # a bot that was down for a few hours still asks
ROUND_OPEN = timedelta(days=7)  # /checkin answers a round asked within the last week
CONTACT_LINK_LIFETIME = timedelta(days=7)
MAX_CONTACTS = 3


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


class WatchAlert(TimestampMixin, Base):
    """A watched person stayed silent; a coordinator is to contact them."""

    __tablename__ = "watch_alert"
    __table_args__ = (Index("ix_watch_alert_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    # Which coordinators were told, so their buttons can be checked and counted.
    told: Mapped[list[int] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(200))
    escalated_at: Mapped[datetime | None]  # the person's emergency contacts were told


class WatchContact(TimestampMixin, Base):
    """Someone the watched person named (a family member, a 民生委員), who joined by a link."""

    __tablename__ = "watch_contact"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    expires_at: Mapped[datetime]
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(100))  # shown to the person
    accepted_at: Mapped[datetime | None]


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


def set_watching(preference: CheckinPreference, on: bool, hours: int | None = None) -> None:
    """Turn watching on (with a window in hours) or off."""
    if hours is not None:
        if hours not in WATCH_CHOICES:
            raise ValueError(f"watch window must be one of {WATCH_CHOICES}")
        preference.watch_hours = hours
    if on and not preference.watching:
        preference.watching_since = utcnow()
    preference.watching = on


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
    telegram_id: int
    district_id: int | None
    language: str | None
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
        select(Person.id, Person.telegram_id, Person.district_id, Person.language, weekday,
               hour, func.coalesce(CheckinPreference.watching, False))
        .outerjoin(CheckinPreference, CheckinPreference.person_id == Person.id)
        .where(Person.id > after, Person.consented_at.is_not(None), Person.active.is_(True),
               exists().where(RoleGrant.person_id == Person.id,
                              RoleGrant.role == Role.RESIDENT),
               CheckinPreference.paused.is_not(True),
               or_(*(due_in(slot) for slot in slots.values())))
        .order_by(Person.id).limit(limit))
    return [DuePerson(person_id, telegram_id, district_id, language,
                      slots[day, hour_].due, bool(watching))
            for person_id, telegram_id, district_id, language, day, hour_, watching in rows]


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


async def rounds_to_remind(session: AsyncSession, now: datetime) -> list[tuple[CheckinRound,
                                                                               Person]]:
    """Return unanswered watched rounds whose window has passed and that had no reminder."""
    rows = await session.execute(
        select(CheckinRound, Person, CheckinPreference)
        .join(Person, Person.id == CheckinRound.person_id)
        .join(CheckinPreference, CheckinPreference.person_id == Person.id)
        .where(CheckinRound.watched.is_(True), CheckinRound.level.is_(None),
               CheckinRound.reminded_at.is_(None), CheckinPreference.watching.is_(True),
               Person.active.is_(True), Person.consented_at.is_not(None)))
    due = []
    for record, person, preference in rows:
        if is_away(preference, now.date()):
            continue
        if record.asked_at + timedelta(hours=preference.watch_hours) <= now:
            due.append((record, person))
    return due


async def rounds_to_alert(session: AsyncSession, now: datetime, default: Thresholds
                          ) -> list[tuple[CheckinRound, Person]]:
    """Return reminded, still unanswered watched rounds whose grace time has passed.

    The grace time is the municipality's, or the deployment's default.
    """
    rows = await session.execute(
        select(CheckinRound, Person, CheckinPreference)
        .join(Person, Person.id == CheckinRound.person_id)
        .join(CheckinPreference, CheckinPreference.person_id == Person.id)
        .where(CheckinRound.watched.is_(True), CheckinRound.level.is_(None),
               CheckinRound.reminded_at.is_not(None), CheckinRound.alerted_at.is_(None),
               CheckinPreference.watching.is_(True), Person.active.is_(True),
               Person.consented_at.is_not(None)))
    due = []
    for record, person, preference in rows:
        if is_away(preference, now.date()) or record.reminded_at is None:
            continue
        limits = await thresholds_for(session, person.district_id, default)
        if record.reminded_at + limits.alert_after <= now:
            due.append((record, person))
    return due


async def last_answer_time(session: AsyncSession, person_id: int) -> datetime | None:
    """Return when the person last answered any check-in."""
    return (await session.scalars(
        select(CheckinRound.answered_at).where(CheckinRound.person_id == person_id,
                                               CheckinRound.answered_at.is_not(None))
        .order_by(CheckinRound.answered_at.desc()).limit(1))).first()


async def open_alerts(session: AsyncSession, district_ids: list[int] | None
                      ) -> list[tuple[WatchAlert, Person]]:
    """Return unresolved alerts in these districts (everywhere when None), oldest first."""
    query = (select(WatchAlert, Person).join(Person, Person.id == WatchAlert.person_id)
             .where(WatchAlert.resolved_at.is_(None)).order_by(WatchAlert.id))
    if district_ids is not None:
        query = query.where(WatchAlert.district_id.in_(district_ids))
    return [(alert, person) for alert, person in await session.execute(query)]


@dataclass(frozen=True)
class Thresholds:
    """Hours after which watching escalates, for one municipality."""

    alert_after: timedelta  # after the reminder: the district coordinator
    contact_after: timedelta  # after the alert, if unresolved: the emergency contacts


async def thresholds_for(session: AsyncSession, district_id: int | None, default: Thresholds
                         ) -> Thresholds:
    """Return the municipality's thresholds for a district, or the deployment's default."""
    city = await municipality_of(session, district_id)
    if city is None:
        return default
    return Thresholds(
        timedelta(hours=city.watch_alert_hours) if city.watch_alert_hours
        else default.alert_after,
        timedelta(hours=city.watch_contact_hours) if city.watch_contact_hours
        else default.contact_after)


# -- emergency contacts ---------------------------------------------------------------------

async def contacts_of(session: AsyncSession, person_id: int) -> list[tuple[WatchContact,
                                                                           Person]]:
    """Return the person's accepted emergency contacts."""
    rows = await session.execute(
        select(WatchContact, Person).join(Person, Person.id == WatchContact.contact_id)
        .where(WatchContact.person_id == person_id, WatchContact.accepted_at.is_not(None))
        .order_by(WatchContact.id))
    return [(contact, person) for contact, person in rows]


async def new_contact_link(session: AsyncSession, person: Person, now: datetime
                           ) -> WatchContact | None:
    """Return a one-time link row for a new contact; None when the person has enough."""
    if len(await contacts_of(session, person.id)) >= MAX_CONTACTS:
        return None
    link = WatchContact(person_id=person.id, token=secrets.token_urlsafe(12),
                        expires_at=now + CONTACT_LINK_LIFETIME)
    session.add(link)
    await session.flush()
    return link


class ContactProblem(enum.StrEnum):
    """Why a contact link cannot be used."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    SELF = "self"


async def open_contact_link(session: AsyncSession, token: str, opener: Person | None,
                            now: datetime) -> WatchContact | ContactProblem:
    """Return the link row an opener may accept, or why not.

    Only the secret token finds a link (never its row number). ``opener`` is None for
    someone the bot has no row for yet.
    """
    link = (await session.scalars(select(WatchContact).where(WatchContact.token == token))
            ).one_or_none()
    if link is None:
        return ContactProblem.UNKNOWN
    if opener is not None and link.person_id == opener.id:
        return ContactProblem.SELF
    if link.accepted_at is not None:
        return ContactProblem.USED
    if link.expires_at < now:
        return ContactProblem.EXPIRED
    return link


async def accept_contact(session: AsyncSession, link: WatchContact, contact: Person,
                         name: str, now: datetime) -> bool:
    """Make ``contact`` the emergency contact; one conditional UPDATE, so a link works once."""
    result = await session.execute(
        update(WatchContact).where(WatchContact.id == link.id,
                                   WatchContact.accepted_at.is_(None))
        .values(contact_id=contact.id, contact_name=name[:100], accepted_at=now)
        .execution_options(synchronize_session=False))
    await session.refresh(link)
    return result.rowcount == 1  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


async def remove_contact(session: AsyncSession, person_id: int, contact_row_id: int) -> bool:
    """Remove one of the person's contacts; False if it is not theirs."""
    link = await session.get(WatchContact, contact_row_id)
    if link is None or link.person_id != person_id:
        return False
    await session.delete(link)
    return True


async def alerts_to_escalate(session: AsyncSession, now: datetime, default: Thresholds
                             ) -> list[tuple[WatchAlert, Person]]:
    """Return unresolved alerts whose coordinator time has passed and that were not escalated."""
    rows = await session.execute(
        select(WatchAlert, Person).join(Person, Person.id == WatchAlert.person_id)
        .where(WatchAlert.resolved_at.is_(None), WatchAlert.escalated_at.is_(None))
        .order_by(WatchAlert.id))
    due = []
    for alert, person in rows:
        limits = await thresholds_for(session, alert.district_id, default)
        if alert.created_at + limits.contact_after <= now:
            due.append((alert, person))
    return due
