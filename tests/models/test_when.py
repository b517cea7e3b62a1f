"""Reading typed dates and times: the forms people use, and refusing what is unclear."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from models.when import (
    MAX_LENGTH,
    Clarify,
    TimeRange,
    When,
    afternoon,
    normalize,
    parse_date,
    parse_datetime,
    parse_time,
    parse_time_range,
    parse_when,
    read_date,
    read_when,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=TOKYO)  # a Sunday
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO)
DECEMBER = datetime(2026, 12, 20, 10, 0, tzinfo=TOKYO)  # a Sunday, near the year's end
DECEMBER_2027 = datetime(2027, 12, 20, 10, 0, tzinfo=TOKYO)  # 2028 has a 29 February


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return a Tokyo datetime (shorthand for the tables)."""
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


# --- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # absolute forms
        ("2026-12-03", date(2026, 12, 3)),
        ("2026-12-3", date(2026, 12, 3)),
        ("2026/12/3", date(2026, 12, 3)),
        ("2026/12/03", date(2026, 12, 3)),
        ("12/3", date(2026, 12, 3)),
        ("12月3日", date(2026, 12, 3)),
        ("12月 3日", date(2026, 12, 3)),
        ("2026年12月3日", date(2026, 12, 3)),
        ("2026年 12月3日", date(2026, 12, 3)),
        ("2027年1月5日", date(2027, 1, 5)),
        ("2020年1月5日", date(2020, 1, 5)),  # a past date with its year: the caller decides
        ("令和8年12月3日", date(2026, 12, 3)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        # the weekday after a date is checked and ignored
        ("12月3日(木)", date(2026, 12, 3)),
        ("12月3日（木曜）", date(2026, 12, 3)),
        ("12月3日 (木曜日)", date(2026, 12, 3)),
        ("12/3(Thu)", date(2026, 12, 3)),
        ("12/3(thursday)", date(2026, 12, 3)),
        ("2026-12-03(THU)", date(2026, 12, 3)),
        ("令和8年12月3日(木)", date(2026, 12, 3)),
        # without a year: the next occurrence on or after today
        ("11月22日", date(2026, 11, 22)),  # today
        ("11月21日", date(2027, 11, 21)),  # yesterday: next year's
        ("1月5日", date(2027, 1, 5)),
        ("1/5", date(2027, 1, 5)),
        # relative days
        ("今日", date(2026, 11, 22)),
        ("きょう", date(2026, 11, 22)),
        ("今日(日)", date(2026, 11, 22)),
        ("明日", date(2026, 11, 23)),
        ("あした", date(2026, 11, 23)),
        ("明日(月)", date(2026, 11, 23)),
        ("明後日", date(2026, 11, 24)),
        ("あさって", date(2026, 11, 24)),
        # a bare weekday: the next one strictly after today
        ("水曜", date(2026, 11, 25)),
        ("水曜日", date(2026, 11, 25)),
        ("水", date(2026, 11, 25)),
        ("(水)", date(2026, 11, 25)),
        ("（水）", date(2026, 11, 25)),
        ("月曜", date(2026, 11, 23)),
        ("土曜日", date(2026, 11, 28)),
        ("日曜", date(2026, 11, 29)),  # today is Sunday: the next one
        ("日", date(2026, 11, 29)),
        # weeks start on Monday (ISO); on this Sunday, next week begins tomorrow
        ("今週水曜", date(2026, 11, 18)),  # already past: returned all the same
        ("今週の日曜日", date(2026, 11, 22)),
        ("来週水曜", date(2026, 11, 25)),
        ("来週の水曜日", date(2026, 11, 25)),
        ("来週 水曜", date(2026, 11, 25)),
        ("来週日曜", date(2026, 11, 29)),
        ("再来週月曜", date(2026, 11, 30)),
        ("再来週水曜", date(2026, 12, 2)),
        # full-width digits and spaces
        ("１２月３日", date(2026, 12, 3)),
        ("２０２６／１２／３", date(2026, 12, 3)),
        ("２０２６－１２－０３", date(2026, 12, 3)),
        ("令和８年１２月３日（木）", date(2026, 12, 3)),
        ("　明日　", date(2026, 11, 23)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今日", date(2026, 11, 25)),
        ("水曜", date(2026, 12, 2)),  # today is Wednesday: a week on
        ("木", date(2026, 11, 26)),
        ("火曜日", date(2026, 12, 1)),
        ("今週月曜", date(2026, 11, 23)),
        ("今週水曜", date(2026, 11, 25)),
        ("今週日曜", date(2026, 11, 29)),
        ("来週水曜", date(2026, 12, 2)),
        ("来週月曜", date(2026, 11, 30)),
        ("再来週水曜", date(2026, 12, 9)),
    ],
)
def test_weekdays_from_the_middle_of_a_week(text: str, expected: date) -> None:
    assert parse_date(text, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("1月5日", DECEMBER, date(2027, 1, 5)),
        ("1/5", DECEMBER, date(2027, 1, 5)),
        ("12月25日", DECEMBER, date(2026, 12, 25)),
        ("12月20日", DECEMBER, date(2026, 12, 20)),  # today stays this year
        ("12月19日", DECEMBER, date(2027, 12, 19)),
        ("2026年1月5日", DECEMBER, date(2026, 1, 5)),  # a year given is kept
        ("明後日", datetime(2026, 12, 30, 10, 0, tzinfo=TOKYO), date(2027, 1, 1)),
        ("来週水曜", DECEMBER, date(2026, 12, 23)),
        ("再来週月曜", DECEMBER, date(2026, 12, 28)),
        ("再来週月曜", datetime(2026, 12, 27, 10, 0, tzinfo=TOKYO), date(2027, 1, 4)),
        ("水曜", datetime(2026, 12, 31, 10, 0, tzinfo=TOKYO), date(2027, 1, 6)),
        ("2月29日", DECEMBER_2027, date(2028, 2, 29)),
    ],
)
def test_dates_across_the_year_end(text: str, now: datetime, expected: date) -> None:
    assert parse_date(text, now) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "いつか", "来週", "今週", "12月", "3日", "12", "12/", "/3",
        # impossible dates
        "2月30日", "2026年2月29日", "2月29日",  # no 29 February before 2028
        "13月1日", "0月1日", "12月0日", "12月32日", "4/31", "2026-13-01", "2026-02-30",
        "令和0年1月1日", "平成30年1月1日",
        # a wrong or unknown weekday in brackets
        "12月3日(金)", "12/3(fri)", "12月3日(祝)", "12/3(th)", "12/3(thuxyz)", "明日(火)",
        "今日(月)",
        # forms that are not taken as dates
        "12-3", "10-11",  # without a year a dash reads as a range of hours
        "12月3", "12/3日", "2026年12/3", "2026-12月3日", "12月314", "123/4", "20261/2",
        "(水", "水)", "の水曜", "水曜 14時",
        # something left over
        "12月3日 くらい", "明日か明後日", "12月3日(木)ごろ", "今日 日曜", "12月3日 10時",
        "明日" + " " * MAX_LENGTH,
    ],
)
def test_unclear_dates_are_refused(text: str) -> None:
    assert parse_date(text, NOW) is None


