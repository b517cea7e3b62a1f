"""Time-driven work, run by PTB's JobQueue (APScheduler): each job asks the database what is due.

Today: housekeeping and the participation questions; the dispatcher runs as its own task
(``scheduler.dispatch``). Reminders, check-ins and digests add their jobs here.
"""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import Application

from scheduler.housekeeping import forget_handled_updates
from scheduler.meetings import meeting_jobs
from scheduler.participation import ask_for_counts

HOUSEKEEPING_EVERY = timedelta(hours=1)
PARTICIPATION_EVERY = timedelta(minutes=5)
MEETINGS_EVERY = timedelta(minutes=5)


def schedule(application: Application) -> None:  # type: ignore[type-arg]
    """Register every periodic job on the application's job queue."""
    assert application.job_queue is not None  # the job-queue extra is a dependency
    application.job_queue.run_repeating(
        forget_handled_updates, interval=HOUSEKEEPING_EVERY, first=timedelta(minutes=1),
        name="forget_handled_updates",
    )
    application.job_queue.run_repeating(
        ask_for_counts, interval=PARTICIPATION_EVERY, first=timedelta(seconds=30),
        name="ask_for_counts",
    )
    application.job_queue.run_repeating(
        meeting_jobs, interval=MEETINGS_EVERY, first=timedelta(seconds=45),
        name="meeting_jobs",
    )
