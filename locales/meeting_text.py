"""Meetings in words: kinds, times, the card with its live count, and the calendar file."""

from __future__ import annotations

from datetime import datetime, tzinfo

from icalendar import Calendar, Event

from locales.i18n import N_, _, format_date, format_time, plain
from models import Meeting, MeetingKind, MeetingStatus
from models.meetings import Counts

KIND_LABELS = {
    MeetingKind.CARE_MEETING: N_("meeting.kind.care_meeting"),
    MeetingKind.WORKSHOP: N_("meeting.kind.workshop"),
    MeetingKind.COUNCIL: N_("meeting.kind.council"),
    MeetingKind.STUDY: N_("meeting.kind.study"),
    MeetingKind.REPORT: N_("meeting.kind.report"),
    MeetingKind.OTHER: N_("meeting.kind.other"),
}


def kind_label(meeting: Meeting) -> str:
    """Return the meeting's kind in words."""
    return plain(KIND_LABELS[meeting.kind]) if meeting.kind else "-"


def when_label(meeting: Meeting) -> str:
    """Return 12月3日(水) 14:00〜15:30 (or 14:00〜 when no end was given)."""
    if meeting.starts_at is None:
        return "-"
    return span_label(meeting.starts_at, meeting.ends_at)


def span_label(starts_at: datetime, ends_at: datetime | None) -> str:
    """Return 12月3日(水) 14:00〜15:30 for a start and an optional end."""
    if ends_at is None:
        return plain("meeting.when_from", date=format_date(starts_at),
                     start=format_time(starts_at))
    return plain("meeting.when_range", date=format_date(starts_at),
                 start=format_time(starts_at), end=format_time(ends_at))


def count_label(meeting: Meeting, counts: Counts) -> str:
    """Return 参加予定 7/10名・キャンセル待ち 2名."""
    return plain("meeting.count", confirmed=counts.confirmed, capacity=meeting.capacity or "-",
                 waiting=counts.waiting)


def card(meeting: Meeting, area_name: str, counts: Counts | None = None,
         *, closed: bool = False) -> str:
    """Return the meeting in catalog markup: what, when, where, for whom, and the count."""
    lines = [_("meeting.card", kind=kind_label(meeting), title=meeting.title or "-",
               when=when_label(meeting), place=meeting.place or "-", area=area_name)]
    if meeting.open is False and meeting.status != MeetingStatus.DRAFT:
        lines.append(_("meeting.card_invited"))
    if meeting.signup_deadline is not None:
        lines.append(_("meeting.card_deadline", deadline=format_date(meeting.signup_deadline)
                       + " " + format_time(meeting.signup_deadline)))
    if meeting.description:
        lines.append(_("meeting.card_description", description=meeting.description))
    if counts is None and meeting.capacity:  # before sign-ups (the read-back): the capacity
        lines.append(_("meeting.card_capacity", capacity=meeting.capacity))
    if counts is not None:
        lines.append(_("meeting.card_count", count=count_label(meeting, counts)))
    if meeting.status == MeetingStatus.CANCELLED:
        lines.append(_("meeting.card_cancelled"))
    elif closed:
        lines.append(_("meeting.card_closed"))
    return "\n".join(lines)


def calendar_file(meeting: Meeting, zone: tzinfo) -> bytes:
    """Return an iCalendar file with the meeting as one event, in ``zone`` (Asia/Tokyo)."""
    assert meeting.starts_at is not None
    calendar = Calendar()
    calendar.add("prodid", "-//otagai//meetings//JA")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@otagai")
    event.add("summary", meeting.title or "-")
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    if meeting.ends_at is not None:
        event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("dtstamp", meeting.created_at)
    if meeting.place:
        event.add("location", meeting.place)
    if meeting.description:
        event.add("description", meeting.description)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
