"""A hand-counted registry for the 通いの場 survey: which places belong in fiscal year 2026,
and their counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from models import Activity, ActivityKind, ActivityStatus, Area, AreaLevel, Person, clock
from models.db import session_factory
from models.kayoinoba import Operator, SurveyCategory, Venue
from models.participants import record
from models.schedule import parse_schedule

MADE = datetime(2026, 4, 10, 1, tzinfo=UTC)  # when the places were registered


@dataclass(frozen=True)
class Registry:
    """The ids a test needs."""

    town: int
    east: int
    west: int
    exercise: int  # 東: 毎週火曜, all fields, 18 people in March 2027 (15 aged 65+)
    salon: int  # 東: 毎月第2水曜, no 運営主体, 9 people in March
    gathering: int  # 東: 第2・第4木曜, no category, no count for March (11 in February)
    meal: int  # 西: 隔週金曜, 7 people in March
    organiser: int


def _schedule(text: str) -> dict[str, object]:
    schedule = parse_schedule(text, date(2026, 4, 10))
    assert schedule is not None, text
    return schedule.to_json()


async def seed_registry(engine: AsyncEngine) -> Registry:
    """Write the registry; the clock is left at the end of fiscal year 2026."""
    clock.travel(MADE)
    async with session_factory(engine)() as session, session.begin():
        town = Area(name="みどり市", level=AreaLevel.MUNICIPALITY)
        session.add(town)
        await session.flush()
        east = Area(name="東地区", level=AreaLevel.DISTRICT, parent_id=town.id)
        west = Area(name="西地区", level=AreaLevel.DISTRICT, parent_id=town.id)
        organiser = Person(display_name="山田花子", district_id=None)
        session.add_all([east, west, organiser])
        await session.flush()

        def add(name: str, kind: ActivityKind, district: Area, schedule: str,
                status: ActivityStatus = ActivityStatus.ACTIVE, **fields: object) -> Activity:
            activity = Activity(name=name, kind=kind, district_id=district.id, place="東集会所",
                                schedule=_schedule(schedule), status=status, meanings=[],
                                organiser_id=organiser.id, **fields)
            session.add(activity)
            return activity

        exercise = add("いきいき体操", ActivityKind.EXERCISE, east, "毎週火曜 10時から11時",
                       survey_category=SurveyCategory.EXERCISE,
                       operator=Operator.RESIDENTS_GROUP, venue=Venue.HALL, has_fee=False,
                       professionals=True)
        salon = add("ふれあいサロン", ActivityKind.SALON, east, "毎月第2水曜 13時から15時",
                    survey_category=SurveyCategory.TEA, venue=Venue.HALL, has_fee=True,
                    professionals=False)
        gathering = add("みんなの居場所", ActivityKind.GATHERING, east,
                        "第2・第4木曜 13:30-15:00", operator=Operator.RESIDENT,
                        venue=Venue.HOME, has_fee=False, professionals=False)
        meal = add("西の食事会", ActivityKind.MEAL, west, "隔週金曜 12時から13時",
                   survey_category=SurveyCategory.MEAL, operator=Operator.SOCIAL_WELFARE_COUNCIL,
                   venue=Venue.CARE_SPACE, has_fee=True, professionals=True)
        # Not in the survey: help at home, a one-off, a proposal nobody reviewed, one that
        # ended before the fiscal year.
        add("見守り隊", ActivityKind.WATCHING, east, "毎週月曜 10時から11時")
        add("秋の運動会", ActivityKind.EXERCISE, east, "10月5日 10:00-12:00")
        add("提案中の体操", ActivityKind.EXERCISE, east, "毎週水曜 10時から11時",
            status=ActivityStatus.PROPOSED)
        add("終わった体操", ActivityKind.EXERCISE, west, "毎週木曜 10時から11時",
            status=ActivityStatus.ENDED,
            status_changed_at=datetime(2026, 3, 1, tzinfo=UTC))
        await session.flush()
        for activity_id, month, people, aged in (
                (exercise.id, date(2027, 3, 1), 18, 15), (exercise.id, date(2027, 2, 1), 20, 16),
                (salon.id, date(2027, 3, 1), 9, None),
                (gathering.id, date(2027, 2, 1), 11, None),
                (meal.id, date(2027, 3, 1), 7, 7), (meal.id, date(2026, 3, 1), 30, None)):
            await record(session, activity_id, month, people, reporter_id=organiser.id,
                         aged_65_plus=aged)
        ids = Registry(town=town.id, east=east.id, west=west.id, exercise=exercise.id,
                       salon=salon.id, gathering=gathering.id, meal=meal.id,
                       organiser=organiser.id)
    clock.travel(datetime(2027, 4, 5, 1, tzinfo=UTC))
    return ids