def test_parse_date_accepts_a_naive_now() -> None:
    assert parse_date("明日", datetime(2026, 11, 22)) == date(2026, 11, 23)  # noqa: DTZ001


# --- times ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00", time(14)),
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("0:00", time(0)),
        ("23:59", time(23, 59)),
        ("14時", time(14)),
        ("14時半", time(14, 30)),
        ("14時30分", time(14, 30)),
        ("14時5分", time(14, 5)),
        ("14時05分", time(14, 5)),
        ("14時00分", time(14)),
        ("午後2時", time(14)),
        ("午後 2時", time(14)),
        ("午後2時半", time(14, 30)),
        ("午後2:30", time(14, 30)),
        ("午前10時", time(10)),
        ("午前0時", time(0)),
        ("午後0時", time(12)),
        ("午後12時", time(12)),
        ("正午", time(12)),
        ("2pm", time(14)),
        ("2:30pm", time(14, 30)),
        ("2:30 pm", time(14, 30)),
        ("10am", time(10)),
        ("10 AM", time(10)),
        ("12pm", time(12)),
        ("12am", time(0)),
        ("14時から", time(14)),  # a start with no end is still one time
        ("10時～", time(10)),
        ("１４：００", time(14)),
        ("１４時３０分", time(14, 30)),
        ("午後２時半", time(14, 30)),
        ("２ＰＭ", time(14)),
        ("  14:00  ", time(14)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "14", "時", "半", "午後", "pm", "いつでも",
        # out of range
        "24:00", "24時", "25時", "14:60", "14時60分", "99:00",
        "午後13時", "午前13時", "午前12時",  # 午前12時: midnight to some, noon to others
        "13pm", "0am", "0pm", "12:60pm",
        # malformed
        "14:0", "14:000", "14.00", "1400", "14時30", "14時半分", "午前2時pm", "午後pm2",
        # a range is not a single time
        "10時から11時",
        # something left over
        "14時 くらい", "14時ごろ", "朝14時",
        "14:00" + " " * MAX_LENGTH,
    ],
)
def test_unclear_times_are_refused(text: str) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14時", TimeRange(time(14), None)),
        ("10時から11時半", TimeRange(time(10), time(11, 30))),
        ("10時から11時半まで", TimeRange(time(10), time(11, 30))),
        ("10時 から 11時", TimeRange(time(10), time(11))),
        ("13:30-15:00", TimeRange(time(13, 30), time(15))),
        ("13:30 - 15:00", TimeRange(time(13, 30), time(15))),
        ("13:30〜15:00", TimeRange(time(13, 30), time(15))),
        ("13:30～15:00", TimeRange(time(13, 30), time(15))),
        ("10:00~11:30", TimeRange(time(10), time(11, 30))),
        ("10:00–11:30", TimeRange(time(10), time(11, 30))),
        ("10:00ー11:30", TimeRange(time(10), time(11, 30))),
        ("10:00－11:30", TimeRange(time(10), time(11, 30))),
        ("10時～", TimeRange(time(10), None)),
        ("10時から", TimeRange(time(10), None)),
        ("10:00-", TimeRange(time(10), None)),
        # the half of the day carries over to a bare end
        ("午後1時から3時", TimeRange(time(13), time(15))),
        ("午後1時から3時半", TimeRange(time(13), time(15, 30))),
        ("午後1時から15時", TimeRange(time(13), time(15))),
        ("午前10時から12時", TimeRange(time(10), time(12))),
        ("午前10時から11時半", TimeRange(time(10), time(11, 30))),
        ("午前10時から午後1時", TimeRange(time(10), time(13))),
        ("正午から1時", TimeRange(time(12), time(13))),
        ("10時から正午", TimeRange(time(10), time(12))),
        ("2pm-4pm", TimeRange(time(14), time(16))),
        ("2pm-4:00", TimeRange(time(14), time(16))),
        ("10am-2pm", TimeRange(time(10), time(14))),
        ("11am-12:00", TimeRange(time(11), time(12))),
        ("１３：３０〜１５：００", TimeRange(time(13, 30), time(15))),
        ("１０時から１１時半", TimeRange(time(10), time(11, 30))),
    ],
)
def test_time_ranges(text: str, expected: TimeRange) -> None:
    assert parse_time_range(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "から", "から11時", "-11:00", "まで",
        # an end before (or at) the start
        "15:00-13:00", "10時から10時", "22時から1時", "午前11時から1時", "午後1時から12時",
        "10時から3時",  # no 午後 to carry: 3時 is before 10時
        # impossible ends
        "10時から24時", "10:00-11:60", "午後1時から午後13時",
        # something left over or missing
        "10時から11時 くらい", "10時から11時から12時", "10時 11時", "10時からまで", "10時から明日",
        "の10時", "10時-11時-12時",
    ],
)
def test_unclear_time_ranges_are_refused(text: str) -> None:
    assert parse_time_range(text) is None


