"""Time-driven work, run by PTB's JobQueue (APScheduler): each job asks the database what is due.

Housekeeping, participation questions, check-ins and watching, needs, the weekly
digests and the quarterly outcome indicators; the dispatcher runs
as its own task (``scheduler.dispatch``).
"""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import Application

from scheduler.checkins import checkin_job
from scheduler.digests.delivery import digest_job
from scheduler.housekeeping import forget_handled_updates
from scheduler.meetings import meeting_jobs
from scheduler.needs import needs_job
from scheduler.outcome_delivery import report_job
from scheduler.participation import ask_for_counts

HOUSEKEEPING_EVERY = timedelta(hours=1)
PARTICIPATION_EVERY = timedelta(minutes=5)
CHECKIN_EVERY = timedelta(minutes=5)
NEEDS_EVERY = timedelta(minutes=15)
MEETINGS_EVERY = timedelta(minutes=5)
DIGEST_EVERY = timedelta(minutes=10)
REPORT_EVERY = timedelta(minutes=30)


def schedule(application: Application,
             delay: int | None = None) -> None:
    """Register every periodic job on the application's job queue; each first runs
    ``delay`` seconds after start, or (None) at its own time between 30 and 60 s."""
    assert application.job_queue is not None  # the job-queue extra is a dependency

    def first(seconds: int) -> timedelta:
        return timedelta(seconds=seconds if delay is None else delay)

    application.job_queue.run_repeating(
        forget_handled_updates, interval=HOUSEKEEPING_EVERY, first=first(60),
        name="forget_handled_updates",
    )
    application.job_queue.run_repeating(
        ask_for_counts, interval=PARTICIPATION_EVERY, first=first(30), name="ask_for_counts",
    )
    application.job_queue.run_repeating(
        checkin_job, interval=CHECKIN_EVERY, first=first(40), name="checkins",
    )
    application.job_queue.run_repeating(
        needs_job, interval=NEEDS_EVERY, first=first(50), name="needs",
    )
    application.job_queue.run_repeating(
        meeting_jobs, interval=MEETINGS_EVERY, first=first(45), name="meeting_jobs",
    )
    application.job_queue.run_repeating(
        digest_job, interval=DIGEST_EVERY, first=first(60), name="digests",
    )
    application.job_queue.run_repeating(
        report_job, interval=REPORT_EVERY, first=first(70), name="quarterly_reports",
    )
