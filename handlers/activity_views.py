"""How activities read in a chat: the next session, a list line, the detail card."""

from __future__ import annotations

from datetime import datetime

from bot.context import OtagaiContext
from locales.activity_text import kind_label, meanings_label, schedule_label
from locales.i18n import _, current_zone, format_datetime, plain
from models import Activity, Area
from models.clock import utcnow
from models.permissions import coordinates_activity, may_manage_activity
from models.schedule import Schedule, next_occurrence


def next_session(activity: Activity, now: datetime | None = None) -> datetime | None:
    """Return when the activity next meets, or None (ended, or a past one-off)."""
    if not activity.schedule:
        return None
    return next_occurrence(Schedule.from_json(activity.schedule), now or utcnow(),
                           current_zone())


def list_line(activity: Activity) -> str:
    """Return one line of /activities: name, kind, next session."""
    upcoming = next_session(activity)
    when = format_datetime(upcoming) if upcoming else plain("activity.no_next")
    return _("activity.list_line", name=activity.name or "-", kind=kind_label(activity),
             next=when)


def card(activity: Activity, district: str, interest: int | None = None) -> str:
    """Return the detail card; ``interest`` only for the organiser and coordinators."""
    upcoming = next_session(activity)
    lines = [
        _("activity.card", name=activity.name or "-", kind=kind_label(activity),
          meanings=meanings_label(activity), district=district, place=activity.place or "-",
          schedule=schedule_label(activity),
          next=format_datetime(upcoming) if upcoming else plain("activity.no_next")),
    ]
    if activity.capacity is not None:
        lines.append(_("activity.card_capacity", capacity=activity.capacity))
    if activity.contact:
        lines.append(_("activity.card_contact", contact=activity.contact))
    if activity.description:
        lines.append(_("activity.card_description", description=activity.description))
    if interest is not None:
        lines.append(_("activity.interest_count", count=interest))
    return "\n".join(lines)


async def district_of(context: OtagaiContext, activity: Activity) -> Area | None:
    """Return the activity's district."""
    return (await context.session.get(Area, activity.district_id) if activity.district_id
            else None)


async def may_manage(context: OtagaiContext, activity: Activity) -> bool:
    """True for the organiser, or a coordinator of the activity's district."""
    return may_manage_activity(await context.permissions(),
                               context.person.id if context.person else None, activity,
                               await district_of(context, activity))


async def coordinates(context: OtagaiContext, activity: Activity) -> bool:
    """True for a coordinator of the activity's district."""
    return coordinates_activity(await context.permissions(), activity,
                                await district_of(context, activity))
