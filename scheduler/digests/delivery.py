"""Every week (Monday 08:00 by default) each council's digest of the week just ended goes to
its members and coordinators through the outbox: the text, the chart and the workbook.

A digest is claimed per council and week with a unique row in the same transaction as its
outbox rows, so several processes or a restart in the middle produce it exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import _, normalize_language, use_language
from models import Council, Person
from models.clock import utcnow
from models.digests import (
    claim_run,
    digest_recipients,
    iso_week_name,
    last_full_week,
    unsent_councils,
)
from models.outbox import Attachment, enqueue
from scheduler.digests.aggregate import Digest, build_digests
from scheduler.digests.chart import participants_chart
from scheduler.digests.render import Reader, digest_text
from scheduler.digests.workbook import digest_workbook
from scheduler.once import once
from scheduler.services import JobServices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestFiles:
    """One digest rendered for one language and one kind of reader."""

    text: str
    chart: bytes
    workbook: bytes
    chart_caption: str
    workbook_caption: str
    chart_name: str
    workbook_name: str


def render_files(digest: Digest, reader: Reader, chart: bytes | None = None) -> DigestFiles:
    """Return the text, chart and workbook of a digest in the current language."""
    council = digest.scope.council
    stem = f"digest-{council.id}-{iso_week_name(digest.week)}"
    return DigestFiles(
        text=digest_text(digest, reader),
        chart=participants_chart(digest) if chart is None else chart,
        workbook=digest_workbook(digest, reader),
        chart_caption=_("digest.chart_caption", council=council.name),
        workbook_caption=_("digest.workbook_caption", council=council.name),
        chart_name=f"{stem}.png", workbook_name=f"{stem}.xlsx")


def due_moment(now: datetime, zone: tzinfo, weekday: int, hour: int) -> datetime:
    """Return this week's sending time (weekday 0 = Monday, at ``hour``) in ``zone``."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday + timedelta(days=weekday), time(hour), tzinfo=zone)


@dataclass(frozen=True)
class ReadyDigest:
    """A council's digest of a week, rendered for each of its readers, not queued yet."""

    council: Council
    week: date
    readers: list[tuple[Person, DigestFiles]]


def render_for_readers(digest: Digest, people: list[tuple[Person, bool]], zone: tzinfo,
                       threshold: int) -> ReadyDigest:
    """Render a digest for each of its readers' (person, reads exact counts) languages and
    kinds. The chart does not depend on the kind of reader: drawn once per language."""
    council = digest.scope.council
    charts: dict[str, bytes] = {}
    rendered: dict[tuple[str, bool], DigestFiles] = {}
    readers = []
    for person, exact in people:
        language = normalize_language(person.language)
        if (language, exact) not in rendered:
            with use_language(language, zone):
                if language not in charts:
                    charts[language] = participants_chart(digest)
                rendered[language, exact] = render_files(digest, Reader(exact, threshold),
                                                         charts[language])
        readers.append((person, rendered[language, exact]))
    return ReadyDigest(council, digest.week, readers)


def queue_ready(session: AsyncSession, ready: ReadyDigest) -> int:
    """Queue a rendered digest to each of its readers; return how many."""
    for person, files in ready.readers:
        queue_files(session, files, person,
                    f"digest:{ready.council.id}:{ready.week.isoformat()}:{person.id}")
    return len(ready.readers)


def queue_files(session: AsyncSession, files: DigestFiles, person: Person, key: str) -> None:
    """Queue the text, the chart and the workbook to one person."""
    enqueue(session, key=f"{key}:text", text=files.text, person_id=person.id)
    enqueue(session, key=f"{key}:chart", text=files.chart_caption,
            person_id=person.id, attachment=files.chart, attachment_name=files.chart_name,
            attachment_kind=Attachment.PHOTO)
    enqueue(session, key=f"{key}:xlsx",
            text=files.workbook_caption, person_id=person.id, attachment=files.workbook,
            attachment_name=files.workbook_name, attachment_kind=Attachment.DOCUMENT)


async def prepare_weekly_digests(session: AsyncSession, now: datetime, zone: tzinfo, *,
                                 weekday: int = 0, hour: int = 8, threshold: int = 3
                                 ) -> list[ReadyDigest]:
    """Build and render the digest of the week just ended for every council nobody has
    sent yet (none before this week's sending time); reads only, queues nothing."""
    if now < due_moment(now, zone, weekday, hour):
        return []
    week = last_full_week(now, zone)
    pending = await unsent_councils(session, week)
    if not pending:
        return []
    log.info("building the weekly digests of %d councils for the week of %s",
             len(pending), week.isoformat())
    digests = await build_digests(session, pending, week, zone)
    readers = [(digests[council.id],
                await digest_recipients(session, council, digests[council.id].scope.area))
               for council in pending]
    # Drawing is the slow part (about 0.1 s a chart): in a thread, so the bot keeps
    # answering meanwhile.
    return await asyncio.to_thread(lambda: [
        render_for_readers(digest, people, zone, threshold) for digest, people in readers])


async def queue_weekly_digests(session: AsyncSession, ready: list[ReadyDigest]) -> int:
    """Claim each rendered digest and queue it, in the session's transaction; one that
    another process claimed meanwhile is dropped. Return how many were queued."""
    queued = 0
    for digest in ready:
        run = await claim_run(session, digest.council.id, digest.week)
        if run is not None:
            run.recipients = queue_ready(session, digest)
            queued += 1
    return queued


async def send_weekly_digests(session: AsyncSession, now: datetime, zone: tzinfo, *,
                              weekday: int = 0, hour: int = 8, threshold: int = 3) -> int:
    """Build, claim and queue the week's digests in the session's transaction; return how
    many councils were done now."""
    ready = await prepare_weekly_digests(session, now, zone, weekday=weekday, hour=hour,
                                         threshold=threshold)
    return await queue_weekly_digests(session, ready)


async def digest_job(services: JobServices) -> None:
    """The periodic job: send the weekly digests once their time has come."""
    if services.sessions is None:
        return
    settings = services.settings
    # Building and drawing only read, so they run outside the job's lock (on SQLite the
    # lock is the database's one write lock, which updates need meanwhile); claiming and
    # queuing, which write, run under it. A second process that built the same digests
    # finds them claimed and drops its copies.
    async with services.sessions() as session:
        ready = await prepare_weekly_digests(
            session, utcnow(), settings.zone, weekday=settings.digest_weekday,
            hour=settings.digest_hour, threshold=settings.digest_threshold)
    if not ready:
        return
    done = await once(services.sessions, "digests",
                      lambda session: queue_weekly_digests(session, ready))
    if done:
        log.info("queued the weekly digests of %d councils", done)
