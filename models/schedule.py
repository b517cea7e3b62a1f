"""Recurring schedules as people type them, and the dates they give.

``毎週火曜 10時から11時半``, ``第2・第4木曜 13:30-15:00``, ``毎月最終金曜 14時``,
``隔週金曜 14時``, ``平日 9:00-12:00``, ``12月5日 10:00-12:00``. The time is required; text
that is not fully understood gives None so the caller can ask again. Dates and times are read
by ``models.when``; this module adds the repeating part and the calendar arithmetic.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import holidays

from models.when import (
    TimeRange,
    afternoon_range,
    normalize,
    parse_date,
    parse_time_range,
    read_date,
)

MAX_LENGTH = 100
WEEKDAYS = "月火水木金土日"
EVERY_DAY = tuple(range(7))
WORKDAYS = tuple(range(5))
# How far back a yearless start date may lie before it is taken as next year's.
PAST_START = timedelta(days=183)
# Every repeating schedule meets within this of its anchor (a 5th weekday: about 3 months).
LOOK_AHEAD = timedelta(days=400)

_STARTING = re.compile(r"(?P<date>.+?)から(?=隔週|\d{1,2}週)")
_EVERY_WEEKS = re.compile(
    r"(?:(?P<weekly>毎週|週1回)|(?P<other>隔週)|(?P<weeks>\d{1,2})週間?ごと)[のに]?")
_EVERY_MONTH = re.compile(r"毎月(?!曜)の?")
_NTH = re.compile(r"第(?P<n>\d+)|(?P<last>最終)")
_NTH_LIST = re.compile(r"第\d(?:[・と\s]+\d(?!\d))+")  # 第2・4 is short for 第2・第4
_NTH_START = re.compile(r"(?=第|最終)")
# 金曜日曜 is Friday and Sunday: the 日 of 曜日 only when no 曜 follows it.
_WEEKDAY_WORD = rf"([{WEEKDAYS}])(?:曜(?:日(?!曜))?)?"
_WEEKDAY_WORDS = re.compile(_WEEKDAY_WORD)
_WEEKDAY_RANGE = re.compile(rf"{_WEEKDAY_WORD}(?:から|~|〜|-){_WEEKDAY_WORD}")
_EVERY_WEEKDAY = re.compile(rf"毎(?=[{WEEKDAYS}]曜)")  # 毎日曜 is every Sunday
_SEPARATORS = re.compile(r"[\s・との()]")
_YEAR = re.compile(r"年|\d{4}[/-]")
# 毎月15日, 毎月1日と15日, 毎月5・20日
_MONTH_DAYS = re.compile(r"毎月の?(?P<days>\d{1,2}日?(?:[・と\s]+\d{1,2}日?)*)")
# 月2回, 週2回 at the start: a count the days that follow must agree with
_COUNT = re.compile(r"(?P<per>月|週)(?P<count>\d{1,2})回[のに]?")
# 年末年始を除く, 祝日は休み, (祝日・年末年始はお休み)
_HOLIDAY_WORD = r"(?:年末年始|祝祭日|祝日|祭日)"
_EXCEPTION = re.compile(
    rf"[(]?\s*(?P<what>{_HOLIDAY_WORD}(?:\s*[・と]\s*{_HOLIDAY_WORD})*)\s*"
    r"(?:を除く|を除き|は除く|除く|はお休み|は休み|休み)\s*[)]?")
# A starting date written after the days: 隔週木曜 12月3日から
_STARTS_FROM = re.compile(
    r"\s*(?P<date>(?:\d{4}年)?\d{1,2}月\d{1,2}日|(?:\d{4}/)?\d{1,2}/\d{1,2})(?:\([^()]{1,9}\))?"
    r"\s*(?:から|より)(?:開始|スタート)?")
# A part of the day with no hour: 夕方, 朝から
_DAY_PART_ONLY = re.compile(r"(?:朝|昼|夕方|夜|午前|午後)(?![の\s]*\d)")
# 年末年始: 29 December to 3 January, as offices close.
NEW_YEAR_BREAK = ((12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3))
_JAPAN_HOLIDAYS = holidays.country_holidays("JP")


class Why(enum.StrEnum):
    """Why a schedule was not read, so the question asked can be a precise one."""

    NOT_READ = "not_read"  # nothing to say but "please write it like the example"
    WHICH_DAYS = "which_days"  # 月2回 10時: which ones? or 月2回 with three days
    HOUR_IN_WORDS = "hour_in_words"  # 夕方: at what time?
    EXTRA_TEXT = "extra_text"  # 毎週火曜 10時 たまに: what is たまに?


@dataclass(frozen=True)
class Unclear:
    """A schedule not read, why, and the words in question (たまに)."""

    why: Why
    text: str = ""


class Frequency(enum.StrEnum):
    """How a schedule repeats."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ONCE = "once"


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """When an activity meets: weekdays every n weeks, nth weekdays of a month, or one date."""

    frequency: Frequency
    start: time
    end: time | None = None
    weekdays: tuple[int, ...] = ()  # 0 = Monday, sorted
    interval_weeks: int = 1
    nth: tuple[int, ...] = ()  # 1..5, and -1 for the last one of the month
    on: date | None = None
    anchor: date | None = None  # the first session, for every-n-weeks; none before it
    monthdays: tuple[int, ...] = ()  # 毎月15日: days of the month, 1..31 (months without: none)
    skip_holidays: bool = False  # 祝日は休み: Japanese public holidays
    skip_new_year: bool = False  # 年末年始を除く: 29 December to 3 January
    # Read from a bare hour from 1 to 6 (毎週火曜 2時): 午前 or 午後 is asked (never stored).
    ambiguous_hour: bool = field(default=False, compare=False)
    # A one-off date without a year that passed this year lately (11月1日 on 30 November),
    # read as next year's: asked about (never stored).
    past_date: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (for a JSON column)."""
        return {
            "frequency": self.frequency.value, "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "weekdays": list(self.weekdays), "interval_weeks": self.interval_weeks,
            "nth": list(self.nth), "on": self.on.isoformat() if self.on else None,
            "anchor": self.anchor.isoformat() if self.anchor else None,
            "monthdays": list(self.monthdays), "skip_holidays": self.skip_holidays,
            "skip_new_year": self.skip_new_year,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schedule:
        """Return the schedule stored by ``to_json``."""
        return cls(
            frequency=Frequency(data["frequency"]), start=time.fromisoformat(data["start"]),
            end=time.fromisoformat(data["end"]) if data.get("end") else None,
            weekdays=tuple(data.get("weekdays", ())),
            interval_weeks=int(data.get("interval_weeks", 1)), nth=tuple(data.get("nth", ())),
            on=date.fromisoformat(data["on"]) if data.get("on") else None,
            anchor=date.fromisoformat(data["anchor"]) if data.get("anchor") else None,
            # schedules stored before these fields existed have none of them
            monthdays=tuple(data.get("monthdays", ())),
            skip_holidays=bool(data.get("skip_holidays", False)),
            skip_new_year=bool(data.get("skip_new_year", False)),
        )

    def to_code(self) -> str:
        """Return the schedule in a few characters, to carry in button data until it is
        confirmed (``from_code`` reads it back): w1400 1600.weekdays.weeks.nth.on.anchor.days.
        flags, with the numbers in base 36."""
        nth = sum(1 << (5 if n == -1 else n - 1) for n in self.nth)
        return ".".join([
            self.frequency.value[0] + self.start.strftime("%H%M")
            + (self.end.strftime("%H%M") if self.end else ""),
            _base36(sum(1 << d for d in self.weekdays)), _base36(self.interval_weeks),
            _base36(nth), _base36(self.on.toordinal()) if self.on else "",
            _base36(self.anchor.toordinal()) if self.anchor else "",
            _base36(sum(1 << (d - 1) for d in self.monthdays)),
            str(int(self.skip_holidays) + 2 * int(self.skip_new_year))])

    @classmethod
    def from_code(cls, code: str) -> Schedule | None:
        """Return the schedule ``to_code`` gave, or None for anything else."""
        try:
            head, weekdays, weeks, nth, on, anchor, days, flags = code.split(".")
            frequency = next(f for f in Frequency if f.value[0] == head[:1])
            start = time(int(head[1:3]), int(head[3:5]))
            end = time(int(head[5:7]), int(head[7:9])) if len(head) > 5 else None
            nth_bits, flag = int(nth, 36), int(flags)
            return cls(
                frequency=frequency, start=start, end=end,
                weekdays=_bits(int(weekdays, 36), 7), interval_weeks=int(weeks, 36),
                nth=tuple(-1 if i == 5 else i + 1 for i in _bits(nth_bits, 6)),
                on=date.fromordinal(int(on, 36)) if on else None,
                anchor=date.fromordinal(int(anchor, 36)) if anchor else None,
                monthdays=tuple(i + 1 for i in _bits(int(days, 36), 31)),
                skip_holidays=bool(flag & 1), skip_new_year=bool(flag & 2))
        except (StopIteration, ValueError, OverflowError):
            return None

    def skips(self, day: date) -> bool:
        """Return whether the schedule's exceptions leave ``day`` out."""
        return ((self.skip_new_year and (day.month, day.day) in NEW_YEAR_BREAK)
                or (self.skip_holidays and day in _JAPAN_HOLIDAYS))


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _bits(number: int, width: int) -> tuple[int, ...]:
    return tuple(i for i in range(width) if number >> i & 1)