# --- dates with times -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12月3日 14時", at(2026, 12, 3, 14)),
        ("12月3日14:00", at(2026, 12, 3, 14)),
        ("12月3日 14時から", at(2026, 12, 3, 14)),
        ("12月3日、14時", at(2026, 12, 3, 14)),
        ("12月3日，14時", at(2026, 12, 3, 14)),
        ("12月3日,14時", at(2026, 12, 3, 14)),
        ("12月3日の14時", at(2026, 12, 3, 14)),
        ("2026-12-03 14:00", at(2026, 12, 3, 14)),
        ("2026/12/3 9:05", at(2026, 12, 3, 9, 5)),
        ("12/3 午後2時", at(2026, 12, 3, 14)),
        ("12/3 2:30pm", at(2026, 12, 3, 14, 30)),
        ("12/3(Thu) 10am", at(2026, 12, 3, 10)),
        ("12月3日(木) 午後2時半", at(2026, 12, 3, 14, 30)),
        ("12月3日（木曜）14時", at(2026, 12, 3, 14)),
        ("令和8年12月3日 10時30分", at(2026, 12, 3, 10, 30)),
        ("令和8年12月3日(木) 午後2時半", at(2026, 12, 3, 14, 30)),
        ("明日 9時", at(2026, 11, 23, 9)),
        ("明日9時", at(2026, 11, 23, 9)),
        ("あしたの10時半", at(2026, 11, 23, 10, 30)),
        ("あした の 10時半", at(2026, 11, 23, 10, 30)),
        ("あさって 正午", at(2026, 11, 24, 12)),
        ("今日 午前0時", at(2026, 11, 22, 0)),  # already past: the caller decides
        ("きょう 17:00", at(2026, 11, 22, 17)),
        ("水曜 10:00", at(2026, 11, 25, 10)),
        ("水 10時", at(2026, 11, 25, 10)),
        ("(水)10時", at(2026, 11, 25, 10)),
        ("日曜 10:00", at(2026, 11, 29, 10)),  # a bare weekday is the next one, not today
        ("来週水曜 10:00", at(2026, 11, 25, 10)),
        ("来週の水曜日 10時", at(2026, 11, 25, 10)),
        ("来週の水曜日の10時", at(2026, 11, 25, 10)),
        ("再来週月曜 8時", at(2026, 11, 30, 8)),
        ("今週水曜 10時", at(2026, 11, 18, 10)),
        # full-width
        ("１２月３日　１４：００", at(2026, 12, 3, 14)),
        ("２０２６－１２－０３　１４：００", at(2026, 12, 3, 14)),
        ("１２／３　午後２時", at(2026, 12, 3, 14)),
        ("明日　９時半", at(2026, 11, 23, 9, 30)),
    ],
)
def test_moments(text: str, expected: datetime) -> None:
    assert parse_datetime(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1月5日 10時", at(2027, 1, 5, 10)),
        ("1/5 10:00", at(2027, 1, 5, 10)),
        ("12月25日 10時", at(2026, 12, 25, 10)),
        ("12月20日 9時", at(2026, 12, 20, 9)),  # today, an hour ago: still this year
        ("12月19日 9時", at(2027, 12, 19, 9)),
        ("来週水曜 10:00", at(2026, 12, 23, 10)),
        ("再来週木曜 10:00", at(2026, 12, 31, 10)),
    ],
)
def test_moments_in_december(text: str, expected: datetime) -> None:
    assert parse_datetime(text, DECEMBER) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "いつか", "14時", "12月3日", "明日", "来週水曜",  # a date or a time alone
        "2月30日 10時", "13月1日 10時", "12月3日(金) 10時",
        "12月3日 24:00", "12月3日 10:60", "12月3日 午後13時", "12月3日 午前12時",
        "12月3日 14時 くらい", "12月3日 14時ごろ", "明日か明後日 10時", "14時 12月3日",
        "12月3日 14時から16時",  # a range is not a single moment
        "12月314:00", "12/314:00", "12-3 10時", "10-11 10時",
        "明日 " + "9" * 120,
    ],
)
def test_unclear_moments_are_refused(text: str) -> None:
    assert parse_datetime(text, NOW) is None


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("12月3日 14時から16時", at(2026, 12, 3, 14), at(2026, 12, 3, 16)),
        ("12月3日 14時から16時まで", at(2026, 12, 3, 14), at(2026, 12, 3, 16)),
        ("12月3日14:00-16:00", at(2026, 12, 3, 14), at(2026, 12, 3, 16)),
        ("12月3日 14時から", at(2026, 12, 3, 14), None),
        ("12月3日 14時", at(2026, 12, 3, 14), None),
        ("来週水曜 10:00-11:30", at(2026, 11, 25, 10), at(2026, 11, 25, 11, 30)),
        ("明日 午後1時から3時", at(2026, 11, 23, 13), at(2026, 11, 23, 15)),
        ("明日の10時～", at(2026, 11, 23, 10), None),
        ("12/3(木) 10:00〜11:30", at(2026, 12, 3, 10), at(2026, 12, 3, 11, 30)),
        ("2026-12-03 13:30~15:00", at(2026, 12, 3, 13, 30), at(2026, 12, 3, 15)),
        ("１２月３日　１０時から１１時半", at(2026, 12, 3, 10), at(2026, 12, 3, 11, 30)),
    ],
)
def test_when(text: str, start: datetime, end: datetime | None) -> None:
    assert parse_when(text, NOW) == When(start, end)


