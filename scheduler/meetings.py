"""Meeting reminders (the day before at 18:00, two hours before) and the attendance question.

Pure functions taking ``now``; the job runs them every few minutes. A reminder's key names
the meeting, the person, the kind and the start time, so it goes once; a meeting moved to
another time gets reminders of its own (those waiting for the old time were cancelled).
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import N_
from models import Meeting, MeetingStatus, OutboxMessage, Person, SignupStatus
from models.clock import utcnow
from models.meetings import REMINDER_KEY, ends, signups
from models.notices import Choice, Notice, Param, span
from models.outbox import enqueue
from scheduler.once import once
from scheduler.services import JobServices

log = logging.getLogger(__name__)

DAY_BEFORE_AT = time(18, 0)
SOON = timedelta(hours=2)
LOOKAHEAD = timedelta(days=2)
ATTENDANCE_LOOKBACK = timedelta(days=7)
ATTEND = "ma"  # the attendance buttons' prefix (handlers.meetings)
REMINDER_TEXTS = {"day": N_("meeting.reminder_day"), "soon": N_("meeting.reminder_soon")}


def when(meeting: Meeting) -> Param:
    """The meeting's time, as a notice parameter: 12月3日(水) 14:00〜15:30."""
    return span(meeting.starts_at, meeting.ends_at) if meeting.starts_at is not None else "-"


def reminder_kind(meeting: Meeting, now: datetime, zone: tzinfo) -> str | None:
    """Return which reminder is due now: "soon", "day", or None."""
    assert meeting.starts_at is not None
    if now >= meeting.starts_at:
        return None
    if now >= meeting.starts_at - SOON:
        return "soon"
    day = meeting.starts_at.astimezone(zone).date() - timedelta(days=1)
    if now >= datetime.combine(day, DAY_BEFORE_AT, tzinfo=zone):
        return "day"
    return None


def reminder_key(meeting: Meeting, person_id: int, kind: str) -> str:
    """Return the idempotency key of one reminder."""
    assert meeting.starts_at is not None
    return f"{REMINDER_KEY}:{meeting.id}:{person_id}:{kind}:{int(meeting.starts_at.timestamp())}"


async def remind_due(session: AsyncSession, now: datetime, zone: tzinfo) -> int:
    """Queue the reminders that are due to everyone confirmed; return how many."""
    queued = 0
    meetings = await session.scalars(select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now,
        Meeting.starts_at <= now + LOOKAHEAD))
    for meeting in meetings:
        kind = reminder_kind(meeting, now, zone)
        if kind is None:
            continue
        people = [p for _s, p in await signups(session, meeting.id, (SignupStatus.CONFIRMED,))
                  if p.active]
        keys = {p.id: reminder_key(meeting, p.id, kind) for p in people}
        done = set(await session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.in_(list(keys.values())))))
        notice = Notice(REMINDER_TEXTS[kind], {"title": meeting.title or "-",
                                               "when": when(meeting),
                                               "place": meeting.place or "-"})
        for person in people:
            if keys[person.id] in done:
                continue
            enqueue(session, key=keys[person.id], notice=notice,
                    person_id=person.id)
            queued += 1
    return queued


async def ask_attendance(session: AsyncSession, now: datetime) -> int:
    """Ask each organiser, once, who came to a meeting that has ended; return how many."""
    asked = 0
    meetings = await session.scalars(select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED, Meeting.attendance_asked_at.is_(None),
        Meeting.starts_at <= now, Meeting.starts_at >= now - ATTENDANCE_LOOKBACK))
    for meeting in meetings:
        if ends(meeting) > now or meeting.organiser_id is None:
            continue
        meeting.attendance_asked_at = now
        organiser = await session.get(Person, meeting.organiser_id)
        if organiser is None or not organiser.active:
            continue
        notice = Notice(N_("meeting.attendance_ask"),
                        {"title": meeting.title or "-", "when": when(meeting)},
                        ((Choice(N_("meeting.button.attendance"), (ATTEND, "v", meeting.id)),),))
        enqueue(session, key=f"meeting-attendance:{meeting.id}",
                notice=notice, person_id=organiser.id)
        asked += 1
    return asked


async def meeting_jobs(services: JobServices) -> None:
    """The periodic job: reminders and attendance questions."""
    if services.sessions is None:
        return
    now, zone = utcnow(), services.settings.zone

    async def work(session: AsyncSession) -> tuple[int, int]:
        return await remind_due(session, now, zone), await ask_attendance(session, now)

    reminded, asked = await once(services.sessions, "meetings", work) or (0, 0)
    if reminded or asked:
        log.info("queued %d meeting reminders, %d attendance questions", reminded, asked)
        services.wake_dispatcher()