def afternoon(schedule: Schedule) -> Schedule:
    """Return the afternoon reading of a schedule read from a bare hour (2時 → 14:00)."""
    times = afternoon_range(TimeRange(schedule.start, schedule.end))
    if times is None:
        raise ValueError("no afternoon reading")
    return replace(schedule, start=times.start, end=times.end, ambiguous_hour=False)


# --- reading: the whole text ------------------------------------------------------------------

def parse_schedule(text: str, today: date) -> Schedule | None:
    """Return the schedule ``text`` describes, or None when any part is unclear."""
    found = read_schedule(text, today)
    return found if isinstance(found, Schedule) else None


def read_schedule(text: str, today: date, name: str | None = None) -> Schedule | Unclear:
    """Return the schedule ``text`` describes, or what is unclear in it.

    Beyond the day and time words: a leading count (月2回) checked against the days, the
    exceptions (年末年始を除く, 祝日は休み), a starting date after the days (隔週木曜 12月3日から),
    and the activity's ``name`` after the time (毎週火曜 10時 いきいき体操), which is dropped.
    """
    text = normalize(text)
    if not text or len(text) > MAX_LENGTH:
        return Unclear(Why.NOT_READ)
    skipped = " ".join(match["what"] for match in _EXCEPTION.finditer(text))
    text = _EXCEPTION.sub(" ", text).strip()
    if name and (named := normalize(name)) and text.endswith(named) and text != named:
        text = text.removesuffix(named).strip()
    count = _COUNT.match(text)
    if count is not None:
        text = text[count.end():].strip()
    if (starts := _STARTS_FROM.search(text)) is not None and starts.start() > 0:
        text = f"{starts['date']}から" + (text[:starts.start()] + " " + text[starts.end():]
                                            ).strip()
    found = _read(text, today)
    if isinstance(found, Schedule):
        if count is not None and _per(found, count["per"]) != int(count["count"]):
            return Unclear(Why.WHICH_DAYS)
        return replace(found, skip_new_year="年末年始" in skipped,
                       skip_holidays=bool(re.search("祝|祭", skipped)))
    if count is not None:
        return Unclear(Why.WHICH_DAYS)
    if _DAY_PART_ONLY.search(text):
        return Unclear(Why.HOUR_IN_WORDS)
    return _extra_text(text, today)