@pytest.mark.parametrize(
    "text",
    [
        "", "12月3日", "14時から16時", "来週水曜", "12月3日 16時から14時",
        "12月3日 14時から16時 頃",
        "2月30日 14時から16時", "12月3日(金) 14時から16時", "12月3日 14時から25時",
        "12月3日 " + "14時から16時" + " " * MAX_LENGTH,
    ],
)
def test_unclear_whens_are_refused(text: str) -> None:
    assert parse_when(text, NOW) is None


# --- zones, limits and normalising ----------------------------------------------------------

def test_results_are_in_the_zone_of_now() -> None:
    utc_now = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    found = parse_when("12月3日 14時から16時", utc_now)
    assert found == When(
        datetime(2026, 12, 3, 14, tzinfo=UTC), datetime(2026, 12, 3, 16, tzinfo=UTC)
    )
    moment = parse_datetime("明日 9時", NOW)
    assert moment is not None
    assert moment.tzinfo is TOKYO


def test_the_length_limit_counts_the_text_as_typed() -> None:
    text = "12月3日 14時"
    assert parse_datetime(text.ljust(MAX_LENGTH), NOW) == at(2026, 12, 3, 14)
    assert parse_datetime(text.ljust(MAX_LENGTH + 1), NOW) is None
    assert parse_time("14時".ljust(MAX_LENGTH)) == time(14)
    assert parse_time("14時".ljust(MAX_LENGTH + 1)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("１２：００", "12:00"),
        ("　明日　９時　", "明日 9時"),
        ("12月3日、14時", "12月3日 14時"),
        ("12月3日，14時", "12月3日 14時"),
        ("（木）", "(木)"),
        ("10時～11時", "10時~11時"),
        ("２ＰＭ", "2pm"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


# --- what is asked rather than guessed (issue 16, item 4) ------------------------------------

LATE_NOVEMBER = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)


def test_a_date_passed_lately_this_year_is_asked_about() -> None:
    found = read_when("11月1日 14時", LATE_NOVEMBER)
    assert found is not None
    assert found.when.start == at(2027, 11, 1, 14)
    assert found.asks == (Clarify.PAST_DATE_THIS_YEAR,)


@pytest.mark.parametrize("text", ["1月5日 14時", "2026年11月1日 14時", "2027年11月1日 14時",
                                  "令和9年11月1日 14時", "12月3日 14時", "明日 14時"])
def test_plain_next_year_dates_and_dates_with_a_year_are_not_asked_about(text: str) -> None:
    found = read_when(text, LATE_NOVEMBER)
    assert found is not None
    assert Clarify.PAST_DATE_THIS_YEAR not in found.asks


@pytest.mark.parametrize(("text", "morning", "evening"), [
    ("１２月３日 ２時", (at(2026, 12, 3, 2), None), (at(2026, 12, 3, 14), None)),
    ("12月3日 2時半", (at(2026, 12, 3, 2, 30), None), (at(2026, 12, 3, 14, 30), None)),
    ("12月3日 1:30", (at(2026, 12, 3, 1, 30), None), (at(2026, 12, 3, 13, 30), None)),
    ("12月3日 2時から4時", (at(2026, 12, 3, 2), at(2026, 12, 3, 4)),
     (at(2026, 12, 3, 14), at(2026, 12, 3, 16))),
    ("12月3日 6時から7時", (at(2026, 12, 3, 6), at(2026, 12, 3, 7)),
     (at(2026, 12, 3, 18), at(2026, 12, 3, 19))),
])
def test_a_bare_hour_from_1_to_6_is_asked_about(
        text: str, morning: tuple[datetime, datetime | None],
        evening: tuple[datetime, datetime | None]) -> None:
    found = read_when(text, LATE_NOVEMBER)
    assert found is not None
    assert found.asks == (Clarify.AMBIGUOUS_HOUR,)
    assert (found.when.start, found.when.end) == morning
    later = afternoon(found.when)
    assert (later.start, later.end) == evening


@pytest.mark.parametrize("text", ["12月3日 午前2時", "12月3日 午後2時", "12月3日 14時",
                                  "12月3日 7時", "12月3日 02:00", "12月3日 2pm",
                                  "12月3日 2時から14時", "12月3日 朝6時", "12月3日 正午"])
def test_hours_that_say_their_half_of_the_day_are_not_asked_about(text: str) -> None:
    found = read_when(text, LATE_NOVEMBER)
    assert found is not None
    assert found.asks == ()


def test_both_questions_at_once() -> None:
    found = read_when("11月1日 2時", LATE_NOVEMBER)
    assert found is not None
    assert found.asks == (Clarify.PAST_DATE_THIS_YEAR, Clarify.AMBIGUOUS_HOUR)


@pytest.mark.parametrize(("text", "expected"), [
    ("朝9時", TimeRange(time(9), None)),
    ("朝の9時半", TimeRange(time(9, 30), None)),
    ("昼12時", TimeRange(time(12), None)),
    ("昼1時から3時", TimeRange(time(13), time(15))),
    ("夕方5時", TimeRange(time(17), None)),
    ("夕方4時から6時", TimeRange(time(16), time(18))),
    ("夜7時から9時", TimeRange(time(19), time(21))),
    ("朝9時から正午", TimeRange(time(9), time(12))),
    ("正午から午後1時半", TimeRange(time(12), time(13, 30))),
])
def test_times_said_in_words(text: str, expected: TimeRange) -> None:
    found = parse_time_range(text)
    assert found == expected
    assert not found.ambiguous


@pytest.mark.parametrize("text", ["朝2時", "朝12時", "夜12時", "夜3時", "夕方9時", "夕方", "朝",
                                  "昼5時"])
def test_times_said_in_words_that_do_not_fit_are_refused(text: str) -> None:
    assert parse_time_range(text) is None


def test_read_date_notes_a_date_taken_as_next_years_because_this_years_passed() -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert read_date("１１月１日", now) == (date(2027, 11, 1), True)
    assert read_date("12月10日", now) == (date(2026, 12, 10), False)
    assert read_date("1月5日", now) == (date(2027, 1, 5), False)  # plainly next January
    assert read_date("2027年11月1日", now) == (date(2027, 11, 1), False)
    assert read_date("そのうち", now) is None
