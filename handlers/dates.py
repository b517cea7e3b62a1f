"""A typed date's questions, for every flow that takes one (/newevent, a meeting's new time,
a broadcast sent later): next year's? 午前 or 午後? then the read-back with はい.

Button steps, after the flow's own prefix and the target's id: はい to next year (``yy``),
午前/午後 (``ha``/``hp``), はい at the read-back (``wy``), type again (``wn``). /newevent keeps
the date on its draft; the others carry it in the buttons (``carry``) until はい, as minutes
since the epoch (``moment_of`` reads it back).
"""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.common import button, callback_data
from handlers.router import Choice, Int
from locales.i18n import _, current_zone, format_datetime, format_half_day
from locales.meeting_text import span_label
from models.clock import utcnow
from models.when import Clarify
from models.when import When as Moment

WHEN_STEPS = ("yy", "ha", "hp", "wy", "wn")
# What the buttons of ``when_question(..., carry=True)`` carry after the target's id: the
# moment (start and end in minutes, ``moment_values``), then whether the hour is open too.
MINUTES = Int(digits=10, optional=True)
CARRIED = (MINUTES, MINUTES, Choice("0", "1", optional=True))


def moment_values(when: Moment) -> tuple[int, int]:
    """Return the start and end (0: none) of ``when`` as minutes, for button data."""
    return (int(when.start.timestamp()) // 60,
            int(when.end.timestamp()) // 60 if when.end else 0)


def moment_of(values: list[str], index: int) -> Moment | None:
    """Return the moment carried at ``values[index:index + 2]`` (local time), or None."""
    try:
        start, end = int(values[index]), int(values[index + 1])
    except (IndexError, ValueError):
        return None
    zone = current_zone()
    try:
        return Moment(datetime.fromtimestamp(start * 60, UTC).astimezone(zone),
                      datetime.fromtimestamp(end * 60, UTC).astimezone(zone) if end else None)
    except (OverflowError, OSError, ValueError):  # forged
        return None


def hour_too(values: list[str]) -> bool:
    """True when the はい to next year's date (``yy``) is followed by the hour question."""
    return values[-1:] == ["1"]


def when_question(prefix: str, target_id: int, when: Moment, asks: tuple[Clarify, ...], *,
                  carry: bool = False, moment: bool = False
                  ) -> tuple[str, InlineKeyboardMarkup, str | None]:
    """Ask what a typed date left open (next year? 午前 or 午後?), else read it back.

    Returns the question, its buttons and the step now open: ``when_year``, ``when_hour``,
    or None at the read-back. ``moment``: a single moment (12月3日(木) 14:00), not a start.
    """
    carried = moment_values(when) if carry else ()
    local = when.start.astimezone(current_zone())
    if Clarify.PAST_DATE_THIS_YEAR in asks:
        hour = int(Clarify.AMBIGUOUS_HOUR in asks)
        return _("meeting.ask_next_year", year=local.year, month=local.month, day=local.day), \
            InlineKeyboardMarkup([
                [button("meeting.button.yes",
                        callback_data(prefix, "yy", target_id, *carried, hour))],
                [button("meeting.button.no_retype", callback_data(prefix, "wn", target_id))]]), \
            "when_year"
    if Clarify.AMBIGUOUS_HOUR in asks:
        morning = format_half_day(local.time(), afternoon=False)
        evening = format_half_day(local.time(), afternoon=True)
        return _("meeting.ask_half_day", morning=morning, afternoon=evening), \
            InlineKeyboardMarkup([[
                InlineKeyboardButton(label, callback_data=callback_data(prefix, step, target_id,
                                                                        *carried))
                for label, step in ((morning, "ha"), (evening, "hp"))]]), "when_hour"
    label = format_datetime(when.start) if moment else span_label(when.start, when.end)
    return _("meeting.confirm_when", when=label), InlineKeyboardMarkup([
        [button("meeting.button.yes", callback_data(prefix, "wy", target_id, *carried))],
        [button("meeting.button.retype", callback_data(prefix, "wn", target_id))]]), None


def now_local() -> datetime:
    return utcnow().astimezone(current_zone())
