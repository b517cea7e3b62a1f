"""What happened in a council's area in one ISO week, and in the weeks before: pure queries.

A digest covers a *scope*: one district, or a municipality broken down by its districts. Every
figure is computed per district and per week for ``WEEKS`` weeks ending with the digest's week
(the chart and the trends need them), with a fixed number of grouped queries over indexed
time ranges: the work does not grow with the length of the history kept.

What the database does not record, the digest cannot know, so some figures are defined by what
is stored (see ``Figures``). Meetings come as an extra section (``meetings.py``); another
capability adds one the same way: a ``SectionBuilder`` appended to ``EXTRA_SECTIONS``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Area,
    AreaLevel,
    CheckinRound,
    Council,
    Need,
    NeedStatus,
    Role,
    RoleGrant,
    WatchAlert,
)
from models.activities import SessionStatus
from models.digests import episodes_of, week_start
from scheduler.digests.meetings import meetings_section
from scheduler.digests.scope import Scope, Section, SectionBuilder
from scheduler.digests.suppression import Row, Suppression

WEEKS = 8  # the chart's weeks; the trend uses the last five of them
AVERAGE_WEEKS = 4
TREND_FIRST = WEEKS - AVERAGE_WEEKS - 1  # the first week the trend looks at
REGISTERED = (ActivityStatus.ACTIVE, ActivityStatus.PAUSED, ActivityStatus.ENDED)


@dataclass
class Figures:
    """One week's numbers for one district (or, added up, for a scope).

    - sessions: records of activity sessions that started in the week, by their status;
      ``participants`` is the sum of the reported counts of held sessions;
    - ``unreported_activities``: activities whose organiser was asked about a session of the
      week and has not answered;
    - new activities: registered (approved, or registered by a coordinator) in the week;
      paused and ended: activities whose *current* status is paused or ended and whose status
      changed in the week (``Activity.status_changed_at``, stored from migration 0009 on;
      earlier changes have no time and are not counted);
    - new residents and supporters: roles granted in the week; ``active_people``: distinct
      people who answered a check-in or reported a session count in the week;
    - check-ins: rounds asked in the week and, of those, the ones answered (read for the
      weeks of the trend only; ``active_people`` likewise counts check-in answers only there);
    - needs: raised, taken, referred (``Need.referred_at``, from migration 0009 on) and
      resolved in the week; ``needs_open``: raised before the week's end and not finished by
      then, with the age in days of the oldest of them at the week's end;
    - watching alerts raised and resolved in the week.

    Added up over districts, ``active_people`` counts someone active in two districts (who
    answered in one and reported in another) twice.
    """

    sessions_held: int = 0
    sessions_cancelled: int = 0
    participants: int = 0
    sessions_by_kind: Counter[str] = field(default_factory=Counter)
    participants_by_kind: Counter[str] = field(default_factory=Counter)
    participants_by_meaning: Counter[str] = field(default_factory=Counter)
    unreported_activities: int = 0
    new_activities: int = 0
    paused_activities: int = 0
    ended_activities: int = 0
    new_residents: int = 0
    new_supporters: int = 0
    active_people: int = 0
    checkins_sent: int = 0
    checkins_answered: int = 0
    answers_by_level: Counter[str] = field(default_factory=Counter)
    needs_raised: int = 0
    needs_by_category: Counter[str] = field(default_factory=Counter)
    needs_taken: int = 0
    needs_referred: int = 0
    needs_resolved: int = 0
    needs_open: int = 0
    oldest_open_days: int | None = None
    alerts_raised: int = 0
    alerts_resolved: int = 0

    @property
    def response_rate(self) -> float | None:
        """The share of check-ins answered (0-1), or None when none was sent."""
        return self.checkins_answered / self.checkins_sent if self.checkins_sent else None

    def __add__(self, other: Figures) -> Figures:
        total = Figures()
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if f.name == "oldest_open_days":
                known = [v for v in (mine, theirs) if v is not None]
                setattr(total, f.name, max(known) if known else None)
            else:
                setattr(total, f.name, mine + theirs)
        return total


@dataclass
class Digest:
    """A scope's figures for ``WEEKS`` weeks, the last of them the digest's own week."""

    scope: Scope
    weeks: list[date]  # Mondays, oldest first
    by_district: dict[int, list[Figures]]
    episodes: list[tuple[int, str]]  # (area id, text) of the digest's week
    sections: list[Section] = field(default_factory=list)
    # Every district of the municipality, week by week (for a district council, its
    # siblings too); empty: the districts covered are all of it.
    municipality: dict[int, list[Figures]] = field(default_factory=dict)
    # The totals once added up: the text, the chart and every workbook read them, a city's
    # adding up all its districts' figures for each of the weeks (the figures never change).
    _totals: dict[int, Figures] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)
    _suppressions: dict[int, Suppression] = field(default_factory=dict, init=False,
                                                  repr=False, compare=False)

    @property
    def week(self) -> date:
        """The Monday of the digest's week."""
        return self.weeks[-1]

    def total(self, index: int = -1) -> Figures:
        """Return the whole scope's figures of one week (the digest's week by default).

        The same object every time: read it, do not change it."""
        index %= len(self.weeks)
        if index not in self._totals:
            total = Figures()
            for weekly in self.by_district.values():
                total = total + weekly[index]
            self._totals[index] = total
        return self._totals[index]

    @property
    def row(self) -> Row:
        """The row of the suppression's tables that is the whole scope: the municipal total,
        or the district's own row."""
        return None if self.scope.municipal else self.scope.districts[0].id

    def suppression(self, threshold: int) -> Suppression:
        """Which counts a council reading at ``threshold`` may not see exactly."""
        if threshold not in self._suppressions:
            self._suppressions[threshold] = Suppression(
                self.municipality or self.by_district, threshold)
        return self._suppressions[threshold]

    def district(self, district_id: int, index: int = -1) -> Figures:
        """Return one district's figures of one week."""
        return self.by_district[district_id][index]

    def series(self, name: str) -> list[float]:
        """Return a total figure (an attribute of ``Figures``) for every week, oldest first."""
        values = []
        for index in range(len(self.weeks)):
            value = getattr(self.total(index), name)
            values.append(0.0 if value is None else float(value))
        return values

    def area_name(self, area_id: int) -> str:
        """Return the name of an area of the scope."""
        for area in (self.scope.area, *self.scope.districts):
            if area.id == area_id:
                return area.name
        return ""


