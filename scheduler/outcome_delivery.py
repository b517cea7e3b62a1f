"""Once a quarter, each council's outcome indicators (成果指標) go to its members and the
coordinators of its area through the outbox: the text and the workbook.

The report of a quarter is due on ``REPORT_DAY`` of the month after it, at the digest's hour,
so that organisers have reported the last month's participants in person. A municipal
council gets its municipality's report, a district council its district's. Members read
suppressed counts, the coordinators of the council's area exact ones (as the digest). A
unique row per council and quarter, inserted in the same transaction as the outbox rows,
makes each report go out once, whatever the number of processes or restarts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import normalize_language, use_language
from models import Area, Council, Person
from models.clock import utcnow
from models.digests import digest_recipients
from models.outbox import Attachment, enqueue
from models.report_runs import claim_report, unreported_councils
from scheduler.indicators import Period, Report, build_report, last_full_quarter
from scheduler.once import once
from scheduler.outcomes import ReportFiles, render_report
from scheduler.services import JobServices

log = logging.getLogger(__name__)

REPORT_DAY = 10  # of the month after the quarter


def due_moment(period: Period, zone: tzinfo, hour: int) -> datetime:
    """When a quarter's reports are due."""
    return datetime.combine(period.end + timedelta(days=REPORT_DAY - 1), time(hour),
                            tzinfo=zone)


@dataclass(frozen=True)
class ReadyReport:
    """A council's report of a quarter, rendered for each of its readers, not queued yet."""

    council: Council
    period: Period
    readers: list[tuple[Person, ReportFiles]]


async def prepare_quarterly_reports(session: AsyncSession, now: datetime, zone: tzinfo, *,
                                    hour: int = 8, threshold: int = 3) -> list[ReadyReport]:
    """Build and render the last quarter's report of every council nobody has sent it to
    (none before it is due); reads only, queues nothing."""
    period = last_full_quarter(now, zone)
    if now < due_moment(period, zone, hour):
        return []
    ready = []
    for council in await unreported_councils(session, period.name, period.bounds(zone)[1]):
        area = await session.get(Area, council.area_id)
        assert area is not None  # RESTRICT
        people = await digest_recipients(session, council, area)
        reports: dict[bool, Report] = {}
        rendered: dict[tuple[str, bool], ReportFiles] = {}
        readers = []
        for person, exact in people:
            if exact not in reports:
                reports[exact] = await build_report(session, area, period, zone, now=now,
                                                    threshold=threshold, exact=exact)
            language = normalize_language(person.language)
            if (language, exact) not in rendered:
                with use_language(language, zone):
                    rendered[language, exact] = render_report(reports[exact])
            readers.append((person, rendered[language, exact]))
        ready.append(ReadyReport(council, period, readers))
    return ready


async def queue_quarterly_reports(session: AsyncSession, ready: list[ReadyReport]) -> int:
    """Claim each rendered report and queue it in the session's transaction; one another
    process claimed meanwhile is dropped. Return how many councils were done."""
    done = 0
    for item in ready:
        run = await claim_report(session, item.council.id, item.period.name)
        if run is None:
            continue
        for person, files in item.readers:
            key = f"report:{item.council.id}:{item.period.name}:{person.id}"
            enqueue(session, key=f"{key}:text", text=files.text, person_id=person.id)
            enqueue(session, key=f"{key}:xlsx",
                    text=files.workbook_caption, person_id=person.id,
                    attachment=files.workbook, attachment_name=files.workbook_name,
                    attachment_kind=Attachment.DOCUMENT)
        run.recipients = len(item.readers)
        done += 1
    return done


async def send_quarterly_reports(session: AsyncSession, now: datetime, zone: tzinfo, *,
                                 hour: int = 8, threshold: int = 3) -> int:
    """Build, claim and queue the last quarter's reports; return how many councils."""
    ready = await prepare_quarterly_reports(session, now, zone, hour=hour, threshold=threshold)
    return await queue_quarterly_reports(session, ready)


async def report_job(services: JobServices) -> None:
    """The periodic job: send the quarterly reports once they are due."""
    if services.sessions is None:
        return
    settings = services.settings
    async with services.sessions() as session:
        ready = await prepare_quarterly_reports(
            session, utcnow(), settings.zone, hour=settings.digest_hour,
            threshold=settings.digest_threshold)
    if not ready:
        return
    done = await once(services.sessions, "reports",
                      lambda session: queue_quarterly_reports(session, ready))
    if done:
        log.info("queued the quarterly reports of %d councils", done)

