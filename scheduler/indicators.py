"""Outcome indicators (成果指標), defined in one place and computed per district and for the
municipality, per quarter or fiscal year, with the previous period beside them.

The groups are those of the pay-for-success project in seed 000: residents; older people and
those certified for care; care professionals and centres. Every indicator has a catalog key
for its name (``indicator.<key>``) and a one-line definition (``indicator.<key>.definition``)
that says exactly how it is counted, including what otagai does not record. The formulas are
in this module only: the workbook, the text and the chart read ``Report.value``.

Periods follow the Japanese fiscal year (April to March; Q1 = April-June). A period still
under way is counted up to now. Times are cut at midnight in the deployment's time zone.

Counts about needs, watching and help (``Indicator.sensitive``) are hidden from councils
below the threshold, with the digest's complementary suppression over every district and the
total (``suppression.decide_table``); a rate or median whose count is hidden is hidden too.
"""

from __future__ import annotations

import enum
import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Activity,
    ActivitySession,
    Area,
    AreaLevel,
    CheckinRound,
    Meeting,
    MeetingKind,
    MeetingSignup,
    MeetingStatus,
    MonthlyParticipants,
    Need,
    NeedStatus,
    Role,
    RoleGrant,
    SupportRequest,
    WatchAlert,
)
from models.activities import APPROVED, SessionStatus
from models.kayoinoba import NOT_A_PLACE
from models.needs import RequestStatus
from models.population import DistrictPopulation, population_at
from scheduler.digests.suppression import TOTAL, Mark, Row, decide_table

FOLLOW_UP = timedelta(days=2)  # "followed up within two days"


class Group(enum.StrEnum):
    """Whom an indicator is about (seed 000's three groups)."""

    RESIDENTS = "residents"
    OLDER = "older"
    PROFESSIONALS = "professionals"


class Form(enum.StrEnum):
    """How an indicator's value reads."""

    COUNT = "count"
    PERCENT = "percent"  # numerator / denominator * 100, one decimal
    DAYS = "days"  # a median, one decimal


@dataclass(frozen=True)
class Indicator:
    """One indicator: its key, group, form and, for a rate, the counts it divides."""

    key: str
    group: Group
    form: Form = Form.COUNT
    numerator: str | None = None
    denominator: str | None = None
    sensitive: bool = False  # hidden from councils below the threshold

    @property
    def name(self) -> str:
        """The catalog key of its name."""
        return f"indicator.{self.key}"

    @property
    def definition(self) -> str:
        """The catalog key of its one-line definition."""
        return f"indicator.{self.key}.definition"


R, OLD, P = Group.RESIDENTS, Group.OLDER, Group.PROFESSIONALS
INDICATORS: tuple[Indicator, ...] = (
    # residents
    Indicator("participants", R),
    Indicator("visits", R),
    Indicator("new_residents", R),
    Indicator("active_supporters", R, sensitive=True),
    Indicator("help_given", R, sensitive=True),
    # older people and those certified for care
    Indicator("kayoinoba_participants", OLD),
    Indicator("aged_65_plus", OLD),
    Indicator("aged_75_plus", OLD),
    Indicator("kayoinoba_rate", OLD, Form.PERCENT, "kayoinoba_participants", "aged_65_plus"),
    Indicator("certified", OLD),
    Indicator("checkins_sent", OLD),
    Indicator("checkins_answered", OLD),
    Indicator("checkin_rate", OLD, Form.PERCENT, "checkins_answered", "checkins_sent"),
    Indicator("checkin_people", OLD),
    Indicator("checkin_reach", OLD, Form.PERCENT, "checkin_people", "aged_65_plus"),
    Indicator("needs_raised", OLD, sensitive=True),
    Indicator("needs_followed_up", OLD, sensitive=True),
    Indicator("followed_up_share", OLD, Form.PERCENT, "needs_followed_up", "needs_raised"),
    Indicator("needs_resolved", OLD, sensitive=True),
    Indicator("median_days", OLD, Form.DAYS, "needs_resolved"),
    Indicator("watched_people", OLD, sensitive=True),
    Indicator("watching_coverage", OLD, Form.PERCENT, "watched_people", "aged_65_plus"),
    Indicator("alerts_raised", OLD, sensitive=True),
    Indicator("alerts_in_time", OLD, sensitive=True),
    Indicator("alerts_in_time_share", OLD, Form.PERCENT, "alerts_in_time", "alerts_raised"),
    # care professionals and centres
    Indicator("referrals_made", P, sensitive=True),
    Indicator("referrals_accepted", P, sensitive=True),
    Indicator("care_meetings", P),
    Indicator("care_meeting_attendance", P),
    Indicator("cases_discussed", P),
    Indicator("workshops", P),
)
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
SENSITIVE = tuple(i.key for i in INDICATORS if i.sensitive)
# A count and a part of it, counted over the same needs, alerts or requests: hidden together.
PAIRS = (("needs_raised", "needs_followed_up"), ("alerts_raised", "alerts_in_time"),
         ("help_given", "active_supporters"))
