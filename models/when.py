"""Reading the dates and times people type in a chat, in Japanese or English forms.

``12月3日 14時から``, ``来週水曜 10:00-11:30``, ``明日 9時``, ``2026-12-03 14:00``,
``令和8年12月3日(木) 午後2時半``. Full-width digits are fine. Anything not understood gives
None, so the caller can ask again; nothing is guessed.

Each reader normalises the text, takes the date from its start, then reads the rest as a time
or a time range; whatever is left over makes the whole text unclear.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

MAX_LENGTH = 100
REIWA_OFFSET = 2018  # 令和1年 = 2019
WEEKDAYS = "月火水木金土日"
ENGLISH_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# --- patterns (matched against normalised text) -------------------------------------------

_DATE_FORMS = (
    # 12月3日, 2026年12月3日, 令和8年12月3日, 令和元年5月1日
    re.compile(
        r"(?:(?:(?P<era>令和)(?P<era_year>\d{1,2}|元)|(?P<year>\d{4}))\s*年\s*)?"
        r"(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    ),
    # 12/3, 2026/12/3
    re.compile(r"(?:(?P<year>\d{4})/)?(?P<month>\d{1,2})/(?P<day>\d{1,2})(?!\d)"),
    # 2026-12-03 (only with a year: 10-11 could as well be a range of hours)
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
)
_RELATIVE_DAY = re.compile(r"今日|きょう|明日|あした|明後日|あさって")
_WEEK_DAY = re.compile(
    rf"(?:(?P<week>今週|来週|再来週)の?\s*)?"
    rf"(?P<open>\()?(?P<weekday>[{WEEKDAYS}])(?:曜日?)?(?(open)\))"
)
# The weekday some people add after a date, 12月3日(木): checked, then ignored.
_WEEKDAY_CHECK = re.compile(r"\s*\((?P<weekday>[^()]{1,9})\)")
_DAYS_AHEAD = {"今日": 0, "きょう": 0, "明日": 1, "あした": 1, "明後日": 2, "あさって": 2}
_WEEKS_AHEAD = {"今週": 0, "来週": 1, "再来週": 2}

_TIME = re.compile(
    r"(?P<noon>正午)"
    r"|(?P<ehour>\d{1,2})(?::(?P<eminute>\d{2}))?\s*(?P<suffix>am|pm)"  # 2pm, 2:30 pm
    r"|(?P<ampm>午前|午後)?\s*(?P<hour>\d{1,2})"  # 14:00, 14時, 14時半, 14時30分, 午後2時
    r"(?::(?P<minute>\d{2})|時(?:(?P<jminute>\d{1,2})分|(?P<half>半))?)"
)
_RANGE_SEPARATOR = re.compile(r"\s*(?:から|~|〜|-|–|—|−|ー)\s*")


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

def _weekday_index(word: str) -> int | None:
    """Return 0 (Monday) to 6 for 木, 木曜, 木曜日, thu, thursday; None for anything else."""
    if word and word[0] in WEEKDAYS and word[1:] in ("", "曜", "曜日"):
        return WEEKDAYS.index(word[0])
    return next((i for i, name in enumerate(ENGLISH_WEEKDAYS)
                 if len(word) >= 3 and name.startswith(word)), None)


def _on_or_after(today: date, month: int, day: int) -> date | None:
    """Return the first month/day on or after ``today`` (this year or next), or None."""
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:  # 2月30日; 2月29日 in a year without one
            continue
        if found >= today:
            return found
    return None


def _absolute(match: re.Match[str], today: date) -> date | None:
    """Return the date a _DATE_FORMS match names, or None when there is no such day."""
    month, day = int(match["month"]), int(match["day"])
    groups = match.groupdict()  # only the 年 form has the era groups
    year = int(groups["year"]) if groups["year"] else None
    if groups.get("era"):
        era_year = 1 if groups["era_year"] == "元" else int(groups["era_year"])
        if era_year == 0:
            return None
        year = REIWA_OFFSET + era_year
    if year is None:  # "1月5日" typed in December means next January
        return _on_or_after(today, month, day)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _week_day(match: re.Match[str], today: date) -> date:
    """Return the day a _WEEK_DAY match names: 水曜 after today, 来週水曜 in next ISO week."""
    weekday = WEEKDAYS.index(match["weekday"])
    if match["week"] is None:  # a bare 水曜: the next one after today, never today itself
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(weeks=_WEEKS_AHEAD[match["week"]], days=weekday)


def _split_date(text: str, today: date) -> tuple[date | None, str]:
    """Return the date at the start of normalised ``text`` and the rest, or (None, text)."""
    found: date | None = None
    end = 0
    for form in _DATE_FORMS:
        if match := form.match(text):
            found, end = _absolute(match, today), match.end()
            break
    else:
        if match := _RELATIVE_DAY.match(text):
            found, end = today + timedelta(days=_DAYS_AHEAD[match[0]]), match.end()
        elif match := _WEEK_DAY.match(text):
            return _week_day(match, today), text[match.end():]
    if found is None:
        return None, text
    if check := _WEEKDAY_CHECK.match(text, end):
        if _weekday_index(check["weekday"].strip()) != found.weekday():
            return None, text  # 12月3日(金) when the 3rd is a Thursday: ask rather than guess
        end = check.end()
    return found, text[end:]


def parse_date(text: str, now: datetime) -> date | None:
    """Return the date ``text`` names, relative to ``now``, or None."""
    if len(text) > MAX_LENGTH:
        return None
    found, rest = _split_date(normalize(text), now.date())
    return found if found is not None and not rest.strip() else None


# --- times --------------------------------------------------------------------------------

def _time_of(match: re.Match[str], carried: bool | None) -> tuple[time, bool | None] | None:
    """Return the time and its half of the day (None: 24-hour), or None when impossible.

    ``carried`` is the start's half of the day, for a range's bare end (午後1時から3時).
    """
    if match["noon"]:
        return time(12), True
    if match["ehour"]:
        hour, minute = int(match["ehour"]), int(match["eminute"] or 0)
        afternoon: bool | None = match["suffix"] == "pm"
        if not 1 <= hour <= 12:
            return None
    else:
        hour = int(match["hour"])
        minute = int(match["minute"] or match["jminute"] or (30 if match["half"] else 0))
        afternoon = match["ampm"] == "午後" if match["ampm"] else None
        # 午前12時 is midnight to some and noon to others; 午後12時 is noon.
        if afternoon is not None and (hour > 12 or (not afternoon and hour == 12)):
            return None
    if afternoon is not None:
        hour = hour % 12 + (12 if afternoon else 0)
    elif carried and hour < 12:  # the 3時 of 午後1時から3時
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute), afternoon


def _read_times(text: str) -> TimeRange | None:
    """Return the time or time range making up all of normalised ``text``, or None."""
    text = text.strip()
    first = _TIME.match(text)
    start = _time_of(first, None) if first else None
    if first is None or start is None:
        return None
    rest = text[first.end():]
    if not rest.strip():
        return TimeRange(start[0], None)
    separator = _RANGE_SEPARATOR.match(rest)
    if separator is None:
        return None
    rest = rest[separator.end():].strip()
    if not rest:  # "14時から", "10時~": a start only
        return TimeRange(start[0], None)
    second = _TIME.fullmatch(rest.removesuffix("まで").rstrip())
    end = _time_of(second, start[1]) if second else None
    if end is None or end[0] <= start[0]:
        return None
    return TimeRange(start[0], end[0])


def parse_time_range(text: str) -> TimeRange | None:
    """Return the start and optional end time that make up ``text``, or None."""
    return _read_times(normalize(text)) if len(text) <= MAX_LENGTH else None


def parse_time(text: str) -> time | None:
    """Return the single time in ``text`` (a start with no end), or None."""
    found = parse_time_range(text)
    return found.start if found is not None and found.end is None else None


# --- both ---------------------------------------------------------------------------------

def parse_when(text: str, now: datetime) -> When | None:
    """Return the date with its start and optional end time in ``text``, or None.

    Both a date and a time are needed; the results are in ``now``'s time zone.
    """
    if len(text) > MAX_LENGTH:
        return None
    day, rest = _split_date(normalize(text), now.date())
    if day is None:
        return None
    times = _read_times(rest.strip().removeprefix("の"))  # あした の 10時半
    if times is None:
        return None
    start = datetime.combine(day, times.start, tzinfo=now.tzinfo)
    end = datetime.combine(day, times.end, tzinfo=now.tzinfo) if times.end else None
    return When(start, end)


def parse_datetime(text: str, now: datetime) -> datetime | None:
    """Return the single moment (a date and a time, no end) in ``text``, or None."""
    found = parse_when(text, now)
    return found.start if found is not None and found.end is None else None
