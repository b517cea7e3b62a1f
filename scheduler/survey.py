"""The national survey of 通いの場, filled in from the registry: one row per place (activity)
with its survey fields, 開催頻度 from its schedule, and the 参加者実人数 of one month.

Which month: the one asked for, else March of the fiscal year (the survey's 「可能ならば、
3月時点の状況」), else the latest month of the fiscal year that has any count. Places whose
count or category is missing are listed, so the municipal officer can fill them in. No
Telegram here; the workbook is written by ``scheduler.digests.survey_workbook``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import N_
from models import Activity, ActivityStatus, Area
from models.activities import APPROVED
from models.areas import AreaLevel
from models.kayoinoba import (
    Band,
    Operator,
    SurveyCategory,
    Venue,
    band,
    counts_as_place,
    fiscal_year_months,
)
from models.participants import MonthlyParticipants, between
from models.schedule import Schedule
from scheduler.digests.suppression import Mark, decide_table


class SurveyError(ValueError):
    """The survey cannot be written; ``key`` and ``params`` name a catalog message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key, self.params = key, params


# What may be missing from a place's row (catalog keys ``survey.missing.<code>``).
MISSING = ("people", "category", "operator", "venue", "fee", "professionals")


@dataclass(frozen=True)
class Place:
    """One row of the survey: a place and what is known of it (no person's name)."""

    activity_id: int
    name: str
    municipality: str
    district: str
    place: str
    schedule: Schedule | None
    status: ActivityStatus
    category: SurveyCategory | None
    operator: Operator | None
    venue: Venue | None
    band: Band | None
    has_fee: bool | None
    professionals: bool | None
    people: int | None
    aged_65_plus: int | None

    def missing(self) -> list[str]:
        """Return the codes of what the officer still has to fill in (``MISSING``)."""
        values = {"people": self.people, "category": self.category,
                  "operator": self.operator, "venue": self.venue, "fee": self.has_fee,
                  "professionals": self.professionals}
        return [code for code in MISSING if values[code] is None]


@dataclass(frozen=True)
class Survey:
    """The places of a fiscal year, and the month whose 実人数 they show."""

    fiscal_year: int
    month: date
    month_given: bool  # chosen with --month, not found
    month_has_counts: bool
    area: str | None  # the area asked for, or None for all
    places: list[Place]

    @property
    def people(self) -> int:
        """The sum of the places' 実人数 (a person at two places counts twice, as in the
        survey, which adds its places)."""
        return sum(p.people or 0 for p in self.places)


def hidden_counts(survey: Survey, threshold: int) -> dict[int | None, Mark]:
    """Which places' 実人数 (by their index in ``survey.places``; None: the total) a reader of
    the file without ``--exact`` may not see exactly: under the threshold, and whatever would
    give one back by subtraction from the total (the digest's suppression, places as rows)."""
    counted = {index: place.people for index, place in enumerate(survey.places)
               if place.people is not None}
    if not counted:
        return {}
    decided = decide_table({(index, "people"): people for index, people in counted.items()},
                           list(counted), threshold)
    return {row: mark for (row, _column), mark in decided.items()}  # TOTAL is None


def parse_month(text: str) -> date:
    """Return the first day of a month written YYYY-MM; raise SurveyError otherwise."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise SurveyError(N_("survey.cli.bad_month"), month=text) from None


def _fiscal_bounds(fiscal_year: int, zone: tzinfo) -> tuple[datetime, datetime]:
    return (datetime(fiscal_year, 4, 1, tzinfo=zone), datetime(fiscal_year + 1, 4, 1, tzinfo=zone))


async def _districts(session: AsyncSession, area_id: int | None) -> tuple[dict[int, Area],
                                                                            str | None]:
    areas = {a.id: a for a in await session.scalars(select(Area))}
    if area_id is None:
        return {i: a for i, a in areas.items() if a.level is AreaLevel.DISTRICT}, None
    chosen = areas.get(area_id)
    if chosen is None:
        raise SurveyError(N_("survey.cli.no_area"), area=area_id)
    if chosen.level is AreaLevel.DISTRICT:
        return {chosen.id: chosen}, chosen.name
    return {i: a for i, a in areas.items() if a.parent_id == chosen.id}, chosen.name


async def build_survey(session: AsyncSession, fiscal_year: int, zone: tzinfo, *,
                       month: date | None = None, area_id: int | None = None) -> Survey:
    """Return the survey of a fiscal year: every approved activity of the area that met in
    it and counts as a 通いの場; raise SurveyError when there is none, or the month is not
    in the fiscal year."""
    months = fiscal_year_months(fiscal_year)
    if month is not None and month not in months:
        raise SurveyError(N_("survey.cli.month_outside"), month=month.strftime("%Y-%m"),
                          year=fiscal_year)
    districts, area_name = await _districts(session, area_id)
    begins, ends = _fiscal_bounds(fiscal_year, zone)
    activities = list(await session.scalars(
        select(Activity).where(
            Activity.status.in_(APPROVED), Activity.district_id.in_(list(districts)),
            Activity.created_at < ends,
            or_(Activity.status != ActivityStatus.ENDED, Activity.status_changed_at.is_(None),
                Activity.status_changed_at >= begins))
        .order_by(Activity.district_id, Activity.name, Activity.id)))
    chosen = [a for a in activities if counts_as_place(
        a.kind.value if a.kind else None, a.kayoinoba,
        Schedule.from_json(a.schedule) if a.schedule else None)]
    if not chosen:
        raise SurveyError(N_("survey.cli.no_places"), year=fiscal_year)
    ids = {a.id for a in chosen}
    counts = [c for c in await between(session, months[0], months[-1]) if c.activity_id in ids]
    given = month is not None
    if month is None:
        with_counts = {c.month for c in counts}
        month = months[-1] if months[-1] in with_counts or not with_counts \
            else max(with_counts)
    of_month: dict[int, MonthlyParticipants] = {c.activity_id: c for c in counts
                                                if c.month == month}
    places = []
    for activity in chosen:
        district = districts[activity.district_id or 0]
        parent = await session.get(Area, district.parent_id) if district.parent_id else None
        schedule = Schedule.from_json(activity.schedule) if activity.schedule else None
        count = of_month.get(activity.id)
        places.append(Place(
            activity_id=activity.id, name=activity.name or "", municipality=parent.name
            if parent else "", district=district.name, place=activity.place or "",
            schedule=schedule, status=activity.status, category=activity.survey_category,
            operator=activity.operator, venue=activity.venue,
            band=band(schedule) if schedule else None, has_fee=activity.has_fee,
            professionals=activity.professionals,
            people=count.people if count else None,
            aged_65_plus=count.aged_65_plus if count else None))
    return Survey(fiscal_year=fiscal_year, month=month, month_given=given,
                  month_has_counts=bool(of_month), area=area_name, places=places)