def _per(schedule: Schedule, per: str) -> int | None:
    """Return the sessions a month (月) or a week (週) the schedule has, None when it varies."""
    if per == "週":
        return len(schedule.weekdays) if schedule.interval_weeks == 1 and \
            schedule.frequency is Frequency.WEEKLY else None
    if schedule.frequency is not Frequency.MONTHLY:
        return None
    return len(schedule.monthdays) or len(schedule.nth) * len(schedule.weekdays)


def _extra_text(text: str, today: date) -> Unclear:
    """Name the words after a readable schedule (毎週火曜 10時 たまに), or say none was read."""
    words = text.split()
    for cut in range(len(words) - 1, 0, -1):
        if isinstance(_read(" ".join(words[:cut]), today), Schedule):
            return Unclear(Why.EXTRA_TEXT, " ".join(words[cut:]))
    return Unclear(Why.NOT_READ)


def _read(text: str, today: date) -> Schedule | None:
    """Return the schedule of normalised ``text``: day words, then the time."""
    if not text:
        return None
    # The time comes last, but the day part may hold digits too (第2, 12月5日), so try each
    # place it could begin, longest time part first.
    for cut in range(1, len(text)):
        times = parse_time_range(text[cut:])
        day_text = text[:cut].strip().removesuffix("の").strip()
        if times is None or not day_text:
            continue
        found = _day_part(day_text, today)
        if found is not None:
            return Schedule(start=times.start, end=times.end, ambiguous_hour=times.ambiguous,
                            **found)
    return None


