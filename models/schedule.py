"""Recurring schedules as people type them, and the dates they give.

``毎週火曜 10時から11時半``, ``第2・第4木曜 13:30-15:00``, ``毎月最終金曜 14時``,
``隔週金曜 14時``, ``平日 9:00-12:00``, ``12月5日 10:00-12:00``. The time is required; text
that is not fully understood gives None so the caller can ask again.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from models.when import normalize, parse_date, parse_time_range

MAX_LENGTH = 100
WEEKDAYS = "月火水木金土日"
_NTH = re.compile(r"第([1-5])|(最終)")
_EVERY_N_WEEKS = re.compile(r"(?:(隔週)|(\d{1,2})週間?ごと)[にの]?")
_WEEKDAY_RANGE = re.compile(rf"([{WEEKDAYS}])曜?日?から([{WEEKDAYS}])曜?日?")
_START_FROM = re.compile(r"^(?P<date>.+?)から(?=隔週|\d{1,2}週)")
_FILLER = re.compile(r"[\s・、と,の()（）]|曜日|曜")


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
    weekdays: tuple[int, ...] = ()  # 0 = Monday
    interval_weeks: int = 1
    nth: tuple[int, ...] = ()  # 1..5, and -1 for the last one of the month
    on: date | None = None
    anchor: date | None = field(default=None)  # one meeting day, for every-n-weeks

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (for a JSON column)."""
        return {
            "frequency": self.frequency.value, "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "weekdays": list(self.weekdays), "interval_weeks": self.interval_weeks,
            "nth": list(self.nth), "on": self.on.isoformat() if self.on else None,
            "anchor": self.anchor.isoformat() if self.anchor else None,
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
        )


# --- reading ---------------------------------------------------------------------------------

def _weekdays(text: str) -> tuple[int, ...] | None:
    """Return the weekdays named in what is left of the text, or None if anything else is."""
    if text == "毎日":
        return tuple(range(7))
    text = re.sub(rf"毎(?=[{WEEKDAYS}]曜)", "", text)  # 毎日曜 is every Sunday, not every day
    days: set[int] = set()
    if "平日" in text:
        days.update(range(5))
        text = text.replace("平日", "")
    for first, last in _WEEKDAY_RANGE.findall(text):
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
    text = _WEEKDAY_RANGE.sub("", text)
    text = _FILLER.sub("", text.replace("曜日", "曜"))
    for char in text:
        if char not in WEEKDAYS:
            return None
        days.add(WEEKDAYS.index(char))
    return tuple(sorted(days)) or None


def _day_part(text: str, today: date, start: time, end: time | None) -> Schedule | None:
    """Return a repeating schedule for the day words, else a one-off date, else None."""
    recurring = _recurring(text, today, start, end)
    if recurring is not None:
        return recurring  # 火曜 alone means every Tuesday here, not the next one
    once = parse_date(text, datetime.combine(today, time()))
    return Schedule(frequency=Frequency.ONCE, on=once, start=start, end=end) if once else None


def _recurring(text: str, today: date, start: time, end: time | None) -> Schedule | None:
    anchor_from = today
    if match := _START_FROM.match(text):
        begins = parse_date(match["date"], datetime.combine(today, time()))
        if begins is None:
            return None
        anchor_from, text = begins, text[match.end():]
    interval = 1
    if match := _EVERY_N_WEEKS.search(text):
        interval = 2 if match[1] else int(match[2])
        text = text[:match.start()] + text[match.end():]
    text = text.replace("毎週", "").replace("週1回", "")
    nth = tuple(-1 if last else int(n) for n, last in _NTH.findall(text))
    text = _NTH.sub("", text.replace("毎月", "")) if nth else text
    if "毎月" in text or interval < 1 or (nth and interval != 1):
        return None
    days = _weekdays(text.strip())
    if days is None:
        return None
    if nth:
        return Schedule(frequency=Frequency.MONTHLY, weekdays=days, nth=tuple(sorted(
            set(nth), key=lambda n: (n == -1, n))), start=start, end=end)
    anchor = None
    if interval > 1:
        anchor = next(anchor_from + timedelta(days=i) for i in range(7)
                      if (anchor_from + timedelta(days=i)).weekday() in days)
    return Schedule(frequency=Frequency.WEEKLY, weekdays=days, interval_weeks=interval,
                    anchor=anchor, start=start, end=end)


def parse_schedule(text: str, today: date) -> Schedule | None:
    """Return the schedule ``text`` describes, or None when any part is unclear."""
    text = normalize(text)
    if not text or len(text) > MAX_LENGTH:
        return None
    # The time comes last; find where it starts (the day part may hold digits too: 第2).
    for cut in range(1, len(text)):
        times = parse_time_range(text[cut:])
        if times is None:
            continue
        day_text = text[:cut].strip().removesuffix("の").strip()
        if day_text:
            found = _day_part(day_text, today, times.start, times.end)
            if found is not None:
                return found
    return None


# --- dates -----------------------------------------------------------------------------------

def _monthly_days(schedule: Schedule, year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    next_month = date(year + month // 12, month % 12 + 1, 1)
    days = []
    for weekday in schedule.weekdays:
        first_match = first + timedelta(days=(weekday - first.weekday()) % 7)
        matches = [first_match + timedelta(weeks=w) for w in range(5)
                   if first_match + timedelta(weeks=w) < next_month]
        for n in schedule.nth:
            if n == -1:
                days.append(matches[-1])
            elif n <= len(matches):
                days.append(matches[n - 1])
    return sorted(set(days))


def _days(schedule: Schedule, first: date, last: date) -> Iterator[date]:
    """Yield meeting days from ``first`` to ``last`` inclusive, in order, jumping not crawling."""
    if schedule.frequency is Frequency.ONCE:
        if schedule.on is not None and first <= schedule.on <= last:
            yield schedule.on
        return
    if schedule.frequency is Frequency.MONTHLY:
        year, month = first.year, first.month
        while date(year, month, 1) <= last:
            yield from (d for d in _monthly_days(schedule, year, month) if first <= d <= last)
            year, month = year + month // 12, month % 12 + 1
        return
    if schedule.interval_weeks > 1 and schedule.anchor is None:
        raise ValueError("a schedule every n weeks needs an anchor date")
    anchor_monday = (schedule.anchor or first) - timedelta(days=(schedule.anchor or first)
                                                           .weekday())
    monday = first - timedelta(days=first.weekday())
    skip = (monday - anchor_monday).days // 7 % schedule.interval_weeks
    if skip:
        monday += timedelta(weeks=schedule.interval_weeks - skip)
    while monday <= last:
        for weekday in schedule.weekdays:
            day = monday + timedelta(days=weekday)
            if first <= day <= last and (schedule.anchor is None or day >= schedule.anchor
                                         or schedule.interval_weeks == 1):
                yield day
        monday += timedelta(weeks=schedule.interval_weeks)


def occurrences(schedule: Schedule, after: datetime, until: datetime, zone: tzinfo
                ) -> Iterator[datetime]:
    """Yield session starts (aware, in ``zone``) with ``after < start <= until``, in order."""
    first = after.astimezone(zone).date()
    last = until.astimezone(zone).date()
    for day in _days(schedule, first, last):
        start = datetime.combine(day, schedule.start, tzinfo=zone)
        if after < start <= until:
            yield start


def next_occurrence(schedule: Schedule, after: datetime, zone: tzinfo) -> datetime | None:
    """Return the first session start after ``after``, or None (a one-off in the past)."""
    return next(occurrences(schedule, after, after + timedelta(days=400), zone), None)
