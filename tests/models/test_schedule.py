"""Recurring schedules: the ways people write them, and the dates they give."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.schedule import (
    Frequency,
    Schedule,
    Unclear,
    Why,
    next_occurrence,
    occurrences,
    parse_schedule,
    read_schedule,
)
from models.schedule import afternoon as schedule_afternoon

TODAY = date(2026, 11, 22)  # a Sunday
TOKYO = ZoneInfo("Asia/Tokyo")
LONDON = ZoneInfo("Europe/London")  # has summer time, unlike Tokyo
W, M, ONE = Frequency.WEEKLY, Frequency.MONTHLY, Frequency.ONCE
WEEKDAY_NAMES = "月火水木金土日"
FULL_WIDTH = str.maketrans("0123456789:", "０１２３４５６７８９：")


def t(hour: int, minute: int = 0) -> time:
    return time(hour, minute)


def weekly(days: tuple[int, ...], start: time, end: time | None = None, *, every: int = 1,
           anchor: date | None = None) -> Schedule:
    return Schedule(frequency=W, weekdays=days, start=start, end=end, interval_weeks=every,
                    anchor=anchor)


def monthly(nth: tuple[int, ...], days: tuple[int, ...], start: time,
            end: time | None = None) -> Schedule:
    return Schedule(frequency=M, nth=nth, weekdays=days, start=start, end=end)


def once(on: date, start: time, end: time | None = None) -> Schedule:
    return Schedule(frequency=ONE, on=on, start=start, end=end)


TUE, WED, THU, FRI = (1,), (2,), (3,), (4,)
WORKDAYS = (0, 1, 2, 3, 4)
WRITTEN = [
    # every week
    ("毎週火曜 10時から11時半", weekly(TUE, t(10), t(11, 30))),
    ("毎週火曜日 10:00-11:30", weekly(TUE, t(10), t(11, 30))),
    ("毎週(火) 10時", weekly(TUE, t(10))),
    ("毎週（火）１０時", weekly(TUE, t(10))),
    ("毎週火曜10時から11時半", weekly(TUE, t(10), t(11, 30))),
    ("毎週 火曜 午前10時〜午前11時半", weekly(TUE, t(10), t(11, 30))),
    ("毎週火曜 午後1時から3時", weekly(TUE, t(13), t(15))),
    ("毎週火曜 13:30〜15:00", weekly(TUE, t(13, 30), t(15))),
    ("毎週火曜 13:30～15:00", weekly(TUE, t(13, 30), t(15))),
    ("毎週火曜の10時から", weekly(TUE, t(10))),
    ("毎週火・木 10時", weekly((1, 3), t(10))),
    ("毎週火曜と木曜 10時", weekly((1, 3), t(10))),
    ("毎週月曜と毎週木曜 10時", weekly((0, 3), t(10))),
    ("毎週 月水金 9:00-10:00", weekly((0, 2, 4), t(9), t(10))),
    ("毎週(火)(金) 10時", weekly((1, 4), t(10))),
    ("火曜・金曜 14時", weekly((1, 4), t(14))),
    ("火曜、金曜 14時", weekly((1, 4), t(14))),
    ("火曜日 14時", weekly(TUE, t(14))),
    ("土日 10時", weekly((5, 6), t(10))),
    ("金曜日曜 10時", weekly((4, 6), t(10))),  # Friday and Sunday, not 金曜日 and a stray 曜
    ("毎週月曜から金曜 9時", weekly(WORKDAYS, t(9))),
    ("月〜金 9時", weekly(WORKDAYS, t(9))),
    ("月曜日から金曜日 9時", weekly(WORKDAYS, t(9))),
    ("金曜から月曜 9時", weekly((0, 4, 5, 6), t(9))),
    ("平日 9:00-12:00", weekly(WORKDAYS, t(9), t(12))),
    ("毎週 平日 ９時", weekly(WORKDAYS, t(9))),
    ("毎日 7時", weekly((0, 1, 2, 3, 4, 5, 6), t(7))),
    ("毎日曜 7時", weekly((6,), t(7))),
    ("毎月曜日 7時", weekly((0,), t(7))),
    ("週1回火曜 10時", weekly(TUE, t(10))),
    ("毎週土曜 正午", weekly((5,), t(12))),
    ("毎週水曜 10時30分から12時", weekly(WED, t(10, 30), t(12))),
    ("毎週水曜 9時45分〜11時", weekly(WED, t(9, 45), t(11))),
    ("毎週水曜 2pm", weekly(WED, t(14))),
    ("毎週水曜　１０：００－１１：３０", weekly(WED, t(10), t(11, 30))),
    # every n weeks: the anchor is the first session on or after today, or the start date
    ("隔週火曜 10時", weekly(TUE, t(10), every=2, anchor=date(2026, 11, 24))),
    ("隔週の火曜 10時", weekly(TUE, t(10), every=2, anchor=date(2026, 11, 24))),
    ("隔週金曜 14時", weekly(FRI, t(14), every=2, anchor=date(2026, 11, 27))),
    ("隔週 土日 10時", weekly((5, 6), t(10), every=2, anchor=TODAY)),
    ("2週ごとの火曜 10時", weekly(TUE, t(10), every=2, anchor=date(2026, 11, 24))),
    ("２週間ごと火曜 10時", weekly(TUE, t(10), every=2, anchor=date(2026, 11, 24))),
    ("3週ごと水曜 10時", weekly(WED, t(10), every=3, anchor=date(2026, 11, 25))),
    ("2週ごと 月・木 10時", weekly((0, 3), t(10), every=2, anchor=date(2026, 11, 23))),
    ("12月1日から隔週火曜 10時", weekly(TUE, t(10), every=2, anchor=date(2026, 12, 1))),
    ("12月2日から隔週火曜 10時", weekly(TUE, t(10), every=2, anchor=date(2026, 12, 8))),
    # a series that began three weeks ago, not one that begins next November
    ("11月1日から隔週火曜 10時", weekly(TUE, t(10), every=2, anchor=date(2026, 11, 3))),
    ("2027年11月1日から隔週火曜 10時", weekly(TUE, t(10), every=2, anchor=date(2027, 11, 2))),
    # nth weekday of the month
    ("毎月第2水曜 12:00-13:30", monthly((2,), WED, t(12), t(13, 30))),
    ("毎月第2水曜日の12時〜13時半", monthly((2,), WED, t(12), t(13, 30))),
    ("第2水曜 12時", monthly((2,), WED, t(12))),
    ("第2・第4木曜 13:30-15:00", monthly((2, 4), THU, t(13, 30), t(15))),
    ("第2・4木曜 13:30-15:00", monthly((2, 4), THU, t(13, 30), t(15))),
    ("第１第３月曜 10時", monthly((1, 3), (0,), t(10))),
    ("第1、3月曜 10時", monthly((1, 3), (0,), t(10))),
    ("第2と第4の木曜日 13時", monthly((2, 4), THU, t(13))),
    ("第2水曜と第4水曜 13時", monthly((2, 4), WED, t(13))),
    ("第2・第4 火・木 13時", monthly((2, 4), (1, 3), t(13))),
    ("毎月最終金曜 14時", monthly((-1,), FRI, t(14))),
    ("最終土曜 10時", monthly((-1,), (5,), t(10))),
    ("毎月第1・最終月曜 10時", monthly((1, -1), (0,), t(10))),
    ("最終・第1月曜 10時", monthly((1, -1), (0,), t(10))),
    ("毎月 第３ 日曜日 午後２時", monthly((3,), (6,), t(14))),
    ("第5金曜 19:00", monthly((5,), FRI, t(19))),
    # one date
    ("12月5日 10:00-12:00", once(date(2026, 12, 5), t(10), t(12))),
    ("2026年12月5日(土) 10時", once(date(2026, 12, 5), t(10))),
    ("2026-12-05 10:00-12:00", once(date(2026, 12, 5), t(10), t(12))),
    ("12/5 午後1時半", once(date(2026, 12, 5), t(13, 30))),
    ("１２／２４ １８：００", once(date(2026, 12, 24), t(18))),
    ("令和8年12月5日 10時", once(date(2026, 12, 5), t(10))),
    ("1月10日 10時", once(date(2027, 1, 10), t(10))),  # no year: the next one
    ("11月1日 10時", once(date(2027, 11, 1), t(10))),
    ("明日 10時", once(date(2026, 11, 23), t(10))),
    ("来週水曜 10時", once(date(2026, 11, 25), t(10))),
]

UNCLEAR = [
    "", "   ", "ときどき", "ＭＡＩ", "１０月", "10時", "毎週", "毎週火曜", "毎週 10時",
    "毎週火曜 10時 たまに", "10時 毎週火曜", "火曜 10時 11時",
    "第6水曜 10時", "第0水曜 10時", "第10水曜 10時", "第2 10時", "水曜第2 10時",
    "第2・13水曜 10時",
    "毎週火曜 11時から10時", "毎週火曜 10時から10時", "毎週火曜 24:00", "毎週火曜 10:60",
    "毎週火曜 午後13時",
    "2月31日 10時", "12月5日(月) 10時",
    "毎週火曜" + " " * 100 + "10時",  # only the length is wrong
    "毎月 10時", "毎月水曜 10時", "隔週 10時", "0週ごと火曜 10時", "毎週毎日 7時",
    "土日祝 10時",
    # readings the Schedule cannot hold, refused rather than guessed
    "隔週第2水曜 10時", "毎週第2水曜 10時", "第2水曜と第4木曜 10時", "毎週火曜と隔週木曜 10時",
    "12月1日から毎週火曜 10時",
]


@pytest.mark.parametrize(("text", "expected"), WRITTEN)
def test_written_schedules(text: str, expected: Schedule) -> None:
    assert parse_schedule(text, TODAY) == expected


@pytest.mark.parametrize("text", UNCLEAR)
def test_unclear_schedules_are_refused(text: str) -> None:
    assert parse_schedule(text, TODAY) is None


def test_enough_variants_are_covered() -> None:
    assert len(WRITTEN) >= 45
    assert len(UNCLEAR) >= 12


# --- calendars --------------------------------------------------------------------------------

def _at(d: date, hour: int, minute: int = 0, zone: tzinfo = TOKYO) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=zone)


def _days_of(schedule: Schedule, first: date, last: date) -> list[date]:
    return [s.date() for s in occurrences(schedule, _at(first, 0), _at(last, 23, 59), TOKYO)]


def test_monthly_second_wednesday() -> None:
    schedule = parse_schedule("毎月第2水曜 12:00-13:30", TODAY)
    assert schedule is not None
    found = list(occurrences(schedule, _at(date(2026, 12, 1), 0), _at(date(2027, 2, 28), 23),
                             TOKYO))
    assert found == [_at(date(2026, 12, 9), 12), _at(date(2027, 1, 13), 12),
                     _at(date(2027, 2, 10), 12)]


def test_second_and_fourth_thursday() -> None:
    schedule = monthly((2, 4), THU, t(13, 30))
    assert _days_of(schedule, date(2026, 12, 1), date(2027, 1, 31)) == [
        date(2026, 12, 10), date(2026, 12, 24), date(2027, 1, 14), date(2027, 1, 28)]


def test_fifth_thursday_skips_months_without_one() -> None:
    fifth = monthly((5,), THU, t(10))
    assert _days_of(fifth, date(2026, 12, 1), date(2027, 4, 30)) == [
        date(2026, 12, 31), date(2027, 4, 29)]


def test_last_friday_and_first_and_last_monday() -> None:
    last = parse_schedule("最終金曜 14時", TODAY)
    assert last is not None
    assert next_occurrence(last, _at(TODAY, 0), TOKYO) == _at(date(2026, 11, 27), 14)
    assert _days_of(last, date(2026, 12, 1), date(2027, 2, 28)) == [
        date(2026, 12, 25), date(2027, 1, 29), date(2027, 2, 26)]
    # February 2027 has four Mondays; March 2027 has five.
    first_and_last = monthly((1, -1), (0,), t(10))
    assert _days_of(first_and_last, date(2027, 2, 1), date(2027, 3, 31)) == [
        date(2027, 2, 1), date(2027, 2, 22), date(2027, 3, 1), date(2027, 3, 29)]


def test_every_other_friday_counts_from_its_anchor() -> None:
    schedule = parse_schedule("隔週金曜 14時", TODAY)
    assert schedule is not None
    assert schedule.anchor == date(2026, 11, 27)
    found = list(occurrences(schedule, _at(TODAY, 0), _at(date(2026, 12, 31), 23), TOKYO))
    assert found == [_at(date(2026, 11, 27), 14), _at(date(2026, 12, 11), 14),
                     _at(date(2026, 12, 25), 14)]


def test_every_third_week_on_two_days_keeps_the_anchor_week() -> None:
    # The anchor is a Thursday; the Monday of that week is before it, so not a session.
    schedule = weekly((0, 3), t(10), every=3, anchor=date(2026, 11, 26))
    assert _days_of(schedule, TODAY, date(2027, 1, 10)) == [
        date(2026, 11, 26), date(2026, 12, 14), date(2026, 12, 17), date(2027, 1, 4),
        date(2027, 1, 7)]


def test_no_session_before_the_anchor() -> None:
    schedule = weekly(FRI, t(14), every=2, anchor=date(2027, 1, 8))
    assert _days_of(schedule, TODAY, date(2027, 1, 31)) == [date(2027, 1, 8), date(2027, 1, 22)]
    assert next_occurrence(schedule, _at(TODAY, 0), TOKYO) == _at(date(2027, 1, 8), 14)


def test_weekdays_every_week() -> None:
    schedule = parse_schedule("平日 9:00-12:00", TODAY)
    assert schedule is not None
    assert _days_of(schedule, date(2026, 11, 27), date(2026, 12, 2)) == [
        date(2026, 11, 27), date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]


def test_the_window_is_open_at_the_start_and_closed_at_the_end() -> None:
    schedule = weekly(TUE, t(10))
    tuesday = _at(date(2026, 11, 24), 10)
    assert list(occurrences(schedule, tuesday, tuesday + timedelta(days=7), TOKYO)) == [
        tuesday + timedelta(days=7)]
    assert next_occurrence(schedule, tuesday - timedelta(seconds=1), TOKYO) == tuesday


def test_the_zone_decides_the_day() -> None:
    # 16:00 UTC on Monday is 01:00 on Tuesday in Tokyo: Tuesday's 10:00 is still to come.
    schedule = weekly(TUE, t(10))
    after = datetime(2026, 11, 23, 16, tzinfo=UTC)
    assert next_occurrence(schedule, after, TOKYO) == _at(date(2026, 11, 24), 10)


def test_one_offs() -> None:
    past = once(date(2026, 1, 1), t(10))
    assert next_occurrence(past, _at(TODAY, 0), TOKYO) is None
    assert list(occurrences(past, _at(TODAY, 0), _at(date(2030, 1, 1), 0), TOKYO)) == []
    soon = once(date(2026, 12, 5), t(10))
    assert next_occurrence(soon, _at(TODAY, 0), TOKYO) == _at(date(2026, 12, 5), 10)
    assert next_occurrence(soon, _at(date(2026, 12, 5), 10), TOKYO) is None
    later = once(date(2029, 6, 1), t(10))  # beyond any look-ahead window
    assert next_occurrence(later, _at(TODAY, 0), TOKYO) == _at(date(2029, 6, 1), 10)


def test_long_intervals_still_have_a_next_session() -> None:
    schedule = weekly(TUE, t(10), every=60, anchor=date(2026, 1, 6))
    assert next_occurrence(schedule, _at(TODAY, 0), TOKYO) == _at(date(2027, 3, 2), 10)


def test_three_years_of_sessions() -> None:
    schedule = weekly((0, 2, 4), t(9))
    found = list(occurrences(schedule, _at(TODAY, 0), _at(TODAY + timedelta(days=3 * 365), 0),
                             TOKYO))
    assert len(found) == 3 * 52 * 3 + 1
    last_fridays = list(occurrences(monthly((-1,), FRI, t(9)), _at(TODAY, 0),
                                    _at(date(2029, 11, 30), 0), TOKYO))
    assert len(last_fridays) == 36


@pytest.mark.parametrize(
    "schedule",
    [weekly(TUE, t(10), every=2), weekly(TUE, t(10), every=0, anchor=TODAY)],
)
def test_impossible_weekly_schedules_raise(schedule: Schedule) -> None:
    with pytest.raises(ValueError, match=r"anchor|interval"):
        list(occurrences(schedule, _at(TODAY, 0), _at(date(2027, 1, 1), 0), TOKYO))


def test_naive_windows_raise() -> None:
    naive = datetime.combine(TODAY, time())
    with pytest.raises(ValueError, match="aware"):
        list(occurrences(weekly(TUE, t(10)), naive, naive + timedelta(days=7), TOKYO))


def test_summer_time_starts() -> None:
    # London springs forward at 01:00 on 28 March 2027: 01:30 that day does not exist and is
    # read with the winter offset; the wall clock is otherwise kept.
    schedule = weekly((6,), t(1, 30))
    after = datetime(2027, 3, 20, tzinfo=UTC)
    found = list(occurrences(schedule, after, after + timedelta(days=20), LONDON))
    assert [(s.date(), s.time()) for s in found] == [
        (date(2027, 3, 21), t(1, 30)), (date(2027, 3, 28), t(1, 30)), (date(2027, 4, 4), t(1, 30))]
    assert [s.astimezone(UTC).time() for s in found] == [t(1, 30), t(1, 30), t(0, 30)]


def test_summer_time_ends() -> None:
    schedule = weekly((6,), t(10))
    after = datetime(2027, 10, 20, tzinfo=UTC)
    found = list(occurrences(schedule, after, after + timedelta(days=20), LONDON))
    assert [s.time() for s in found] == [t(10)] * 3
    # Clocks go back at 02:00 on 31 October 2027, so that Sunday is already winter time.
    assert [s.astimezone(UTC).hour for s in found] == [9, 10, 10]


# --- properties -------------------------------------------------------------------------------

BASE = datetime(2024, 1, 1, tzinfo=UTC)
weekday_sets = st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s)))
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
anchors = st.integers(0, 3650).map(lambda n: BASE.date() + timedelta(days=n))


@st.composite
def weekly_schedules(draw: st.DrawFn) -> Schedule:
    every = draw(st.integers(1, 5))
    return weekly(draw(weekday_sets), draw(times), every=every,
                  anchor=draw(anchors) if every > 1 else None)


monthly_schedules = st.builds(
    lambda nth, days, start: monthly(tuple(sorted(nth, key=lambda n: (n == -1, n))), days,
                                     start),
    st.sets(st.sampled_from([1, 2, 3, 4, 5, -1]), min_size=1), weekday_sets, times)
once_schedules = st.builds(once, anchors, times)
zones = st.sampled_from([TOKYO, LONDON, UTC])


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime, datetime]:
    after = BASE + timedelta(minutes=draw(st.integers(0, 10 * 366 * 24 * 60)))
    return after, after + timedelta(minutes=draw(st.integers(1, 200 * 24 * 60)))


def _nth_of_month(day: date) -> tuple[int, bool]:
    """Return the same weekday's count so far in the month, and whether it is the month's last."""
    return (day.day - 1) // 7 + 1, (day + timedelta(weeks=1)).month != day.month


def _belongs(schedule: Schedule, day: date) -> bool:
    """Return whether ``day`` is a meeting day, decided one day at a time (the slow, plain way)."""
    if schedule.frequency is ONE:
        return day == schedule.on
    if day.weekday() not in schedule.weekdays:
        return False
    if schedule.frequency is M:
        n, last = _nth_of_month(day)
        return n in schedule.nth or (last and -1 in schedule.nth)
    if schedule.anchor is None:
        return True
    anchor_monday = schedule.anchor - timedelta(days=schedule.anchor.weekday())
    weeks_apart = (day - timedelta(days=day.weekday()) - anchor_monday).days // 7
    return day >= schedule.anchor and weeks_apart % schedule.interval_weeks == 0


@settings(max_examples=200, deadline=None)
@given(schedule=st.one_of(weekly_schedules(), monthly_schedules), window=windows(), zone=zones)
def test_every_occurrence_fits_the_schedule(
    schedule: Schedule, window: tuple[datetime, datetime], zone: tzinfo,
) -> None:
    after, until = window
    found = list(occurrences(schedule, after, until, zone))
    assert all(a < b for a, b in itertools.pairwise(found))
    for start in found:
        assert after < start <= until
        assert start.tzinfo is zone
        assert start.weekday() in schedule.weekdays
        assert start.time() == schedule.start


@settings(max_examples=200, deadline=None)
@given(schedule=monthly_schedules, window=windows())
def test_monthly_sessions_are_the_nth_weekday(
    schedule: Schedule, window: tuple[datetime, datetime],
) -> None:
    for start in occurrences(schedule, *window, TOKYO):
        n, last = _nth_of_month(start.date())
        assert n in schedule.nth or (last and -1 in schedule.nth)


@settings(max_examples=200, deadline=None)
@given(schedule=st.one_of(weekly_schedules(), monthly_schedules, once_schedules),
       window=windows(), zone=zones)
def test_no_session_is_missed(
    schedule: Schedule, window: tuple[datetime, datetime], zone: tzinfo,
) -> None:
    after, until = window
    first, last = after.astimezone(zone).date(), until.astimezone(zone).date()
    expected = [start for n in range((last - first).days + 1)
                if _belongs(schedule, day := first + timedelta(days=n))
                and after < (start := datetime.combine(day, schedule.start, tzinfo=zone)) <= until]
    assert list(occurrences(schedule, after, until, zone)) == expected
    upcoming = next_occurrence(schedule, after, zone)
    assert upcoming == expected[0] if expected else upcoming is None or upcoming > until


@settings(max_examples=200, deadline=None)
@given(schedule=st.one_of(weekly_schedules(), monthly_schedules, once_schedules),
       end=st.none() | times)
def test_json_round_trip(schedule: Schedule, end: time | None) -> None:
    stored = Schedule(**{**schedule.__dict__, "end": end})
    assert Schedule.from_json(stored.to_json()) == stored


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=120))
def test_reading_never_raises(text: str) -> None:
    found = parse_schedule(text, TODAY)
    assert found is None or isinstance(found, Schedule)


WORDS = ["毎週", "隔週", "毎月", "毎日", "平日", "第", "最終", "週ごと", "週間", "から", "の",
         "と", "・", "曜", "曜日", "時", "時半", "分", "午前", "午後", "正午", ":", "-", "〜", " ",
         "(", ")", "年", "月", "日", "/", "2", "5", "12", "31", "0", "24", *WEEKDAY_NAMES]


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), max_size=14))
def test_reading_schedule_words_never_raises(words: list[str]) -> None:
    found = parse_schedule("".join(words), TODAY)
    assert found is None or isinstance(found, Schedule)


def _clock(moment: time, style: int) -> str:
    if style == 0:
        return f"{moment.hour}:{moment.minute:02d}"
    half = {0: "", 30: "半"}.get(moment.minute, f"{moment.minute}分")
    if style == 1:
        return f"{moment.hour}時{half}"
    marker = "午後" if moment.hour >= 12 else "午前"
    return f"{marker}{moment.hour % 12}時{half}"


@st.composite
def written(draw: st.DrawFn) -> tuple[str, Schedule]:
    """Return a schedule and one way a person might type it."""
    kind = draw(st.sampled_from([W, M, ONE]))
    start = draw(times)
    end = draw(st.none() | times.filter(lambda e: e > start))
    days = draw(weekday_sets)
    names = draw(st.sampled_from(["・", "と", ""])).join(
        WEEKDAY_NAMES[d] + draw(st.sampled_from(["曜", "曜日"])) for d in days)
    if kind is W:
        every = draw(st.integers(1, 4))
        prefix = {1: draw(st.sampled_from(["毎週", "毎週 ", ""])), 2: "隔週"}.get(
            every, f"{every}週ごとの")
        anchor = next(TODAY + timedelta(days=n) for n in range(7)
                      if (TODAY + timedelta(days=n)).weekday() in days) if every > 1 else None
        day_text, expected = prefix + names, weekly(days, start, end, every=every, anchor=anchor)
    elif kind is M:
        nth = tuple(sorted(draw(st.sets(st.sampled_from([1, 2, 3, 4, 5, -1]), min_size=1)),
                           key=lambda n: (n == -1, n)))
        nths = draw(st.sampled_from(["・", "と", ""])).join(
            "最終" if n == -1 else f"第{n}" for n in nth)
        day_text, expected = f"毎月{nths}{names}", monthly(nth, days, start, end)
    else:
        on = TODAY + timedelta(days=draw(st.integers(0, 360)))
        day_text, expected = f"{on.month}月{on.day}日", once(on, start, end)
    style = draw(st.integers(0, 2))
    hours = _clock(start, style) + (f"{draw(st.sampled_from(['から', '-', '〜']))}"
                                    f"{_clock(end, style)}" if end else "")
    text = day_text + draw(st.sampled_from([" ", "", "　", "の"])) + hours
    return (text.translate(FULL_WIDTH) if draw(st.booleans()) else text), expected


@settings(max_examples=200, deadline=None)
@given(case=written())
def test_typed_schedules_read_back(case: tuple[str, Schedule]) -> None:
    text, expected = case
    assert parse_schedule(text, TODAY) == expected, text


# --- schedules as organisers write them (issue 16, item 5) -----------------------------------


def by_day(days: tuple[int, ...], start: time, end: time | None = None) -> Schedule:
    return Schedule(frequency=M, monthdays=days, start=start, end=end)


ORGANISERS_WRITE = [
    # a day of the month
    ("毎月15日 10時から12時", by_day((15,), t(10), t(12))),
    ("毎月１５日 １０：００〜１２：００", by_day((15,), t(10), t(12))),
    ("毎月1日と15日 10時", by_day((1, 15), t(10))),
    ("毎月5・20日 13時半から15時", by_day((5, 20), t(13, 30), t(15))),
    # times said in words
    ("毎週火曜 朝9時から10時", weekly(TUE, t(9), t(10))),
    ("毎週金曜 夜7時から9時", weekly(FRI, t(19), t(21))),
    ("毎週土曜 正午から1時", weekly((5,), t(12), t(13))),
    ("毎週水曜 夕方4時から5時半", weekly(WED, t(16), t(17, 30))),
    # a leading frequency that agrees with the days
    ("月2回 第1・第3水曜 10時から12時", monthly((1, 3), WED, t(10), t(12))),
    ("月2回 1日と15日 10時", None),  # the days of the month need 毎月: asked below
    ("月1回 第2木曜 13時", monthly((2,), THU, t(13))),
    ("週2回 火・金 10時", weekly((1, 4), t(10))),
    # exceptions
    ("毎週火曜 10時から11時半 祝日は休み",
     replace(weekly(TUE, t(10), t(11, 30)), skip_holidays=True)),
    ("毎週火曜 10時から11時半(年末年始を除く)",
     replace(weekly(TUE, t(10), t(11, 30)), skip_new_year=True)),
    ("毎月15日 10時 祝日・年末年始はお休み",
     replace(by_day((15,), t(10)), skip_holidays=True, skip_new_year=True)),
    # alternate weeks with their starting date after the days
    ("隔週木曜 12月3日から 14時", weekly(THU, t(14), every=2, anchor=date(2026, 12, 3))),
    ("隔週木曜 14時から16時 12月3日から",
     weekly(THU, t(14), t(16), every=2, anchor=date(2026, 12, 3))),
]


@pytest.mark.parametrize(("text", "expected"), [c for c in ORGANISERS_WRITE if c[1]])
def test_schedules_as_organisers_write_them(text: str, expected: Schedule) -> None:
    assert read_schedule(text, TODAY) == expected


def test_the_activity_name_after_the_time_is_dropped() -> None:
    found = read_schedule("毎週火曜 10時から11時半 いきいき体操", TODAY, name="いきいき体操")
    assert found == weekly(TUE, t(10), t(11, 30))


@pytest.mark.parametrize(("text", "expected"), [
    ("毎週火曜 10時から11時半 いきいき体操", Unclear(Why.EXTRA_TEXT, "いきいき体操")),
    ("毎週火曜 10時 たまに", Unclear(Why.EXTRA_TEXT, "たまに")),
    ("月2回 10時から12時", Unclear(Why.WHICH_DAYS)),
    ("月2回 第1・第3・第4水曜 10時", Unclear(Why.WHICH_DAYS)),
    ("月2回 1日と15日 10時", Unclear(Why.WHICH_DAYS)),
    ("毎週火曜 夕方", Unclear(Why.HOUR_IN_WORDS)),
    ("毎週火曜 朝から", Unclear(Why.HOUR_IN_WORDS)),
    ("ときどき", Unclear(Why.NOT_READ)),
    ("毎月32日 10時", Unclear(Why.NOT_READ)),
])
def test_what_is_unclear_is_asked_precisely(text: str, expected: Unclear) -> None:
    assert read_schedule(text, TODAY) == expected


def test_a_day_of_the_month_skips_months_without_it() -> None:
    schedule = by_day((31,), t(10))
    found = list(occurrences(schedule, _at(date(2027, 1, 1), 0), _at(date(2027, 5, 31), 23),
                             TOKYO))
    assert [d.date() for d in found] == [date(2027, 1, 31), date(2027, 3, 31),
                                         date(2027, 5, 31)]


def test_holidays_and_the_new_year_break_are_skipped() -> None:
    # Mondays: 28 Dec 2026, 4 Jan 2027, 11 Jan 2027 (成人の日), 18 Jan 2027
    plain_schedule = weekly((0,), t(10))
    window = (_at(date(2026, 12, 27), 0), _at(date(2027, 1, 19), 0), TOKYO)
    every = [d.date() for d in occurrences(plain_schedule, *window)]
    assert every == [date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 11),
                     date(2027, 1, 18)]
    holidays_off = replace(plain_schedule, skip_holidays=True)
    assert [d.date() for d in occurrences(holidays_off, *window)] == [
        date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 18)]
    daily = replace(weekly(tuple(range(7)), t(10)), skip_new_year=True)
    days = [d.date() for d in occurrences(daily, _at(date(2026, 12, 27), 0),
                                          _at(date(2027, 1, 5), 0), TOKYO)]
    assert days == [date(2026, 12, 27), date(2026, 12, 28), date(2027, 1, 4)]
    assert next_occurrence(holidays_off, _at(date(2027, 1, 5), 0), TOKYO) == _at(
        date(2027, 1, 18), 10)


def test_schedules_stored_before_the_new_fields_are_still_read() -> None:
    stored = {"frequency": "weekly", "start": "10:00:00", "end": "11:30:00", "weekdays": [1],
              "interval_weeks": 1, "nth": [], "on": None, "anchor": None}
    assert Schedule.from_json(stored) == weekly(TUE, t(10), t(11, 30))
    new = replace(by_day((15,), t(10)), skip_holidays=True, skip_new_year=True)
    assert Schedule.from_json(new.to_json()) == new


@pytest.mark.parametrize("text", [
    "毎週火曜 10時から11時半", "第2・第4木曜 13:30-15:00", "毎月最終金曜 14時",
    "隔週金曜 12月4日から 14時", "12月5日 10:00-12:00", "毎月1日と15日 10時から12時 祝日は休み",
    "平日 9:00-12:00 年末年始を除く", "毎日 7時"])
def test_a_schedule_carried_in_button_data_comes_back_the_same(text: str) -> None:
    found = read_schedule(text, date(2026, 11, 30))
    assert isinstance(found, Schedule)
    code = found.to_code()
    assert len(code) <= 40
    assert ":" not in code
    assert Schedule.from_code(code) == found


@pytest.mark.parametrize("code", ["", "x", "w2500.2.1.0...0.0", "w1000.2.1.0.zzzzzzzz..0.0"])
def test_a_forged_schedule_code_is_none(code: str) -> None:
    assert Schedule.from_code(code) is None


def test_a_bare_hour_from_1_to_6_is_marked_to_ask_and_has_an_afternoon_reading() -> None:
    found = read_schedule("毎週火曜 ２時から４時", date(2026, 11, 30))
    assert isinstance(found, Schedule)
    assert found.ambiguous_hour
    later = schedule_afternoon(found)
    assert (later.start, later.end, later.ambiguous_hour) == (time(14), time(16), False)
    for text in ("毎週火曜 午後2時", "毎週火曜 14時", "毎週火曜 7時", "毎週火曜 02:00"):
        plain = read_schedule(text, date(2026, 11, 30))
        assert isinstance(plain, Schedule), text
        assert not plain.ambiguous_hour, text


def test_a_one_off_date_past_this_year_is_marked_to_ask() -> None:
    found = read_schedule("11月1日 10時から12時", date(2026, 11, 30))
    assert isinstance(found, Schedule)
    assert found.on == date(2027, 11, 1)
    assert found.past_date
    later = read_schedule("12月5日 10時から12時", date(2026, 11, 30))
    assert isinstance(later, Schedule)
    assert not later.past_date