def _day_part(text: str, today: date) -> dict[str, Any] | None:
    """Return the Schedule fields (other than the times) for the day words, or None."""
    if text == "毎日":
        return {"frequency": Frequency.WEEKLY, "weekdays": EVERY_DAY}
    if (month_days := _MONTH_DAYS.fullmatch(text)) is not None:
        numbers = tuple(sorted({int(n) for n in re.findall(r"\d+", month_days["days"])}))
        if not numbers or not all(1 <= n <= 31 for n in numbers):
            return None
        return {"frequency": Frequency.MONTHLY, "monthdays": numbers}
    if monthly := _monthly(text):
        nth, days = monthly
        return {"frequency": Frequency.MONTHLY, "weekdays": days, "nth": nth}
    if weekly := _weekly(text, today):
        return weekly
    # 火曜 alone was taken as every Tuesday above; only an actual date is a one-off.
    once = read_date(text, datetime.combine(today, time()))
    return {"frequency": Frequency.ONCE, "on": once[0], "past_date": once[1]} if once else None


# --- reading: the parts -----------------------------------------------------------------------

def _weekdays(text: str) -> tuple[int, ...] | None:
    """Return the weekdays named in ``text`` (火・木, 月水金, 月曜から金曜, 平日), or None."""
    text = _EVERY_WEEKDAY.sub("", text)
    days: set[int] = set()
    if "平日" in text:
        days.update(WORKDAYS)
        text = text.replace("平日", "")
    for first, last in _WEEKDAY_RANGE.findall(text):
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
    text = _SEPARATORS.sub("", _WEEKDAY_WORDS.sub(r"\1", _WEEKDAY_RANGE.sub("", text)))
    if any(char not in WEEKDAYS for char in text):
        return None
    days.update(WEEKDAYS.index(char) for char in text)
    return tuple(sorted(days)) or None


def _monthly(text: str) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Return (nth, weekdays) for 毎月第2水曜, 第2・第4木曜, 最終金曜, or None."""
    text = _EVERY_MONTH.sub("", text, count=1) if text.startswith("毎月") else text
    text = _NTH_LIST.sub(lambda m: "".join(f"第{n}" for n in re.findall(r"\d", m[0])), text)
    head, *pieces = _NTH_START.split(text)
    if not pieces or _SEPARATORS.sub("", head):
        return None
    # 第2水曜と第4水曜 is fine; 第2水曜と第4木曜 pairs days the Schedule cannot hold apart.
    nth: set[int] = set()
    days: tuple[int, ...] | None = None
    pending: list[int] = []
    for piece in pieces:
        match = _NTH.match(piece)
        if match is None:
            return None
        n = -1 if match["last"] else int(match["n"])
        if not (n == -1 or 1 <= n <= 5):
            return None
        pending.append(n)
        rest = piece[match.end():]
        if not _SEPARATORS.sub("", rest):
            continue  # 第2・ waits for the weekday after 第4
        group = _weekdays(rest)
        if group is None or days not in (None, group):
            return None
        nth.update(pending)
        days, pending = group, []
    if pending or days is None:
        return None
    return tuple(sorted(nth, key=lambda n: (n == -1, n))), days


def _weekly(text: str, today: date) -> dict[str, Any] | None:
    """Return the fields for 毎週火曜, 隔週金曜, 3週ごと水曜, 12月1日から隔週火曜, or None."""
    begins = today
    if match := _STARTING.match(text):
        found = _start_date(match["date"], today)
        if found is None:
            return None
        begins, text = found, text[match.end():]
    interval = 1
    if match := _EVERY_WEEKS.match(text):
        interval = 2 if match["other"] else int(match["weeks"] or 1)
        text = text[match.end():]
    if interval < 1:
        return None
    if interval == 1:
        text = text.replace("毎週", "")  # 毎週月曜と毎週木曜
    days = _weekdays(text)
    if days is None:
        return None
    fields: dict[str, Any] = {"frequency": Frequency.WEEKLY, "weekdays": days}
    if interval > 1:
        fields["interval_weeks"] = interval
        fields["anchor"] = next(begins + timedelta(days=i) for i in range(7)
                                if (begins + timedelta(days=i)).weekday() in days)
    return fields


def _start_date(text: str, today: date) -> date | None:
    """Return the date a series starts from, or None; it may lie in the past."""
    found = parse_date(text, datetime.combine(today, time()))
    if found is None or _YEAR.search(text) or found - today <= PAST_START:
        return found
    # when.py reads a yearless date already past as next year's, right for a one-off; but
    # "11月1日から隔週" typed on 22 November means a series that began three weeks ago.
    try:
        earlier = found.replace(year=found.year - 1)
    except ValueError:  # 2月29日
        return found
    return earlier if today - earlier <= PAST_START else found


# --- dates ------------------------------------------------------------------------------------

def _next_month(year: int, month: int) -> tuple[int, int]:
    return year + month // 12, month % 12 + 1


def _monthly_days(schedule: Schedule, year: int, month: int) -> list[date]:
    """Return the schedule's days in one month, in order."""
    first = date(year, month, 1)
    following = date(*_next_month(year, month), 1)
    if schedule.monthdays:  # 毎月31日 has no session in a month without a 31st
        return [first + timedelta(days=d - 1) for d in schedule.monthdays
                if first + timedelta(days=d - 1) < following]
    found: set[date] = set()
    for weekday in schedule.weekdays:
        first_match = first + timedelta(days=(weekday - first.weekday()) % 7)
        matches = [first_match + timedelta(weeks=w) for w in range(5)
                   if first_match + timedelta(weeks=w) < following]
        found.update(matches[n] if n == -1 else matches[n - 1]
                     for n in schedule.nth if n == -1 or n <= len(matches))
    return sorted(found)