Weeks = tuple[list[date], list[datetime]]  # Mondays, and the WEEKS + 1 boundaries in UTC
# Sections that live in their own modules, after the figures.
EXTRA_SECTIONS: list[SectionBuilder] = [meetings_section]


async def scope_of(session: AsyncSession, council: Council) -> Scope:
    """Return the scope of a council: its district, or its municipality's districts."""
    area = await session.get(Area, council.area_id)
    assert area is not None  # a council's area cannot be deleted (RESTRICT)
    if area.level is AreaLevel.DISTRICT:
        siblings = (area,) if area.parent_id is None else tuple(await session.scalars(
            select(Area).where(Area.parent_id == area.parent_id).order_by(Area.id)))
        return Scope(council, area, (area,), siblings)
    districts = tuple(await session.scalars(select(Area).where(Area.parent_id == area.id)
                                            .order_by(Area.id)))
    return Scope(council, area, districts, districts)


def week_bounds(week: date, zone: tzinfo, count: int = WEEKS) -> Weeks:
    """Return the ``count`` Mondays ending with ``week`` and their boundaries in UTC."""
    mondays = [week - timedelta(days=7 * (count - 1 - i)) for i in range(count)]
    bounds = [week_start(monday, zone).astimezone(UTC) for monday in mondays]
    bounds.append(week_start(week + timedelta(days=7), zone).astimezone(UTC))
    return mondays, bounds


# Each district's figures, week by week. The queries select only the districts asked for, so a
# district id read back is never NULL, though the columns that hold it may be.
ByDistrict = dict[int | None, list[Figures]]


def _bucket(column: Any, bounds: list[datetime], first: int = 0) -> ColumnElement[int]:
    """The index of the week a time falls in (NULL outside the weeks); only the weeks from
    ``first`` on are considered (the query reads no earlier rows)."""
    return case(*[(and_(column >= bounds[i], column < bounds[i + 1]), literal(i))
                  for i in range(first, len(bounds) - 1)], else_=None)


def _trend_bounds(bounds: list[datetime]) -> list[datetime]:
    """The boundaries of the weeks the trend needs: this week and the four before it.

    Check-ins are the largest table (one row per resident and week); only these weeks are
    read from it, since nothing shows their earlier weeks.
    """
    return bounds[TREND_FIRST:]


def _within(column: Any, bounds: list[datetime]) -> ColumnElement[bool]:
    return and_(column >= bounds[0], column < bounds[-1])


def _week_index(moment: datetime | None, bounds: list[datetime]) -> int | None:
    if moment is None:
        return None
    for i in range(len(bounds) - 1):
        if bounds[i] <= moment < bounds[i + 1]:
            return i
    return None


async def build_digest(session: AsyncSession, council: Council, week: date, zone: tzinfo
                       ) -> Digest:
    """Return the digest of a council for the week beginning on Monday ``week``."""
    return (await build_digests(session, [council], week, zone))[council.id]