POPULATION = ("aged_65_plus", "aged_75_plus", "certified")
PREFIX = "indicator:"
# Unknown (not 0) in a period without any monthly count of participants.
MONTHLY_KEYS = frozenset({"participants", "kayoinoba_participants"})


def counts_as_kayoinoba() -> ColumnElement[bool]:
    """Which activities are 通いの場 for the participation rate (SQL over ``Activity``): as in
    the survey (``models.kayoinoba.counts_as_place``), the coordinator's word where given,
    else a gathering rather than help at home. (The survey's once-a-month condition is not
    SQL: an activity with a monthly count of participants was asked because it meets.)"""
    return and_(Activity.status.in_(APPROVED), or_(
        Activity.kayoinoba.is_(True),
        and_(Activity.kayoinoba.is_(None), Activity.kind.not_in(sorted(NOT_A_PLACE)))))


# ------------------------------------------------------------------------------ periods

@dataclass(frozen=True)
class Period:
    """A fiscal year (``quarter`` None) or one of its quarters."""

    fiscal_year: int
    quarter: int | None = None

    def __post_init__(self) -> None:
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError(f"a quarter is 1 to 4, not {self.quarter}")

    @property
    def first(self) -> date:
        """Its first day."""
        months = 3 * ((self.quarter or 1) - 1)
        month = 4 + months
        return date(self.fiscal_year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        """The day after its last day."""
        if self.quarter is None:
            return date(self.fiscal_year + 1, 4, 1)
        return Period(self.fiscal_year, self.quarter + 1).first if self.quarter < 4 \
            else date(self.fiscal_year + 1, 4, 1)

    @property
    def months(self) -> list[date]:
        """The first days of its months, in order."""
        found, day = [], self.first
        while day < self.end:
            found.append(day)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return found

    @property
    def name(self) -> str:
        """``2026`` or ``2026-Q3`` (fiscal year 2026 = April 2026 to March 2027)."""
        return str(self.fiscal_year) if self.quarter is None \
            else f"{self.fiscal_year}-Q{self.quarter}"

    def previous(self) -> Period:
        """The period before: the previous quarter (Q4 of last year before Q1), or year."""
        if self.quarter is None:
            return Period(self.fiscal_year - 1)
        if self.quarter == 1:
            return Period(self.fiscal_year - 1, 4)
        return Period(self.fiscal_year, self.quarter - 1)

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """Its start and end (midnight in ``zone``), in UTC."""
        return (datetime.combine(self.first, time(), zone).astimezone(UTC),
                datetime.combine(self.end, time(), zone).astimezone(UTC))


def fiscal_year_of(day: date) -> int:
    """The fiscal year a day falls in (January-March belong to the year before)."""
    return day.year if day.month >= 4 else day.year - 1


def quarter_of(day: date) -> Period:
    """The quarter a day falls in."""
    return Period(fiscal_year_of(day), (day.month - 4) % 12 // 3 + 1)


def last_full_quarter(now: datetime, zone: tzinfo) -> Period:
    """The latest quarter that has ended by ``now``."""
    return quarter_of(now.astimezone(zone).date()).previous()


# ------------------------------------------------------------------------------ figures

@dataclass
class Figures:
    """One district's (or the total's) counts of one period."""

    counts: Counter[str] = field(default_factory=Counter)
    durations: list[float] = field(default_factory=list)  # days to resolution
    population: bool = False  # True when the population figures are known

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.counts + other.counts, self.durations + other.durations,
                       self.population and other.population)


@dataclass
class Computed:
    """Every district's figures of one period, the municipality's own meetings, and the
    month whose participants in person were counted."""

    period: Period
    by_district: dict[int, Figures]
    city: Figures  # what belongs to the municipality, not to a district (its meetings)
    month: date | None  # the reference month (None: no counts in the period)
    population_as_of: date | None

    def total(self) -> Figures:
        """The municipality: every district and its own meetings."""
        total = Figures(population=bool(self.by_district))
        for figures in self.by_district.values():
            total = total + figures
        return total + Figures(self.city.counts, self.city.durations, total.population)


ByDistrict = dict[int | None, Figures]  # the queries select only districts: never None


@dataclass(frozen=True)
class _Span:
    """What every query of one period needs."""

    session: AsyncSession
    ids: list[int]
    start: datetime
    end: datetime
    figures: ByDistrict


async def compute(session: AsyncSession, municipality: Area, period: Period, zone: tzinfo,
                  now: datetime) -> Computed:
    """Return every district's figures of a period (counted up to ``now``)."""
    districts = list(await session.scalars(
        select(Area).where(Area.parent_id == municipality.id,
                           Area.level == AreaLevel.DISTRICT).order_by(Area.id)))
    ids = [d.id for d in districts]
    start, end = period.bounds(zone)
    end = min(end, max(now, start))
    figures: ByDistrict = {d: Figures() for d in ids}
    city = Figures()
    span = _Span(session, ids, start, end, figures)
    month = None
    as_of = None
    if ids:
        month = await _participants(span, period, zone)
        await _people(span)
        await _checkins(span)
        await _needs(span)
        await _alerts(span)
        await _meetings(span, municipality.id, city)
        population = await population_at(session, ids, period.end - timedelta(days=1))
        for district, row in population.items():
            _population(figures[district], row)
            as_of = max(as_of or row.as_of, row.as_of)
    return Computed(period, {d: figures[d] for d in ids}, city, month, as_of)


def _population(figures: Figures, row: DistrictPopulation) -> None:
    figures.population = True
    figures.counts["aged_65_plus"] = row.aged_65_plus
    figures.counts["aged_75_plus"] = row.aged_75_plus
    figures.counts["certified"] = row.certified


def _within(column: Any, start: datetime, end: datetime
            ) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


async def _participants(span: _Span, period: Period, zone: tzinfo) -> date | None:
    """Participants in person in the reference month; visits (headcounts) in the period."""
    session, ids, end, figures = span.session, span.ids, span.end, span.figures
    last_month = end.astimezone(zone).date()
    months = [m for m in period.months if m <= last_month]
    counted = await session.execute(
        select(MonthlyParticipants.month, Activity.district_id,
               func.sum(MonthlyParticipants.people),
               func.sum(MonthlyParticipants.people).filter(counts_as_kayoinoba()))
        .join(Activity, Activity.id == MonthlyParticipants.activity_id)
        .where(Activity.district_id.in_(ids), Activity.status.in_(APPROVED),
               MonthlyParticipants.month.in_(months))
        .group_by(MonthlyParticipants.month, Activity.district_id))
    by_month: dict[date, list[tuple[int | None, int, int]]] = {}
    for month, district, people, kayoinoba in counted:
        by_month.setdefault(month, []).append((district, int(people or 0),
                                               int(kayoinoba or 0)))
    reference = max(by_month, default=None)
    for district, people, kayoinoba in by_month.get(reference, []) if reference else []:
        figures[district].counts["participants"] += people
        figures[district].counts["kayoinoba_participants"] += kayoinoba
    start = period.bounds(zone)[0]
    visits = await session.execute(
        select(Activity.district_id, func.sum(ActivitySession.participants))
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(Activity.district_id.in_(ids), ActivitySession.status == SessionStatus.HELD,
               _within(ActivitySession.starts_at, start, end))
        .group_by(Activity.district_id))
    for district, summed in visits:
        figures[district].counts["visits"] += int(summed or 0)
    return reference


async def _people(span: _Span) -> None:
    session, ids, start, end, figures = (span.session, span.ids, span.start, span.end,
                                         span.figures)
    """New residents; supporters' help (requests accepted) by the need's district."""
    rows = await session.execute(
        select(RoleGrant.area_id, func.count())
        .where(RoleGrant.area_id.in_(ids), RoleGrant.role == Role.RESIDENT,
               _within(RoleGrant.created_at, start, end))
        .group_by(RoleGrant.area_id))
    for district, count in rows:
        figures[district].counts["new_residents"] += count
    helped = await session.execute(
        select(Need.district_id, func.count(), func.count(func.distinct(
            SupportRequest.supporter_id)))
        .select_from(SupportRequest).join(Need, Need.id == SupportRequest.need_id)
        .where(Need.district_id.in_(ids), SupportRequest.status == RequestStatus.ACCEPTED,
               SupportRequest.activity_id.is_(None),
               _within(SupportRequest.answered_at, start, end))
        .group_by(Need.district_id))
    for district, count, supporters in helped:
        figures[district].counts["help_given"] += count
        figures[district].counts["active_supporters"] += supporters
    accepted = await session.execute(
        select(Need.district_id, func.count())
        .select_from(SupportRequest).join(Need, Need.id == SupportRequest.need_id)
        .where(Need.district_id.in_(ids), SupportRequest.status == RequestStatus.ACCEPTED,
               SupportRequest.activity_id.is_not(None),
               _within(SupportRequest.answered_at, start, end))
        .group_by(Need.district_id))
    for district, count in accepted:
        figures[district].counts["referrals_accepted"] += count
    asked = await session.execute(
        select(Need.district_id, func.count())
        .select_from(SupportRequest).join(Need, Need.id == SupportRequest.need_id)
        .where(Need.district_id.in_(ids), SupportRequest.activity_id.is_not(None),
               _within(SupportRequest.created_at, start, end))
        .group_by(Need.district_id))
    for district, count in asked:
        figures[district].counts["referrals_made"] += count


async def _checkins(span: _Span) -> None:
    session, ids, start, end, figures = (span.session, span.ids, span.start, span.end,
                                         span.figures)
    rows = await session.execute(
        select(CheckinRound.district_id, func.count(),
               func.count(CheckinRound.level),
               func.count(func.distinct(CheckinRound.person_id)).filter(
                   CheckinRound.level.is_not(None)),
               func.count(func.distinct(CheckinRound.person_id)).filter(
                   CheckinRound.watched.is_(True)))
        .where(CheckinRound.district_id.in_(ids), _within(CheckinRound.asked_at, start, end))
        .group_by(CheckinRound.district_id))
    for district, sent, answered, people, watched in rows:
        counts = figures[district].counts
        counts["checkins_sent"] += sent
        counts["checkins_answered"] += answered
        counts["checkin_people"] += people
        counts["watched_people"] += watched


async def _needs(span: _Span) -> None:
    session, ids, start, end, figures = (span.session, span.ids, span.start, span.end,
                                         span.figures)
    rows = await session.execute(
        select(Need.district_id, Need.status, Need.raised_at, Need.taken_at,
               Need.referred_at, Need.finished_at)
        .where(Need.district_id.in_(ids), Need.raised_at.is_not(None),
               (_within(Need.raised_at, start, end) | _within(Need.finished_at, start, end)
                | _within(Need.referred_at, start, end))))
    for district, status, *moments in rows:
        one = figures[district]
        raised, taken, referred, finished = (_utc(m) for m in moments)
        if raised is not None and start <= raised < end:
            one.counts["needs_raised"] += 1
            first = min((t for t in (taken, referred, finished) if t is not None),
                        default=None)
            if first is not None and first - raised <= FOLLOW_UP and first < end:
                one.counts["needs_followed_up"] += 1
        if referred is not None and start <= referred < end:
            one.counts["referrals_made"] += 1
        if status is NeedStatus.RESOLVED and finished is not None and start <= finished < end:
            one.counts["needs_resolved"] += 1
            assert raised is not None
            one.durations.append((finished - raised).total_seconds() / 86400)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


async def _alerts(span: _Span) -> None:
    session, ids, start, end, figures = (span.session, span.ids, span.start, span.end,
                                         span.figures)
    rows = await session.execute(
        select(WatchAlert.district_id, WatchAlert.resolved_at, WatchAlert.escalated_at)
        .where(WatchAlert.district_id.in_(ids), _within(WatchAlert.created_at, start, end)))
    for district, *moments in rows:
        counts = figures[district].counts
        counts["alerts_raised"] += 1
        resolved, escalated = (_utc(m) for m in moments)
        if resolved is not None and resolved < end and (escalated is None
                                                        or resolved <= escalated):
            counts["alerts_in_time"] += 1


async def _meetings(span: _Span, city_id: int, city: Figures) -> None:
    session, ids, start, end, figures = (span.session, span.ids, span.start, span.end,
                                         span.figures)
    held = await session.execute(
        select(Meeting.id, Meeting.area_id, Meeting.kind, Meeting.walk_ins)
        .where(Meeting.area_id.in_([*ids, city_id]), Meeting.status == MeetingStatus.SCHEDULED,
               Meeting.kind.in_((MeetingKind.CARE_MEETING, MeetingKind.WORKSHOP)),
               _within(Meeting.starts_at, start, end)))
    meetings = list(held)
    attended: dict[int, int] = {}
    if meetings:
        counted = await session.execute(
            select(MeetingSignup.meeting_id, func.count())
            .where(MeetingSignup.meeting_id.in_([m[0] for m in meetings]),
                   MeetingSignup.attended.is_(True))
            .group_by(MeetingSignup.meeting_id))
        attended.update((meeting_id, count) for meeting_id, count in counted)
    for meeting_id, area_id, kind, walk_ins in meetings:
        counts = (city if area_id == city_id else figures[area_id]).counts
        if kind is MeetingKind.WORKSHOP:
            counts["workshops"] += 1
            continue
        counts["care_meetings"] += 1
        counts["cases_discussed"] += 1
        counts["care_meeting_attendance"] += attended.get(meeting_id, 0) + (walk_ins or 0)


# ------------------------------------------------------------------------------ the report

Value = int | float | Mark | None  # None: not known (no population, nothing to divide)


@dataclass
class Report:
    """A scope's indicators for a period and the period before."""

    municipality: Area
    area: Area  # the municipality, or one district
    districts: list[Area]  # every district of the municipality
    current: Computed
    previous: Computed
    threshold: int
    exact: bool  # coordinators read exact counts; councils read suppressed ones
    _hidden: dict[int, dict[tuple[Row, str], Mark]] = field(default_factory=dict,
                                                            init=False, repr=False)

    @property
    def period(self) -> Period:
        """The report's period."""
        return self.current.period

    @property
    def rows(self) -> list[Row]:
        """The rows shown: the district, or every district and the total."""
        if self.area.level is AreaLevel.DISTRICT:
            return [self.area.id]
        return [*(d.id for d in self.districts), TOTAL]

    def row_name(self, row: Row) -> str | None:
        """A district's name (None for the total)."""
        return next((d.name for d in self.districts if d.id == row), None)

    def _figures(self, computed: Computed, row: Row) -> Figures:
        return computed.total() if row is TOTAL else computed.by_district[row]

    def hidden(self, which: Computed) -> dict[tuple[Row, str], Mark]:
        """The hidden cells of one period (decided over every district and the total)."""
        if self.exact:
            return {}
        key = id(which)
        if key not in self._hidden:
            self._hidden[key] = decide(
                {d: figures.counts for d, figures in which.by_district.items()},
                self.threshold)
        return self._hidden[key]

    def value(self, key: str, row: Row, *, previous: bool = False) -> Value:
        """An indicator's value in a row: a number, a ``Mark`` when hidden, None unknown."""
        indicator = BY_KEY[key]
        which = self.previous if previous else self.current
        figures = self._figures(which, row)
        hidden = self.hidden(which)
        if which.month is None and MONTHLY_KEYS & {key, indicator.numerator}:
            return None
        if indicator.form is Form.COUNT:
            if key in POPULATION and not figures.population:
                return None
            return hidden.get((row, key), figures.counts[key])
        assert indicator.numerator is not None
        if (row, indicator.numerator) in hidden or (
                indicator.denominator and (row, indicator.denominator) in hidden):
            return hidden.get((row, indicator.numerator)) or Mark.BELOW
        return _ratio(indicator, figures)

    def trend(self, key: str, row: Row) -> str:
        """↑, ↓ or → against the previous period, or "" when either is not exact."""
        now, before = self.value(key, row), self.value(key, row, previous=True)
        if not isinstance(now, int | float) or not isinstance(before, int | float) \
                or isinstance(now, bool):
            return ""
        return "↑" if now > before else "↓" if now < before else "→"


def decide(counts: Mapping[int, Mapping[str, int]], threshold: int
           ) -> dict[tuple[Row, str], Mark]:
    """The hidden cells of one period: every district's sensitive counts (and the total),
    decided together (``suppression.decide_table``), with each part hidden with its whole."""
    # Named apart from the digest's columns (its new needs are coupled to categories).
    values: dict[tuple[Row, str], int] = {
        (d, PREFIX + column): row.get(column, 0)
        for d, row in counts.items() for column in SENSITIVE}
    if not values:
        return {}
    pairs = [(PREFIX + main, PREFIX + sub) for main, sub in PAIRS]
    decided = decide_table(values, list(counts), threshold, pairs)
    return {(row, column[len(PREFIX):]): mark for (row, column), mark in decided.items()}


def _ratio(indicator: Indicator, figures: Figures) -> Value:
    """A rate (percent) or a median (days) from exact counts; None when it has no base."""
    if indicator.form is Form.DAYS:
        return round(statistics.median(figures.durations), 1) if figures.durations else None
    assert indicator.numerator is not None
    assert indicator.denominator is not None
    if indicator.denominator in POPULATION and not figures.population:
        return None
    below = figures.counts[indicator.denominator]
    if not below:
        return None
    return round(100 * figures.counts[indicator.numerator] / below, 1)


async def build_report(session: AsyncSession, area: Area, period: Period, zone: tzinfo, *,
                       now: datetime, threshold: int, exact: bool) -> Report:
    """Return the report of an area (a municipality, or one district) for a period."""
    municipality = area if area.parent_id is None else await session.get(Area, area.parent_id)
    assert municipality is not None
    current = await compute(session, municipality, period, zone, now)
    previous = await compute(session, municipality, period.previous(), zone, now)
    districts = list(await session.scalars(
        select(Area).where(Area.parent_id == municipality.id).order_by(Area.id)))
    return Report(municipality, area, districts, current, previous, threshold, exact)