def _weekly_days(schedule: Schedule, first: date, last: date) -> Iterator[date]:
    """Yield the days of a weekly schedule from ``first`` to ``last``, a week at a time."""
    interval, anchor = schedule.interval_weeks, schedule.anchor
    if interval < 1:
        raise ValueError("interval_weeks must be at least 1")
    if interval > 1 and anchor is None:
        raise ValueError("a schedule every n weeks needs an anchor date")
    if anchor is not None:
        first = max(first, anchor)
    monday = first - timedelta(days=first.weekday())
    if anchor is not None:  # move to the next week that is a whole number of intervals on
        weeks = (monday - (anchor - timedelta(days=anchor.weekday()))).days // 7
        monday += timedelta(weeks=-weeks % interval)
    while monday <= last:
        for weekday in schedule.weekdays:
            if first <= (day := monday + timedelta(days=weekday)) <= last:
                yield day
        monday += timedelta(weeks=interval)


def _days(schedule: Schedule, first: date, last: date) -> Iterator[date]:
    """Yield meeting days from ``first`` to ``last`` inclusive, in order."""
    if schedule.frequency is Frequency.ONCE:
        if schedule.on is not None and first <= schedule.on <= last:
            yield schedule.on
    elif schedule.frequency is Frequency.MONTHLY:
        year, month = first.year, first.month
        while date(year, month, 1) <= last:
            yield from (d for d in _monthly_days(schedule, year, month) if first <= d <= last)
            year, month = _next_month(year, month)
    else:
        yield from _weekly_days(schedule, first, last)


def occurrences(schedule: Schedule, after: datetime, until: datetime, zone: tzinfo
                ) -> Iterator[datetime]:
    """Return an iterator of session starts (aware, in ``zone``), after < start <= until."""
    if after.tzinfo is None or until.tzinfo is None:
        raise ValueError("after and until must be aware datetimes")
    first = after.astimezone(zone).date()
    last = until.astimezone(zone).date()
    for day in _days(schedule, first, last):
        if schedule.skips(day):
            continue
        # combine with the zone, not a fixed offset, so summer time shifts are followed.
        start = datetime.combine(day, schedule.start, tzinfo=zone)
        if after < start <= until:
            yield start


def next_occurrence(schedule: Schedule, after: datetime, zone: tzinfo) -> datetime | None:
    """Return the first session start after ``after``, or None (a one-off in the past)."""
    if schedule.frequency is Frequency.ONCE:
        if schedule.on is None:
            return None
        start = datetime.combine(schedule.on, schedule.start, tzinfo=zone)
        return start if start > after else None
    # Every repeating schedule meets within a year of its anchor, or n weeks for every n weeks.
    begins = after
    if schedule.anchor is not None:
        begins = max(after, datetime.combine(schedule.anchor, time(), tzinfo=zone))
    horizon = begins + LOOK_AHEAD + timedelta(weeks=schedule.interval_weeks)
    return next(occurrences(schedule, after, horizon, zone), None)


def next_starts(schedule: Schedule, after: datetime, zone: tzinfo, count: int = 3
                ) -> list[datetime]:
    """Return the next ``count`` session starts after ``after`` (fewer for a one-off), to read
    a schedule back before it is saved."""
    found: list[datetime] = []
    while len(found) < count and (start := next_occurrence(schedule, after, zone)) is not None:
        found.append(start)
        after = start
    return found
