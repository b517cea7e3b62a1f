"""Recurring schedules: the ways people write them, and the dates they give."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.schedule import Frequency, Schedule, next_occurrence, occurrences, parse_schedule

TODAY = date(2026, 11, 22)  # a Sunday
TOKYO = ZoneInfo("Asia/Tokyo")
W, M, ONE = Frequency.WEEKLY, Frequency.MONTHLY, Frequency.ONCE


def t(hour: int, minute: int = 0) -> time:
    return time(hour, minute)


@pytest.mark.parametrize(
    ("text", "frequency", "weekdays", "extra", "start", "end"),
    [
        ("毎週火曜 10時から11時半", W, (1,), {}, t(10), t(11, 30)),
        ("毎週火曜日 10:00-11:30", W, (1,), {}, t(10), t(11, 30)),
        ("毎週(火) 10時", W, (1,), {}, t(10), None),
        ("毎週火曜10時から11時半", W, (1,), {}, t(10), t(11, 30)),
        ("毎週 火曜 午前10時〜午前11時半", W, (1,), {}, t(10), t(11, 30)),
        ("毎週火曜 午後1時から3時", W, (1,), {}, t(13), t(15)),
        ("毎週火曜 13:30〜15:00", W, (1,), {}, t(13, 30), t(15)),
        ("ＭＡＩ", None, (), {}, None, None),
        ("毎週火・木 10時", W, (1, 3), {}, t(10), None),
        ("毎週火曜と木曜 10時", W, (1, 3), {}, t(10), None),
        ("毎週 月水金 9:00-10:00", W, (0, 2, 4), {}, t(9), t(10)),
        ("火曜・金曜 14時", W, (1, 4), {}, t(14), None),
        ("火曜日 14時", W, (1,), {}, t(14), None),
        ("毎週月曜から金曜 9時", W, (0, 1, 2, 3, 4), {}, t(9), None),
        ("平日 9:00-12:00", W, (0, 1, 2, 3, 4), {}, t(9), t(12)),
        ("毎日 7時", W, tuple(range(7)), {}, t(7), None),
        ("毎日曜 7時", W, (6,), {}, t(7), None),
        ("週1回火曜 10時", W, (1,), {}, t(10), None),
        ("毎週土曜 正午", W, (5,), {}, t(12), None),
        ("毎週水曜 10時30分から12時", W, (2,), {}, t(10, 30), t(12)),
        ("毎週水曜 2pm", W, (2,), {}, t(14), None),
        ("１０月", None, (), {}, None, None),
        ("毎週水曜　１０：００－１１：３０", W, (2,), {}, t(10), t(11, 30)),
        ("隔週火曜 10時", W, (1,), {"interval_weeks": 2, "anchor": date(2026, 11, 24)}, t(10),
         None),
        ("隔週の火曜 10時", W, (1,), {"interval_weeks": 2}, t(10), None),
        ("2週ごとの火曜 10時", W, (1,), {"interval_weeks": 2}, t(10), None),
        ("2週間ごと火曜 10時", W, (1,), {"interval_weeks": 2}, t(10), None),
        ("3週ごと水曜 10時", W, (2,), {"interval_weeks": 3, "anchor": date(2026, 11, 25)},
         t(10), None),
        ("12月1日から隔週火曜 10時", W, (1,), {"interval_weeks": 2, "anchor": date(2026, 12, 1)},
         t(10), None),
        ("毎月第2水曜 12:00-13:30", M, (2,), {"nth": (2,)}, t(12), t(13, 30)),
        ("第2水曜 12時", M, (2,), {"nth": (2,)}, t(12), None),
        ("第2・第4木曜 13:30-15:00", M, (3,), {"nth": (2, 4)}, t(13, 30), t(15)),
        ("第１第３月曜 10時", M, (0,), {"nth": (1, 3)}, t(10), None),
        ("第2と第4の木曜日 13時", M, (3,), {"nth": (2, 4)}, t(13), None),
        ("毎月最終金曜 14時", M, (4,), {"nth": (-1,)}, t(14), None),
        ("最終土曜 10時", M, (5,), {"nth": (-1,)}, t(10), None),
        ("毎月第1・最終月曜 10時", M, (0,), {"nth": (1, -1)}, t(10), None),
        ("毎月 第３ 日曜日 午後２時", M, (6,), {"nth": (3,)}, t(14), None),
        ("12月5日 10:00-12:00", ONE, (), {"on": date(2026, 12, 5)}, t(10), t(12)),
        ("2026年12月5日(土) 10時", ONE, (), {"on": date(2026, 12, 5)}, t(10), None),
        ("12/5 午後1時半", ONE, (), {"on": date(2026, 12, 5)}, t(13, 30), None),
        ("令和8年12月5日 10時", ONE, (), {"on": date(2026, 12, 5)}, t(10), None),
        ("1月10日 10時", ONE, (), {"on": date(2027, 1, 10)}, t(10), None),
        ("明日 10時", ONE, (), {"on": date(2026, 11, 23)}, t(10), None),
    ],
)
def test_written_schedules(  # noqa: PLR0917 - one parameter per table column
    text: str, frequency: Frequency | None, weekdays: tuple[int, ...], extra: dict,
    start: time | None, end: time | None,
) -> None:
    found = parse_schedule(text, TODAY)
    if frequency is None:
        assert found is None
        return
    assert found is not None, text
    assert (found.frequency, found.weekdays, found.start, found.end) == (
        frequency, weekdays, start, end)
    for name, value in extra.items():
        assert getattr(found, name) == value, name


@pytest.mark.parametrize(
    "text",
    ["", "毎週", "毎週火曜", "毎週 10時", "毎週火曜 10時 たまに", "第6水曜 10時", "第0水曜 10時",
     "毎週火曜 11時から10時", "毎週火曜 24:00", "2月31日 10時", "12月5日(月) 10時",
     "毎週火曜 " + "1" * 100, "ときどき", "毎月 10時", "隔週第2水曜 10時", "水 曜日 25時"],
)
def test_unclear_schedules_are_refused(text: str) -> None:
    assert parse_schedule(text, TODAY) is None


def _at(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=TOKYO)


def test_monthly_second_wednesday() -> None:
    schedule = parse_schedule("毎月第2水曜 12:00-13:30", TODAY)
    assert schedule is not None
    found = list(occurrences(schedule, _at(date(2026, 12, 1), 0), _at(date(2027, 2, 28), 23),
                             TOKYO))
    assert found == [_at(date(2026, 12, 9), 12), _at(date(2027, 1, 13), 12),
                     _at(date(2027, 2, 10), 12)]


def test_fifth_thursday_skips_months_without_one_and_last_friday() -> None:
    fifth = Schedule(frequency=M, weekdays=(3,), nth=(5,), start=t(10))
    found = list(occurrences(fifth, _at(date(2026, 12, 1), 0), _at(date(2027, 4, 30), 0),
                             TOKYO))
    assert [d.date() for d in found] == [date(2026, 12, 31), date(2027, 4, 29)]
    last = parse_schedule("最終金曜 14時", TODAY)
    assert last is not None
    assert next_occurrence(last, _at(TODAY, 0), TOKYO) == _at(date(2026, 11, 27), 14)


def test_every_other_friday_counts_from_its_anchor() -> None:
    schedule = parse_schedule("隔週金曜 14時", TODAY)
    assert schedule is not None
    assert schedule.anchor == date(2026, 11, 27)
    found = list(occurrences(schedule, _at(TODAY, 0), _at(date(2026, 12, 31), 23), TOKYO))
    assert [d.date() for d in found] == [date(2026, 11, 27), date(2026, 12, 11),
                                         date(2026, 12, 25)]


def test_a_past_one_off_has_no_next_session() -> None:
    schedule = Schedule(frequency=ONE, on=date(2026, 1, 1), start=t(10))
    assert next_occurrence(schedule, _at(TODAY, 0), TOKYO) is None
    soon = Schedule(frequency=ONE, on=date(2026, 12, 5), start=t(10))
    assert next_occurrence(soon, _at(TODAY, 0), TOKYO) == _at(date(2026, 12, 5), 10)


def test_three_years_of_sessions_come_quickly() -> None:
    schedule = Schedule(frequency=W, weekdays=(0, 2, 4), start=t(9))
    found = list(occurrences(schedule, _at(TODAY, 0), _at(TODAY + timedelta(days=3 * 365), 0),
                             TOKYO))
    assert 460 < len(found) < 475


weekday_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s)))
weekly = st.builds(lambda days, hour, n, offset: Schedule(
    frequency=W, weekdays=days, start=t(hour), interval_weeks=n,
    anchor=(TODAY + timedelta(days=offset)) if n > 1 else None),
    weekday_sets, st.integers(0, 23), st.integers(1, 4), st.integers(0, 30))
monthly = st.builds(lambda days, hour, nth: Schedule(
    frequency=M, weekdays=days, start=t(hour), nth=tuple(sorted(nth))),
    weekday_sets, st.integers(0, 23), st.sets(st.sampled_from([1, 2, 3, 4, 5, -1]), min_size=1))
windows = st.tuples(st.integers(0, 400), st.integers(1, 200))


@settings(max_examples=200, deadline=None)
@given(schedule=st.one_of(weekly, monthly), window=windows)
def test_every_occurrence_fits_the_schedule(schedule: Schedule, window: tuple[int, int]) -> None:
    after = _at(TODAY + timedelta(days=window[0]), 6)
    until = after + timedelta(days=window[1])
    found = list(occurrences(schedule, after, until, TOKYO))
    assert found == sorted(set(found))
    for start in found:
        assert after < start <= until
        assert start.weekday() in schedule.weekdays
        assert start.timetz().replace(tzinfo=None) == schedule.start
        if schedule.frequency is M:
            same_weekday_before = (start.day - 1) // 7 + 1
            is_last = (start + timedelta(weeks=1)).month != start.month
            assert same_weekday_before in schedule.nth or (is_last and -1 in schedule.nth)


@settings(max_examples=200, deadline=None)
@given(schedule=st.one_of(weekly, monthly))
def test_json_round_trip(schedule: Schedule) -> None:
    assert Schedule.from_json(schedule.to_json()) == schedule


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_reading_never_raises(text: str) -> None:
    found = parse_schedule(text, TODAY)
    assert found is None or isinstance(found, Schedule)


def test_a_zone_with_summer_time() -> None:
    schedule = Schedule(frequency=W, weekdays=(6,), start=t(2, 30))
    london = ZoneInfo("Europe/London")
    after = datetime(2027, 3, 20, tzinfo=UTC)
    [start] = occurrences(schedule, after, after + timedelta(days=7), london)
    assert start.date() == date(2027, 3, 21)
