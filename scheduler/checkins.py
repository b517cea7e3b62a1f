"""The weekly check-in question and watching: who is asked, reminded, and who is alerted.

Each function takes ``now`` so tests drive the clock; the jobs at the bottom call them with the
real time. Everything said goes through the outbox, with keys that make a second run (or a
second process) add nothing.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from locales.i18n import N_
from models import Area, CheckinRound, WatchAlert
from models.checkins import BATCH, Level, due_people, last_answer_time, open_rounds
from models.clock import utcnow
from models.locks import take_write_lock
from models.notices import Choice, Notice, label, moment
from models.outbox import enqueue, enqueue_many, outbox_row
from models.roles import responsible_coordinators
from models.watching import (
    Thresholds,
    alerts_to_escalate,
    contacts_of,
    rounds_to_alert,
    rounds_to_remind,
)
from scheduler.once import job_lock
from scheduler.services import JobServices

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

PREFIX = "ci"
BATCH_PAUSE = 0.15  # seconds between the check-in job's batches
ALERT_PREFIX = "wa"
LEVEL_LABELS = {
    Level.FINE: N_("checkin.level.fine"),
    Level.SO_SO: N_("checkin.level.so_so"),
    Level.NEED_HELP: N_("checkin.level.need_help"),
    Level.WANT_TO_TALK: N_("checkin.level.want_to_talk"),
}


def answers(round_id: int) -> tuple[tuple[Choice, ...], ...]:
    """Return the four one-tap answers, one per row (large targets for older hands)."""
    return tuple((Choice(LEVEL_LABELS[level], (PREFIX, round_id, level.value)),)
                 for level in Level)


def question(round_id: int) -> Notice:
    """Return the weekly question of a round, with its answers."""
    return Notice(N_("checkin.question"), choices=answers(round_id))


def reminder(record: CheckinRound) -> Notice:
    """Return the reminder of an unanswered round, with its answers."""
    return Notice(N_("checkin.reminder"), {"when": moment(record.asked_at)},
                  answers(record.id))


async def ask_next(session: AsyncSession, now: datetime, zone: tzinfo, *, after: int = 0,
                   limit: int = BATCH) -> tuple[int, int | None]:
    """Open the rounds of the next ``limit`` due people (ids above ``after``) and queue their
    questions, in the caller's transaction (each question with its round); return how many
    were asked and the last person id looked at, None when nobody is left."""
    people = await due_people(session, now, zone, after=after, limit=limit)
    opened = await open_rounds(session, people)
    rows = [outbox_row(key=f"checkin:{due.round_id}",
                       notice=question(due.round_id), person_id=due.person.person_id)
            for due in opened]
    await enqueue_many(session, rows)
    return len(opened), people[-1].person_id if len(people) == limit else None


async def ask_in_batches(sessions: async_sessionmaker[AsyncSession], now: datetime,
                         zone: tzinfo, batch: int = BATCH) -> int:
    """Ask everyone who is due, committing every ``batch`` people: a crash keeps what was
    committed and the next run asks only the others (rounds are unique per person and time,
    and each question is queued with its round). Return how many were asked."""
    asked: int = 0
    after: int | None = 0
    while after is not None:
        async with sessions() as session, session.begin():
            await take_write_lock(session)
            count, after = await ask_next(session, now, zone, after=after, limit=batch)
        asked += count
        if after is not None:
            # SQLite's waiting writers (updates, the dispatcher) retry every 100 ms at most:
            # a pause lets them have the write lock between batches.
            await asyncio.sleep(BATCH_PAUSE)
    return asked


async def watch_silence(session: AsyncSession, now: datetime, default: Thresholds
                        ) -> tuple[int, int, int]:
    """Remind watched people who did not answer, alert their coordinators, and, when an
    alert stays unresolved, tell the contacts they named; return the three counts."""
    reminded = 0
    for record, person in await rounds_to_remind(session, now):
        record.reminded_at = now
        enqueue(session, key=f"checkin-reminder:{record.id}",
                notice=reminder(record), person_id=person.id)
        reminded += 1
    alerted = 0
    for record, person in await rounds_to_alert(session, now, default):
        record.alerted_at = now
        coordinators = await responsible_coordinators(session, person.district_id)
        alert = WatchAlert(round_id=record.id, person_id=person.id,
                           district_id=person.district_id, told=[c.id for c in coordinators],
                           created_at=now)
        session.add(alert)
        await session.flush()
        last = await last_answer_time(session, person.id)
        district = await session.get(Area, person.district_id) if person.district_id else None
        notice = Notice(
            N_("watch.alert"),
            {"name": person.display_name or "-", "district": district.name if district else "-",
             "asked": moment(record.asked_at),
             "last": moment(last) if last else label(N_("watch.never_answered"))},
            ((Choice(N_("watch.button.resolve"), (ALERT_PREFIX, alert.id, "ok")),),))
        for coordinator in coordinators:
            enqueue(session, key=f"watch-alert:{alert.id}:{coordinator.id}", notice=notice,
                    person_id=coordinator.id,
                    urgent=True, about=person.id)
        if not coordinators:
            log.warning("watch alert %d has no district coordinator to tell", alert.id)
        alerted += 1
    escalated = 0
    for alert, person in await alerts_to_escalate(session, now, default):
        alert.escalated_at = now
        silent = await session.get(CheckinRound, alert.round_id)
        for _link, contact in await contacts_of(session, person.id):
            if not contact.active:
                continue
            notice = Notice(N_("watch.contact_alert"), {
                "name": person.display_name or "-",
                "asked": moment(silent.asked_at) if silent else "-"})
            enqueue(session, key=f"watch-contact:{alert.id}:{contact.id}", notice=notice,
                    person_id=contact.id,
                    urgent=True, about=person.id)
            escalated += 1
    return reminded, alerted, escalated


async def checkin_round(sessions: async_sessionmaker[AsyncSession], now: datetime,
                        zone: tzinfo, default: Thresholds, batch: int = BATCH
                        ) -> tuple[int, int, int, int] | None:
    """Ask (a batch per transaction), then remind, alert and escalate (one transaction), all
    under the job's lock; return the four counts, or None if another process runs the job."""
    async with job_lock(sessions, "checkins") as ours:
        if not ours:
            return None
        asked = await ask_in_batches(sessions, now, zone, batch)
        async with sessions() as session, session.begin():
            await take_write_lock(session)
            reminded, alerted, escalated = await watch_silence(session, now, default)
    return asked, reminded, alerted, escalated


async def checkin_job(services: JobServices) -> None:
    """The periodic job: ask, remind and alert."""
    if services.sessions is None:
        return
    settings = services.settings
    done = await checkin_round(services.sessions, utcnow(), settings.zone,
                               default_thresholds(settings))
    asked, reminded, alerted, escalated = done or (0, 0, 0, 0)
    if asked or reminded or alerted or escalated:
        log.info("check-ins: %d asked, %d reminded, %d alerts, %d contacts told",
                 asked, reminded, alerted, escalated)


def default_thresholds(settings: Settings) -> Thresholds:
    """Return the deployment's watching thresholds (a municipality may set its own)."""
    return Thresholds(alert_after=timedelta(hours=settings.watch_alert_hours),
                      contact_after=timedelta(hours=settings.watch_contact_hours))