async def build_digests(session: AsyncSession, councils: list[Council], week: date,
                        zone: tzinfo) -> dict[int, Digest]:
    """Return the digests of several councils for one week, by council id.

    Every district's figures are computed once, in one pass of grouped queries over all the
    districts concerned; a district council's digest and its municipality's share them. The
    weekly job builds every council this way.
    """
    scopes = [await scope_of(session, council) for council in councils]
    ids = sorted({d for scope in scopes for d in scope.municipality_ids})
    mondays, bounds = week_bounds(week, zone)
    figures: ByDistrict = {d: [Figures() for _ in mondays] for d in ids}
    if ids:
        await _activities(session, ids, bounds, figures)
        await _people(session, ids, bounds, figures)
        await _checkins(session, ids, bounds, figures)
        await _needs(session, ids, bounds, figures)
        await _alerts(session, ids, bounds, figures)
    digests = {}
    for scope in scopes:
        episodes = await episodes_of(session, [scope.area.id, *scope.district_ids], week)
        sections = [await build(session, scope, mondays, bounds) for build in EXTRA_SECTIONS]
        digests[scope.council.id] = Digest(
            scope, mondays, {d: figures[d] for d in scope.district_ids}, episodes, sections,
            {d: figures[d] for d in scope.municipality_ids})
    return digests


async def _activities(session: AsyncSession, ids: list[int], bounds: list[datetime],
                      figures: ByDistrict) -> None:
    registered = await session.execute(
        select(Activity.id, Activity.district_id, Activity.kind, Activity.meanings,
               Activity.status, Activity.created_at, Activity.reviewed_at,
               Activity.status_changed_at)
        .where(Activity.district_id.in_(ids), Activity.status.in_(REGISTERED)))
    known: dict[int, tuple[str, list[str]]] = {}
    for (activity_id, district, kind, meanings, status, created, reviewed,
         changed) in registered:
        known[activity_id] = ((kind or ActivityKind.OTHER).value, list(meanings or []))
        weekly = figures[district]
        started = _week_index(reviewed or created, bounds)
        if started is not None:
            weekly[started].new_activities += 1
        moved = _week_index(changed, bounds)
        if moved is not None and status is ActivityStatus.PAUSED:
            weekly[moved].paused_activities += 1
        elif moved is not None and status is ActivityStatus.ENDED:
            weekly[moved].ended_activities += 1

    week = _bucket(ActivitySession.starts_at, bounds).label("week")
    held = await session.execute(
        select(Activity.district_id, week, ActivitySession.activity_id, ActivitySession.status,
               func.count(), func.coalesce(func.sum(ActivitySession.participants), 0,
                                           type_=Integer))
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(Activity.district_id.in_(ids), _within(ActivitySession.starts_at, bounds))
        .group_by(Activity.district_id, week, ActivitySession.activity_id,
                  ActivitySession.status))
    for district, index, activity_id, outcome, count, summed in held:
        one, participants = figures[district][index], int(summed or 0)
        label, meanings = known.get(activity_id, (ActivityKind.OTHER.value, []))
        if outcome is SessionStatus.HELD:
            one.sessions_held += count
            one.participants += participants
            one.sessions_by_kind[label] += count
            one.participants_by_kind[label] += participants
            for meaning in meanings:
                one.participants_by_meaning[meaning] += participants
        elif outcome is SessionStatus.CANCELLED:
            one.sessions_cancelled += count
        else:
            one.unreported_activities += 1  # grouped by activity: one row per activity


async def _people(session: AsyncSession, ids: list[int], bounds: list[datetime],
                  figures: ByDistrict) -> None:
    week = _bucket(RoleGrant.created_at, bounds).label("week")
    rows = await session.execute(
        select(RoleGrant.area_id, RoleGrant.role, week, func.count())
        .where(RoleGrant.area_id.in_(ids), RoleGrant.role.in_((Role.RESIDENT, Role.SUPPORTER)),
               _within(RoleGrant.created_at, bounds))
        .group_by(RoleGrant.area_id, RoleGrant.role, week))
    for district, role, index, count in rows:
        if role is Role.RESIDENT:
            figures[district][index].new_residents += count
        else:
            figures[district][index].new_supporters += count

    answered = (select(CheckinRound.district_id.label("district"),
                       CheckinRound.person_id.label("person"),
                       _bucket(CheckinRound.answered_at, bounds, TREND_FIRST).label("week"))
                .where(CheckinRound.district_id.in_(ids),
                       _within(CheckinRound.answered_at, _trend_bounds(bounds))))
    reported = (select(Activity.district_id.label("district"),
                       ActivitySession.reported_by_id.label("person"),
                       _bucket(ActivitySession.reported_at, bounds).label("week"))
                .join(Activity, Activity.id == ActivitySession.activity_id)
                .where(Activity.district_id.in_(ids), ActivitySession.reported_by_id.is_not(None),
                       _within(ActivitySession.reported_at, bounds)))
    active = union_all(answered, reported).subquery()
    people = await session.execute(
        select(active.c.district, active.c.week,
               func.count(func.distinct(active.c.person)).label("count"))
        .group_by(active.c.district, active.c.week))
    for row in people:  # the union's columns carry no Python types: read them by name
        figures[row.district][row.week].active_people += row.count


