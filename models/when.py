"""Reading the dates and times people type in a chat, in Japanese or English forms.

``12月3日 14時から``, ``来週水曜 10:00-11:30``, ``明日 9時``, ``2026-12-03 14:00``,
``令和8年12月3日(木) 午後2時半``. Full-width digits are fine. Anything not understood gives
None, so the caller can ask again; nothing is guessed.

Each reader normalises the text, takes the date from its start, then reads the rest as a time
or a time range; whatever is left over makes the whole text unclear.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
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
    r"|(?:(?P<ampm>午前|午後)|(?P<word>朝|昼|夕方|夜)の?)?\s*(?P<hour>\d{1,2})"  # 14:00, 14時,
    # 14時半, 14時30分, 午後2時, 朝9時, 夜7時
    r"(?::(?P<minute>\d{2})|時(?:(?P<jminute>\d{1,2})分|(?P<half>半))?)"
)
# The part of the day said in words, and the hours (on a 12-hour clock) it may precede:
# 朝9時 is 9:00, 昼1時 13:00, 夕方5時 17:00, 夜7時 19:00; 朝2時 or 夜12時 is unclear.
_DAY_PARTS = {"朝": (False, range(4, 12)), "昼": (True, range(1, 4)),
              "夕方": (True, range(3, 8)), "夜": (True, range(6, 12))}
# A bare hour from 1 to 6 (2時, 2:00) is as likely the afternoon as the night: it is asked.
AMBIGUOUS_HOURS = range(1, 7)
# A yearless date that passed this year, within this, is asked about (11月1日 typed on
# 30 November); one that passed longer ago is plainly next year's (1月5日 in December).
RECENTLY_PAST = timedelta(days=183)
_RANGE_SEPARATOR = re.compile(r"\s*(?:から|~|〜|-|–|—|−|ー)\s*")


@dataclass(frozen=True)
class TimeRange:
    """A start time and, when given, an end time on the same day."""

    start: time
    end: time | None
    # The start was a bare hour from 1 to 6 (2時): the afternoon reading is as likely.
    ambiguous: bool = field(default=False, compare=False)


class Clarify(enum.StrEnum):
    """What a reader could not decide alone, to ask the person."""

    PAST_DATE_THIS_YEAR = "past_date_this_year"  # 11月1日 on 30 November: next year's?
    AMBIGUOUS_HOUR = "ambiguous_hour"  # 2時: 午前 or 午後?


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
    found, rest, _ = _split_date_noting(text, today)
    return found, rest


def _split_date_noting(text: str, today: date) -> tuple[date | None, str, bool]:
    """Return what _split_date does, and whether the date is a yearless one taken as next
    year's because this year's passed lately (11月1日 typed on 30 November)."""
    found: date | None = None
    rolled = False
    end = 0
    for form in _DATE_FORMS:
        if match := form.match(text):
            found, end = _absolute(match, today), match.end()
            if found is not None and found.year > today.year and not match.groupdict().get(
                    "year") and not match.groupdict().get("era"):
                try:
                    rolled = today - found.replace(year=today.year) <= RECENTLY_PAST
                except ValueError:  # 2月29日
                    rolled = False
            break
    else:
        if match := _RELATIVE_DAY.match(text):
            found, end = today + timedelta(days=_DAYS_AHEAD[match[0]]), match.end()
        elif match := _WEEK_DAY.match(text):
            return _week_day(match, today), text[match.end():], False
    if found is None:
        return None, text, False
    if check := _WEEKDAY_CHECK.match(text, end):
        if _weekday_index(check["weekday"].strip()) != found.weekday():
            return None, text, False  # 12月3日(金) when the 3rd is a Thursday: ask, not guess
        end = check.end()
    return found, text[end:], rolled


def read_date(text: str, now: datetime) -> tuple[date, bool] | None:
    """Return the date ``text`` names, relative to ``now``, and whether it is a yearless date
    taken as next year's because this year's passed lately (to ask about); or None."""
    if len(text) > MAX_LENGTH:
        return None
    found, rest, rolled = _split_date_noting(normalize(text), now.date())
    return (found, rolled) if found is not None and not rest.strip() else None


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
        if match["word"]:
            afternoon, hours = _DAY_PARTS[match["word"]]
            if hour not in hours and not (match["word"] == "昼" and hour == 12):
                return None
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
    ambiguous = (start[1] is None and first["hour"] is not None
                 and int(first["hour"]) in AMBIGUOUS_HOURS and not first["hour"].startswith("0"))
    rest = text[first.end():]
    if not rest.strip():
        return TimeRange(start[0], None, ambiguous)
    separator = _RANGE_SEPARATOR.match(rest)
    if separator is None:
        return None
    rest = rest[separator.end():].strip()
    if not rest:  # "14時から", "10時~": a start only
        return TimeRange(start[0], None, ambiguous)
    second = _TIME.fullmatch(rest.removesuffix("まで").rstrip())
    end = _time_of(second, start[1]) if second else None
    if end is None or end[0] <= start[0]:
        return None
    found = TimeRange(start[0], end[0])
    # 2時から4時 may be the afternoon; 2時から14時 may not.
    return TimeRange(found.start, found.end, ambiguous and _afternoon_range(found) is not None)


def _afternoon_range(found: TimeRange) -> TimeRange | None:
    """Return the afternoon reading of a morning range (2時から4時 → 14:00–16:00), or None."""
    start = found.start.replace(hour=found.start.hour + 12)
    if found.end is None:
        return TimeRange(start, None)
    end = found.end.replace(hour=found.end.hour + 12) if found.end.hour < 12 else found.end
    return TimeRange(start, end) if end > start else None


def afternoon_range(found: TimeRange) -> TimeRange | None:
    """Return the afternoon reading of a morning time or range (2時から4時 → 14:00–16:00), or
    None when there is none (10時から14時)."""
    if found.start.hour >= 12:
        return None
    return _afternoon_range(found)


def parse_time_range(text: str) -> TimeRange | None:
    """Return the start and optional end time that make up ``text``, or None."""
    return _read_times(normalize(text)) if len(text) <= MAX_LENGTH else None


def parse_time(text: str) -> time | None:
    """Return the single time in ``text`` (a start with no end), or None."""
    found = parse_time_range(text)
    return found.start if found is not None and found.end is None else None


# --- both ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """What a text says, as read, and what must be asked before it is taken.

    ``when`` is the reading shown first: next year's date for a date past this year, the
    morning for a bare 2時; ``afternoon(when)`` gives the other answer to the hour question.
    """

    when: When
    asks: tuple[Clarify, ...] = ()


def read_when(text: str, now: datetime) -> Reading | None:
    """Return the date with its start and optional end time in ``text``, and what to ask.

    Both a date and a time are needed; the results are in ``now``'s time zone. None when the
    text is not understood.
    """
    if len(text) > MAX_LENGTH:
        return None
    day, rest, rolled = _split_date_noting(normalize(text), now.date())
    if day is None:
        return None
    times = _read_times(rest.strip().removeprefix("の"))  # あした の 10時半
    if times is None:
        return None
    start = datetime.combine(day, times.start, tzinfo=now.tzinfo)
    end = datetime.combine(day, times.end, tzinfo=now.tzinfo) if times.end else None
    asks = ((Clarify.PAST_DATE_THIS_YEAR,) if rolled else ()) + (
        (Clarify.AMBIGUOUS_HOUR,) if times.ambiguous else ())
    return Reading(When(start, end), asks)


def afternoon(when: When) -> When:
    """Return the afternoon reading of a morning ``when`` (2時から4時 → 14:00〜16:00).

    The caller only asks for it when the hour was a bare one from 1 to 6.
    """
    times = _afternoon_range(TimeRange(when.start.timetz().replace(tzinfo=None),
                                       when.end.time() if when.end else None))
    if times is None:
        raise ValueError("no afternoon reading")
    day, zone = when.start.date(), when.start.tzinfo
    return When(datetime.combine(day, times.start, tzinfo=zone),
                datetime.combine(day, times.end, tzinfo=zone) if times.end else None)


def parse_when(text: str, now: datetime) -> When | None:
    """Return the date with its start and optional end time in ``text``, or None.

    Both a date and a time are needed; the results are in ``now``'s time zone. What would be
    asked (see ``read_when``) is taken as first read.
    """
    found = read_when(text, now)
    return found.when if found is not None else None


def parse_datetime(text: str, now: datetime) -> datetime | None:
    """Return the single moment (a date and a time, no end) in ``text``, or None."""
    found = parse_when(text, now)
    return found.start if found is not None and found.end is None else None
