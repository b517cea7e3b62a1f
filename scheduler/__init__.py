"""Time-driven work: each job asks the database what is due and queues it in the outbox.

Housekeeping, participation questions, check-ins and watching, needs, the weekly
digests and the quarterly outcome indicators. The jobs know no messenger: ``bot.jobs`` runs
them on PTB's JobQueue (APScheduler), and the Telegram channel's dispatcher
(``bot.dispatch``) sends what they queued.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from scheduler.checkins import checkin_job
from scheduler.digests.delivery import digest_job
from scheduler.housekeeping import forget_handled_updates
from scheduler.meetings import meeting_jobs
from scheduler.needs import needs_job
from scheduler.outcome_delivery import report_job
from scheduler.participation import ask_for_counts
from scheduler.services import JobServices

HOUSEKEEPING_EVERY = timedelta(hours=1)
PARTICIPATION_EVERY = timedelta(minutes=5)
CHECKIN_EVERY = timedelta(minutes=5)
NEEDS_EVERY = timedelta(minutes=15)
MEETINGS_EVERY = timedelta(minutes=5)
DIGEST_EVERY = timedelta(minutes=10)
REPORT_EVERY = timedelta(minutes=30)


# Every periodic job: what runs, how often, and when it first runs after a start (seconds;
# spread so that they do not all start at once).
Job = Callable[[JobServices], Coroutine[Any, Any, None]]
JOBS: tuple[tuple[Job, timedelta, int, str], ...] = (
    (forget_handled_updates, HOUSEKEEPING_EVERY, 60, "forget_handled_updates"),
    (ask_for_counts, PARTICIPATION_EVERY, 30, "ask_for_counts"),
    (checkin_job, CHECKIN_EVERY, 40, "checkins"),
    (needs_job, NEEDS_EVERY, 50, "needs"),
    (meeting_jobs, MEETINGS_EVERY, 45, "meeting_jobs"),
    (digest_job, DIGEST_EVERY, 60, "digests"),
    (report_job, REPORT_EVERY, 70, "quarterly_reports"),
)