async def _checkins(session: AsyncSession, ids: list[int], bounds: list[datetime],
                    figures: ByDistrict) -> None:
    week = _bucket(CheckinRound.asked_at, bounds, TREND_FIRST).label("week")
    rows = await session.execute(
        select(CheckinRound.district_id, week, CheckinRound.level, func.count())
        .where(CheckinRound.district_id.in_(ids),
               _within(CheckinRound.asked_at, _trend_bounds(bounds)))
        .group_by(CheckinRound.district_id, week, CheckinRound.level))
    for district, index, level, count in rows:
        one = figures[district][index]
        one.checkins_sent += count
        if level is not None:
            one.checkins_answered += count
            one.answers_by_level[level.value] += count


async def _needs(session: AsyncSession, ids: list[int], bounds: list[datetime],
                 figures: ByDistrict) -> None:
    events = await session.execute(
        select(Need.district_id, Need.categories, Need.status, Need.raised_at, Need.taken_at,
               Need.referred_at, Need.finished_at)
        .where(Need.district_id.in_(ids), Need.raised_at.is_not(None),
               or_(_within(Need.raised_at, bounds), _within(Need.taken_at, bounds),
                   _within(Need.referred_at, bounds), _within(Need.finished_at, bounds))))
    for district, categories, status, raised, taken, referred, finished in events:
        weekly = figures[district]
        index = _week_index(raised, bounds)
        if index is not None:
            weekly[index].needs_raised += 1
            weekly[index].needs_by_category.update(set(categories or []))
        for moment, name in ((taken, "needs_taken"), (referred, "needs_referred")):
            index = _week_index(moment, bounds)
            if index is not None:
                setattr(weekly[index], name, getattr(weekly[index], name) + 1)
        index = _week_index(finished, bounds)
        if index is not None and status is NeedStatus.RESOLVED:
            weekly[index].needs_resolved += 1

    columns: list[Any] = []
    for end in bounds[1:]:
        still_open = and_(Need.raised_at < end,
                          or_(Need.finished_at.is_(None), Need.finished_at >= end))
        columns += [func.sum(case((still_open, 1), else_=0)),
                    func.min(case((still_open, Need.raised_at), else_=None))]
    still = await session.execute(
        select(Need.district_id, *columns)
        .where(Need.district_id.in_(ids), Need.raised_at.is_not(None),
               Need.raised_at < bounds[-1],
               or_(Need.finished_at.is_(None), Need.finished_at >= bounds[1]))
        .group_by(Need.district_id))
    for row in still:
        district, values = row[0], row[1:]
        for week_index, end in enumerate(bounds[1:]):
            open_count, oldest = values[2 * week_index], values[2 * week_index + 1]
            figures[district][week_index].needs_open = int(open_count or 0)
            if open_count:
                figures[district][week_index].oldest_open_days = (end - _aware(oldest)).days


def _aware(value: Any) -> datetime:
    """A time read back through MIN(), as a datetime or (SQLite) the stored text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def _alerts(session: AsyncSession, ids: list[int], bounds: list[datetime],
                  figures: ByDistrict) -> None:
    for column, name in ((WatchAlert.created_at, "alerts_raised"),
                         (WatchAlert.resolved_at, "alerts_resolved")):
        week = _bucket(column, bounds).label("week")
        rows = await session.execute(
            select(WatchAlert.district_id, week, func.count())
            .where(WatchAlert.district_id.in_(ids), _within(column, bounds))
            .group_by(WatchAlert.district_id, week))
        for district, index, count in rows:
            setattr(figures[district][index], name, count)


def average(values: Iterable[float]) -> float:
    """Return the mean of some weekly values (0 for none)."""
    listed = list(values)
    return sum(listed) / len(listed) if listed else 0.0


def trend(digest: Digest, name: str) -> tuple[float, float, float]:
    """Return a total figure this week, last week, and its average over the 4 weeks before."""
    values = digest.series(name)
    return values[-1], values[-2], average(values[-1 - AVERAGE_WEEKS:-1])

