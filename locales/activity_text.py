"""Activities in words: kinds, meanings and schedules, for chats and for exports."""

from __future__ import annotations

from datetime import datetime, time

from babel.dates import get_day_names

from locales.i18n import N_, current_language, format_date, plain
from models import Activity, ActivityKind, Meaning
from models.schedule import Frequency, Schedule

KIND_LABELS = {
    ActivityKind.GATHERING: N_("activity.kind.gathering"),
    ActivityKind.SALON: N_("activity.kind.salon"),
    ActivityKind.EXERCISE: N_("activity.kind.exercise"),
    ActivityKind.MEAL: N_("activity.kind.meal"),
    ActivityKind.WATCHING: N_("activity.kind.watching"),
    ActivityKind.DAILY_HELP: N_("activity.kind.daily_help"),
    ActivityKind.TRANSPORT: N_("activity.kind.transport"),
    ActivityKind.HOBBY: N_("activity.kind.hobby"),
    ActivityKind.ROLE: N_("activity.kind.role"),
    ActivityKind.OTHER: N_("activity.kind.other"),
}
MEANING_LABELS = {
    Meaning.WATCHING: N_("activity.meaning.watching"),
    Meaning.NUTRITION: N_("activity.meaning.nutrition"),
    Meaning.ISOLATION: N_("activity.meaning.isolation"),
    Meaning.CARE_PREVENTION: N_("activity.meaning.care_prevention"),
    Meaning.PURPOSE: N_("activity.meaning.purpose"),
    Meaning.ROLE: N_("activity.meaning.role"),
}

MONTH_DAY = N_("schedule.month_day")
# (祝日は休み, 年末年始は休み) → the words added after the schedule
EXCEPTIONS = {(True, False): N_("schedule.except_holidays"),
              (False, True): N_("schedule.except_new_year"),
              (True, True): N_("schedule.except_both")}


def _weekdays(days: tuple[int, ...]) -> str:
    names = get_day_names("abbreviated", locale=current_language())
    return plain("common.list_separator").join(names[d] for d in days)


def _clock(moment: time) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def _hours(schedule: Schedule) -> str:
    if schedule.end is None:
        return plain("schedule.from", start=_clock(schedule.start))
    return plain("schedule.range", start=_clock(schedule.start), end=_clock(schedule.end))


def describe_schedule(schedule: Schedule) -> str:
    """Return the schedule in words: 毎月 第2 水 12:00〜13:30 (祝日は休み)."""
    described = _describe(schedule)
    skipped = EXCEPTIONS.get((schedule.skip_holidays, schedule.skip_new_year))
    return plain("schedule.except", schedule=described, days=plain(skipped)) if skipped \
        else described


def _monthly(schedule: Schedule, hours: str) -> str:
    separator = plain("common.list_separator")
    if schedule.monthdays:
        days = separator.join(plain(MONTH_DAY, day=d) for d in schedule.monthdays)
        return plain("schedule.month_days", days=days, hours=hours)
    nths = separator.join(plain("schedule.last") if n == -1 else plain("schedule.nth", n=n)
                          for n in schedule.nth)
    return plain("schedule.monthly", nth=nths, days=_weekdays(schedule.weekdays), hours=hours)


def _describe(schedule: Schedule) -> str:
    hours = _hours(schedule)
    if schedule.frequency is Frequency.ONCE:
        assert schedule.on is not None
        return plain("schedule.once", date=format_date(schedule.on), hours=hours)
    if schedule.frequency is Frequency.MONTHLY:
        return _monthly(schedule, hours)
    days = _weekdays(schedule.weekdays)
    if schedule.interval_weeks > 1:
        return plain("schedule.every_weeks", weeks=schedule.interval_weeks, days=days,
                     hours=hours)
    if set(schedule.weekdays) == set(range(7)):
        return plain("schedule.daily", hours=hours)
    if set(schedule.weekdays) == set(range(5)):
        return plain("schedule.weekdays", hours=hours)
    return plain("schedule.weekly", days=days, hours=hours)


def next_dates_label(schedule: Schedule, starts: list[datetime]) -> str:
    """Return the next sessions, one a line: ・12月15日(火) 10:00〜12:00."""
    return "\n".join(plain("schedule.next_line", date=format_date(start), hours=_hours(schedule))
                     for start in starts)


def kind_label(activity: Activity) -> str:
    """Return the activity's kind in words."""
    return plain(KIND_LABELS[activity.kind]) if activity.kind else "-"


def meanings_label(activity: Activity) -> str:
    """Return the activity's meanings in words, or a dash."""
    return plain("common.list_separator").join(
        plain(MEANING_LABELS[Meaning(m)]) for m in activity.meanings or []) or "-"


def schedule_label(activity: Activity) -> str:
    """Return the activity's schedule in words, or a dash."""
    return describe_schedule(Schedule.from_json(activity.schedule)) if activity.schedule else "-"
