"""The outcome indicators against a history counted by hand (tests/auxil/indicators.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from models import Area
from models.clock import travel
from models.db import session_factory
from scheduler.digests.suppression import TOTAL, Mark
from scheduler.indicators import (
    INDICATORS,
    SENSITIVE,
    Period,
    Report,
    build_report,
    fiscal_year_of,
    last_full_quarter,
    quarter_of,
)
from tests.auxil.indicators import NOW, TOKYO, seed_indicators

Q3 = Period(2026, 3)


async def _report(engine: AsyncEngine, area: Area, period: Period = Q3, *,
                  exact: bool = True) -> Report:
    travel(NOW)
    async with session_factory(engine)() as session:
        return await build_report(session, area, period, TOKYO, now=NOW, threshold=3,
                                  exact=exact)


def test_fiscal_periods() -> None:
    assert (Q3.first, Q3.end, Q3.name) == (date(2026, 10, 1), date(2027, 1, 1), "2026-Q3")
    assert Period(2026, 4).first == date(2027, 1, 1)
    assert Period(2026, 4).end == date(2027, 4, 1)
    assert Period(2026).months[0] == date(2026, 4, 1)
    assert Period(2026).months[-1] == date(2027, 3, 1)
    assert Period(2026, 1).previous() == Period(2025, 4)
    assert Period(2026).previous() == Period(2025)
    assert fiscal_year_of(date(2027, 3, 31)) == 2026
    assert quarter_of(date(2027, 2, 1)) == Period(2026, 4)
    assert last_full_quarter(NOW, TOKYO) == Q3


async def test_every_indicator_of_each_district_and_the_city(engine: AsyncEngine) -> None:
    town = (await seed_indicators(engine)).town
    report = await _report(engine, town.city)
    east, west = town.east.id, town.west.id
    assert report.current.month == date(2026, 11, 1)
    assert report.current.population_as_of == date(2026, 4, 1)
    expected: dict[str, tuple[object, object, object]] = {  # 東, 西, total
        "participants": (40, 12, 52),
        "visits": (35, 7, 42),
        "new_residents": (2, 0, 2),
        "active_supporters": (1, 1, 2),
        "help_given": (2, 1, 3),
        "kayoinoba_participants": (40, 12, 52),
        "aged_65_plus": (500, 400, 900),
        "aged_75_plus": (250, 180, 430),
        "kayoinoba_rate": (8.0, 3.0, 5.8),
        "certified": (80, 60, 140),
        "checkins_sent": (5, 3, 8),
        "checkins_answered": (3, 2, 5),
        "checkin_rate": (60.0, 66.7, 62.5),
        "checkin_people": (2, 2, 4),
        "checkin_reach": (0.4, 0.5, 0.4),
        "needs_raised": (5, 2, 7),
        "needs_followed_up": (3, 1, 4),
        "followed_up_share": (60.0, 50.0, 57.1),
        "needs_resolved": (3, 1, 4),
        "median_days": (4.0, 7.0, 5.5),
        "watched_people": (1, 2, 3),
        "watching_coverage": (0.2, 0.5, 0.3),
        "alerts_raised": (2, 1, 3),
        "alerts_in_time": (1, 0, 1),
        "alerts_in_time_share": (50.0, 0.0, 33.3),
        "referrals_made": (2, 0, 2),
        "referrals_accepted": (1, 0, 1),
        "care_meetings": (1, 0, 2),
        "care_meeting_attendance": (3, 0, 4),
        "cases_discussed": (1, 0, 2),
        "workshops": (1, 0, 1),
    }
    assert set(expected) == {i.key for i in INDICATORS}
    got = {key: tuple(report.value(key, row) for row in (east, west, TOTAL))
           for key in expected}
    assert got == expected


async def test_the_previous_quarter_and_the_trend(engine: AsyncEngine) -> None:
    town = (await seed_indicators(engine)).town
    report = await _report(engine, town.city)
    assert report.previous.month == date(2026, 9, 1)
    before = {key: report.value(key, TOTAL, previous=True)
              for key in ("participants", "visits", "new_residents", "needs_raised",
                          "needs_followed_up", "kayoinoba_rate", "care_meetings",
                          "checkins_sent", "median_days")}
    assert before == {"participants": 28, "visits": 10, "new_residents": 1,
                      "needs_raised": 1, "needs_followed_up": 0, "kayoinoba_rate": 3.1,
                      "care_meetings": 1, "checkins_sent": 1, "median_days": None}
    assert report.trend("participants", TOTAL) == "↑"
    assert report.trend("care_meetings", TOTAL) == "↑"
    assert report.trend("median_days", TOTAL) == ""


async def test_a_fiscal_year_and_a_district_report(engine: AsyncEngine) -> None:
    town = (await seed_indicators(engine)).town
    year = await _report(engine, town.city, Period(2026))
    # the year so far: its last month with counts is November; sessions of Q2 and Q3
    assert year.current.month == date(2026, 11, 1)
    assert year.value("visits", TOTAL) == 52
    assert year.value("needs_raised", TOTAL) == 8
    assert year.value("care_meetings", TOTAL) == 3
    assert year.value("new_residents", TOTAL) == 12  # everyone joined in June 2026 or later
    district = await _report(engine, town.east)
    assert district.rows == [town.east.id]
    assert district.value("needs_raised", town.east.id) == 5


async def test_a_district_without_population_has_no_rate(engine: AsyncEngine) -> None:
    town = (await seed_indicators(engine)).town
    report = await _report(engine, town.city, Period(2024, 3))
    assert report.value("aged_65_plus", TOTAL) == 480 + 400  # the earliest figures
    assert report.value("kayoinoba_rate", TOTAL) is None  # nothing counted: no month
    assert report.current.month is None


async def test_councils_never_see_a_small_count(engine: AsyncEngine) -> None:
    town = (await seed_indicators(engine)).town
    report = await _report(engine, town.city, exact=False)
    rows = (town.east.id, town.west.id, TOTAL)
    for key in SENSITIVE:
        for row in rows:
            value = report.value(key, row)
            assert isinstance(value, Mark) or not 0 < value < 3, (key, row, value)  # type: ignore[operator]  # a count when not a Mark
    # 東's one active supporter and its pair (help given) are hidden, so is the rate of a
    # hidden count; the population stays exact
    assert report.value("active_supporters", town.east.id) is Mark.BELOW
    assert isinstance(report.value("help_given", town.east.id), Mark)
    assert isinstance(report.value("alerts_in_time_share", town.west.id), Mark)
    assert report.value("aged_65_plus", TOTAL) == 900
