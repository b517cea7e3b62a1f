"""Every week (Monday 08:00 by default) each council's digest of the week just ended goes to
its members and coordinators through the outbox: the text, the chart and the workbook.

A digest is claimed per council and week with a unique row in the same transaction as its
outbox rows, so several processes or a restart in the middle produce it exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import CallbackContext

from bot.i18n import _, normalize_language, use_language
from models import Area, Council, Person
from models.areas import councils
from models.base import utcnow
from models.digests import claim_run, digest_recipients, iso_week_name, last_full_week
from models.outbox import Attachment, enqueue
from scheduler.digests.aggregate import Digest, build_digest, build_digests
from scheduler.digests.chart import participants_chart
from scheduler.digests.render import Reader, digest_text
from scheduler.digests.workbook import digest_workbook
from scheduler.once import once

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


async def send_council_digest(session: AsyncSession, council: Council, week: date,
                              zone: tzinfo, threshold: int) -> int | None:
    """Claim and queue one council's digest for ``week``; None if it was claimed already."""
    run = await claim_run(session, council.id, week)
    if run is None:
        return None
    digest = await build_digest(session, council, week, zone)
    run.recipients = await queue_digest(session, digest, zone, threshold)
    return run.recipients


async def queue_digest(session: AsyncSession, digest: Digest, zone: tzinfo, threshold: int
                       ) -> int:
    """Render a digest for each of its readers' languages and kinds, queue it; return how
    many people get it. The chart does not depend on the kind of reader: drawn once per
    language."""
    council = digest.scope.council
    people = await digest_recipients(session, council, digest.scope.area)
    charts: dict[str, bytes] = {}
    rendered: dict[tuple[str, bool], DigestFiles] = {}
    for person, exact in people:
        language = normalize_language(person.language)
        if (language, exact) not in rendered:
            with use_language(language, zone):
                if language not in charts:
                    charts[language] = participants_chart(digest)
                rendered[language, exact] = render_files(digest, Reader(exact, threshold),
                                                         charts[language])
        queue_files(session, rendered[language, exact], person,
                    f"digest:{council.id}:{digest.week.isoformat()}:{person.id}")
    return len(people)


def queue_files(session: AsyncSession, files: DigestFiles, person: Person, key: str) -> None:
    """Queue the text, the chart and the workbook to one person."""
    enqueue(session, key=f"{key}:text", chat_id=person.telegram_id, text=files.text,
            person_id=person.id)
    enqueue(session, key=f"{key}:chart", chat_id=person.telegram_id, text=files.chart_caption,
            person_id=person.id, attachment=files.chart, attachment_name=files.chart_name,
            attachment_kind=Attachment.PHOTO)
    enqueue(session, key=f"{key}:xlsx", chat_id=person.telegram_id,
            text=files.workbook_caption, person_id=person.id, attachment=files.workbook,
            attachment_name=files.workbook_name, attachment_kind=Attachment.DOCUMENT)


async def send_weekly_digests(session: AsyncSession, now: datetime, zone: tzinfo, *,
                              weekday: int = 0, hour: int = 8, threshold: int = 3) -> int:
    """Queue the digest of the week just ended for every council not yet done; return how
    many councils were done now (none before this week's sending time)."""
    if now < due_moment(now, zone, weekday, hour):
        return 0
    week = last_full_week(now, zone)
    claimed = []
    for council in await councils(session):
        if await session.get(Area, council.area_id) is None:
            continue
        run = await claim_run(session, council.id, week)
        if run is not None:
            claimed.append((council, run))
    if claimed:  # nothing is committed (or sent) before every one of them is queued
        log.info("building the weekly digests of %d councils for the week of %s",
                 len(claimed), week.isoformat())
    digests = await build_digests(session, [council for council, _run in claimed], week, zone)
    for council, run in claimed:
        run.recipients = await queue_digest(session, digests[council.id], zone, threshold)
    return len(claimed)


async def digest_job(context: CallbackContext) -> None:  # type: ignore[type-arg]
    """The periodic job: send the weekly digests once their time has come."""
    services = context.application.services  # type: ignore[attr-defined]
    if services.sessions is None:
        return
    settings = services.settings
    # The claim rows already make each digest go out once; the job lock also spares a
    # second process the work of building digests it would then throw away.
    done = await once(services.sessions, "digests", lambda session: send_weekly_digests(
        session, utcnow(), settings.zone, weekday=settings.digest_weekday,
        hour=settings.digest_hour, threshold=settings.digest_threshold))
    if done:
        log.info("queued the weekly digests of %d councils", done)
