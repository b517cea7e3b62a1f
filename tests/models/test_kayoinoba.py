"""The 通いの場 survey's categories: the registry's kinds mapped, and 開催頻度 from schedules."""

from __future__ import annotations

from datetime import date

import pytest

from models.activities import Activity, ActivityKind, choose_kind
from models.kayoinoba import (
    Band,
    SurveyCategory,
    activity_kinds,
    asks_category,
    band,
    counts_as_place,
    default_category,
    fiscal_year_months,
    fiscal_year_of,
)
from models.participants import previous_month
from models.schedule import Schedule, parse_schedule

TODAY = date(2026, 11, 22)


def read(text: str) -> Schedule:
    schedule = parse_schedule(text, TODAY)
    assert schedule is not None, text
    return schedule


@pytest.mark.parametrize(("text", "expected"), [
    ("毎月第2水曜 10時から11時半", Band.MONTHLY),
    ("毎月15日 14:00-15:00", Band.MONTHLY),
    ("毎月最終金曜 14時", Band.MONTHLY),
    ("第2・第4木曜 13:30-15:00", Band.TWICE_MONTHLY),
    ("毎月1日と15日 10時", Band.TWICE_MONTHLY),
    ("隔週金曜 14時", Band.TWICE_MONTHLY),
    ("毎週火曜 10時から11時半", Band.WEEKLY),
    ("月水金 9:00-10:00", Band.WEEKLY),
    ("平日 9:00-12:00", Band.WEEKLY),
    ("隔週 月・木 10時", Band.WEEKLY),  # four times in four weeks
    ("3週ごと水曜 10時", Band.MONTHLY),
    ("第1・第2・第3木曜 10時", Band.TWICE_MONTHLY),
])
def test_the_frequency_band_of_each_schedule(text: str, expected: Band) -> None:
    assert band(read(text)) is expected


def test_every_five_weeks_is_less_than_monthly_and_not_a_place() -> None:
    schedule = read("5週ごと水曜 10時")
    assert band(schedule) is Band.LESS
    assert not counts_as_place("gathering", None, schedule)


def test_a_one_off_is_not_a_kayoinoba() -> None:
    schedule = read("12月5日 10:00-12:00")
    assert band(schedule) is None
    assert not counts_as_place("exercise", None, schedule)
    assert counts_as_place("exercise", True, schedule)  # the coordinator's word wins


def test_help_at_home_is_not_a_place_unless_the_coordinator_says_so() -> None:
    weekly = read("毎週火曜 10時")
    assert not counts_as_place("watching", None, weekly)
    assert not counts_as_place("transport", None, weekly)
    assert counts_as_place("salon", None, weekly)
    assert not counts_as_place("salon", False, weekly)
    assert not counts_as_place("salon", None, None)


@pytest.mark.parametrize(("kind", "category"), [
    (ActivityKind.EXERCISE, SurveyCategory.EXERCISE),
    (ActivityKind.HOBBY, SurveyCategory.HOBBY),
    (ActivityKind.SALON, SurveyCategory.TEA),
    (ActivityKind.MEAL, SurveyCategory.MEAL),
    (ActivityKind.GATHERING, None),
    (ActivityKind.ROLE, None),
    (ActivityKind.OTHER, None),
    (ActivityKind.WATCHING, None),
])
def test_kinds_map_to_a_category_where_one_to_one(kind: ActivityKind,
                                                  category: SurveyCategory | None) -> None:
    assert default_category(kind.value) is category


def test_every_kind_has_a_mapping_and_only_unclear_gatherings_are_asked() -> None:
    assert set(activity_kinds()) == {k.value for k in ActivityKind}
    asked = {k for k in ActivityKind if asks_category(k.value)}
    assert asked == {ActivityKind.GATHERING, ActivityKind.ROLE, ActivityKind.OTHER}


def test_choosing_a_clear_kind_sets_the_category_and_an_unclear_one_keeps_the_chosen() -> None:
    activity = Activity(name="x")
    choose_kind(activity, ActivityKind.EXERCISE)
    assert activity.survey_category is SurveyCategory.EXERCISE
    activity.survey_category = SurveyCategory.DEMENTIA
    choose_kind(activity, ActivityKind.GATHERING)
    assert activity.survey_category is SurveyCategory.DEMENTIA


def test_fiscal_year_months() -> None:
    months = fiscal_year_months(2026)
    assert months[0] == date(2026, 4, 1)
    assert months[-1] == date(2027, 3, 1)
    assert len(months) == 12
    assert fiscal_year_of(date(2027, 3, 31)) == 2026
    assert fiscal_year_of(date(2027, 4, 1)) == 2027
    assert previous_month(date(2027, 1, 3)) == date(2026, 12, 1)
    assert previous_month(date(2026, 12, 31)) == date(2026, 11, 1)
