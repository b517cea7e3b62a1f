"""After each session, ask the organiser how many came (through the outbox)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import N_
from models import Activity, ActivitySession, Person
from models.activities import active_activities, ended_sessions, open_session
from models.clock import utcnow
from models.notices import Choice, Notice, moment
from models.outbox import enqueue
from scheduler.monthly_count import ask_monthly_counts
from scheduler.once import once
from scheduler.services import JobServices

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=2)  # a bot that was down for a weekend still asks
COUNT_CHOICES = (3, 5, 8, 10, 12, 15, 20, 30)
PREFIX = "pc"


def count_choices(record_id: int) -> tuple[tuple[Choice, ...], ...]:
    """Return the one-tap answers: numbers, "another number", "it was cancelled"."""
    numbers = tuple(Choice(N_("participation.people"), (PREFIX, record_id, n), {"count": n})
                    for n in COUNT_CHOICES)
    return (numbers[:4], numbers[4:],
            (Choice(N_("participation.button.type"), (PREFIX, record_id, "t")),),
            (Choice(N_("participation.button.cancelled"), (PREFIX, record_id, "x")),))


def question(activity: Activity, record: ActivitySession) -> Notice:
    """Return the question to the organiser: how many came to one session."""
    return Notice(N_("participation.ask"), {"name": activity.name or "-",
                                        "when": moment(record.starts_at)},
                  count_choices(record.id))


async def ask_due_sessions(session: AsyncSession, now: datetime, zone: tzinfo) -> int:
    """Open a record and queue the question for every session that ended; return how many."""
    asked = 0
    for activity in await active_activities(session):
        if not activity.schedule or activity.organiser_id is None:
            continue
        since = max(now - LOOKBACK, activity.created_at)
        for start in ended_sessions(activity, since, now, zone):
            record = await open_session(session, activity.id, start)
            organiser = await session.get(Person, activity.organiser_id)
            if record is None or organiser is None or not organiser.active:
                continue
            enqueue(session, key=f"participation:{record.id}",
                    notice=question(activity, record), person_id=organiser.id)
            asked += 1
    return asked


async def ask_for_counts(services: JobServices) -> None:
    """The periodic job: ask about sessions that have just ended."""
    if services.sessions is None:
        return
    asked = await once(services.sessions, "participation",
                       lambda session: ask_due_sessions(session, utcnow(),
                                                        services.settings.zone))
    if asked:
        log.info("asked organisers about %d sessions", asked)
    monthly = await once(services.sessions, "monthly_count",
                         lambda session: ask_monthly_counts(session, utcnow(),
                                                            services.settings.zone))
    if monthly:
        log.info("asked about last month's participants %d times", monthly)
