"""Reading the dates and times people type in a chat, in Japanese or English forms.

``12月3日 14時から``, ``来週水曜 10:00-11:30``, ``明日 9時``, ``2026-12-03 14:00``,
``令和8年12月3日(木) 午後2時半``. Full-width digits are fine. Anything not understood gives
None, so the caller can ask again; nothing is guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MAX_LENGTH = 100
REIWA_OFFSET = 2018  # 令和1年 = 2019
WEEKDAYS = "月火水木金土日"
ENGLISH_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_WEEKDAY = rf"[{WEEKDAYS}](?:曜日?)?|(?:{'|'.join(ENGLISH_WEEKDAYS)})[a-z]*"
_ABSOLUTE = re.compile(
    r"(?:(?P<era>令和)(?P<era_year>\d{1,2}|元)年|(?P<year>\d{4})[年/-])?"
    r"(?P<month>\d{1,2})(?:月|/|-)(?P<day>\d{1,2})日?"
    rf"(?:\s*[(（]\s*(?P<weekday>{_WEEKDAY})\s*[)）])?"
)
_RELATIVE_DAY = re.compile(r"(?P<word>今日|きょう|明日|あした|明後日|あさって)")
_WEEK_DAY = re.compile(
    rf"(?P<week>今週|来週|再来週)?の?\s*[(（]?(?P<weekday>[{WEEKDAYS}])(?:曜日?)?[)）]?"
)
_DAYS_AHEAD = {"今日": 0, "きょう": 0, "明日": 1, "あした": 1, "明後日": 2, "あさって": 2}
_WEEKS_AHEAD = {"今週": 0, "来週": 1, "再来週": 2}

_TIME = re.compile(
    r"(?P<noon>正午)"
    r"|(?P<ampm>午前|午後)?\s*(?P<hour>\d{1,2})"
    r"(?::(?P<minute>\d{2})|時(?:(?P<jminute>\d{1,2})分|(?P<half>半))?)"
    r"(?P<suffix>am|pm)?"
    r"|(?P<ehour>\d{1,2})(?P<esuffix>am|pm)"
)
_RANGE_SEPARATOR = re.compile(r"\s*(?:から|-|~|〜|ー|–|—)\s*")


@dataclass(frozen=True)
class TimeRange:
    """A start time and, when given, an end time on the same day."""

    start: time
    end: time | None


@dataclass(frozen=True)
class When:
    """A moment with an optional end, in the zone of the ``now`` it was read against."""

    start: datetime
    end: datetime | None


def normalize(text: str) -> str:
    """Return ``text`` with full-width forms folded (１２：００ → 12:00), lower-cased, trimmed."""
    folded = unicodedata.normalize("NFKC", text).lower().strip()
    return folded.replace("、", " ").replace(",", " ").replace("～", "~")


# --- dates --------------------------------------------------------------------------------

def _year_of(match: re.Match[str], today: date) -> int | None:
    if match["era"]:
        era_year = 1 if match["era_year"] == "元" else int(match["era_year"])
        return REIWA_OFFSET + era_year
    return int(match["year"]) if match["year"] else None


def _weekday_index(word: str) -> int:
    if word[0] in WEEKDAYS:
        return WEEKDAYS.index(word[0])
    return next(i for i, name in enumerate(ENGLISH_WEEKDAYS) if word.startswith(name))


def _absolute(match: re.Match[str], today: date) -> date | None:
    year = _year_of(match, today)
    try:
        found = date(year or today.year, int(match["month"]), int(match["day"]))
        if year is None and found < today:  # "1月5日" typed in December means next January
            found = found.replace(year=today.year + 1)
    except ValueError:
        return None
    if match["weekday"] and _weekday_index(match["weekday"]) != found.weekday():
        return None  # 12月3日(金) when the 3rd is a Thursday: ask again rather than guess
    return found


def _week_day(match: re.Match[str], today: date) -> date:
    weekday = WEEKDAYS.index(match["weekday"])
    if match["week"] is None:  # a bare 水曜: the next one after today
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=_WEEKS_AHEAD[match["week"]], days=weekday)


def _split_date(text: str, today: date) -> tuple[date | None, str]:
    """Return the date at the start of ``text`` and the rest, or (None, text)."""
    if match := _ABSOLUTE.match(text):
        return _absolute(match, today), text[match.end():]
    if match := _RELATIVE_DAY.match(text):
        return today + timedelta(days=_DAYS_AHEAD[match["word"]]), text[match.end():]
    if match := _WEEK_DAY.match(text):
        return _week_day(match, today), text[match.end():]
    return None, text


def parse_date(text: str, now: datetime) -> date | None:
    """Return the date ``text`` names, relative to ``now``, or None."""
    text = normalize(text)
    found, rest = _split_date(text, now.date())
    return found if found is not None and not rest.strip() else None


# --- times --------------------------------------------------------------------------------

def _time_of(match: re.Match[str], afternoon: bool | None) -> tuple[time, bool | None] | None:
    """Return the time and whether it was marked afternoon (carried to a range's end)."""
    if match["noon"]:
        return time(12), True
    if match["ehour"]:
        hour, minute, marker = int(match["ehour"]), 0, match["esuffix"]
    else:
        hour = int(match["hour"])
        minute = int(match["minute"] or match["jminute"] or (30 if match["half"] else 0))
        marker = match["suffix"]
        if match["ampm"]:
            afternoon = match["ampm"] == "午後"
    if marker:
        afternoon = marker == "pm"
    if afternoon is not None:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if afternoon else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute), afternoon


def parse_time_range(text: str) -> TimeRange | None:
    """Return the start (and end) time in ``text``, or None."""
    text = normalize(text).removeprefix("の").strip()
    first = _TIME.match(text)
    if first is None:
        return None
    start = _time_of(first, None)
    if start is None:
        return None
    rest = text[first.end():]
    separator = _RANGE_SEPARATOR.match(rest)
    if separator is None:
        return TimeRange(start[0], None) if not rest.strip() else None
    rest = rest[separator.end():]
    if not rest.strip():  # "14時から": a start only
        return TimeRange(start[0], None)
    second = _TIME.fullmatch(rest.strip())
    end = _time_of(second, start[1]) if second else None
    if end is None or end[0] <= start[0]:
        return None
    return TimeRange(start[0], end[0])


def parse_time(text: str) -> time | None:
    """Return the single time in ``text``, or None."""
    found = parse_time_range(text)
    return found.start if found is not None and found.end is None else None


# --- both ---------------------------------------------------------------------------------

def parse_when(text: str, now: datetime) -> When | None:
    """Return the date, start and optional end in ``text`` (both are needed), or None."""
    text = normalize(text)
    if len(text) > MAX_LENGTH:
        return None
    day, rest = _split_date(text, now.date())
    times = parse_time_range(rest) if day is not None else None
    if day is None or times is None:
        return None
    start = datetime.combine(day, times.start, tzinfo=now.tzinfo)
    end = datetime.combine(day, times.end, tzinfo=now.tzinfo) if times.end else None
    return When(start, end)


def parse_datetime(text: str, now: datetime) -> datetime | None:
    """Return the moment in ``text`` (a date and a time), or None."""
    found = parse_when(text, now)
    return found.start if found is not None else None
