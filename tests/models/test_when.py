"""Reading typed dates and times: the forms people use, and refusing what is unclear."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from models.when import TimeRange, parse_date, parse_datetime, parse_time_range, parse_when

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=TOKYO)  # a Sunday
DECEMBER = datetime(2026, 12, 20, 10, 0, tzinfo=TOKYO)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12月3日 14時", at(2026, 12, 3, 14)),
        ("12月3日14:00", at(2026, 12, 3, 14)),
        ("１２月３日　１４：００", at(2026, 12, 3, 14)),
        ("2026-12-03 14:00", at(2026, 12, 3, 14)),
        ("2026/12/3 9:05", at(2026, 12, 3, 9, 5)),
        ("12/3 午後2時", at(2026, 12, 3, 14)),
        ("12/3 2:30pm", at(2026, 12, 3, 14, 30)),
        ("12月3日(木) 午後2時半", at(2026, 12, 3, 14, 30)),
        ("令和8年12月3日 10時30分", at(2026, 12, 3, 10, 30)),
        ("明日 9時", at(2026, 11, 23, 9)),
        ("あしたの10時半", at(2026, 11, 23, 10, 30)),
        ("あさって 正午", at(2026, 11, 24, 12)),
        ("今日 午前0時", at(2026, 11, 22, 0)),
        ("水曜 10:00", at(2026, 11, 25, 10)),
        ("日曜 10:00", at(2026, 11, 29, 10)),  # a bare weekday is the next one, not today
        # Weeks start on Monday (ISO): on this Sunday, next week begins tomorrow.
        ("来週水曜 10:00", at(2026, 11, 25, 10)),
        ("来週の水曜日 10時", at(2026, 11, 25, 10)),
        ("再来週月曜 8時", at(2026, 11, 30, 8)),
        ("12月3日 14時から", at(2026, 12, 3, 14)),
    ],
)
def test_moments(text: str, expected: datetime) -> None:
    assert parse_datetime(text, NOW) == expected


def test_without_a_year_the_next_occurrence_is_meant() -> None:
    assert parse_datetime("1月5日 10時", DECEMBER) == at(2027, 1, 5, 10)
    assert parse_datetime("12月25日 10時", DECEMBER) == at(2026, 12, 25, 10)


@pytest.mark.parametrize(
    "text",
    ["", "いつか", "14時", "12月3日", "2月30日 10時", "13月1日 10時", "12月3日(金) 10時",
     "12月3日 24:00", "12月3日 10:60", "12月3日 14時 くらい", "午後13時", "明日 " + "9" * 120,
     "12月3日 午後13時"],
)
def test_unclear_text_is_refused(text: str) -> None:
    assert parse_datetime(text, NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10時から11時半", TimeRange(time(10), time(11, 30))),
        ("13:30-15:00", TimeRange(time(13, 30), time(15))),
        ("13:30〜15:00", TimeRange(time(13, 30), time(15))),
        ("10:00~11:30", TimeRange(time(10), time(11, 30))),
        ("午後1時から3時", TimeRange(time(13), time(15))),
        ("10時～", TimeRange(time(10), None)),
        ("14時", TimeRange(time(14), None)),
    ],
)
def test_time_ranges(text: str, expected: TimeRange) -> None:
    assert parse_time_range(text) == expected


def test_a_range_ending_before_it_starts_is_refused() -> None:
    assert parse_time_range("15:00-13:00") is None


def test_when_with_an_end() -> None:
    found = parse_when("来週水曜 10:00-11:30", NOW)
    assert found is not None
    assert (found.start, found.end) == (at(2026, 11, 25, 10), at(2026, 11, 25, 11, 30))
    found = parse_when("12月3日 14時から16時", NOW)
    assert found is not None
    assert found.end == at(2026, 12, 3, 16)


def test_dates_alone() -> None:
    assert parse_date("12月3日(木)", NOW) == date(2026, 12, 3)
    assert parse_date("令和元年5月1日", NOW) == date(2019, 5, 1)
    assert parse_date("今週水曜", NOW) == date(2026, 11, 18)  # this ISO week's, already past
    assert parse_date("12月3日 10時", NOW) is None
