"""The periodic jobs of ``scheduler.JOBS``, run on PTB's JobQueue."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from scheduler import JOBS, Job


def schedule(application: Application, delay: int | None = None) -> None:
    """Register every periodic job on the application's job queue; each first runs
    ``delay`` seconds after start, or (None) at its own time between 30 and 70 s."""
    assert application.job_queue is not None  # the job-queue extra is a dependency
    for job, interval, first, name in JOBS:
        application.job_queue.run_repeating(
            _with_services(job), interval=interval, name=name,
            first=timedelta(seconds=first if delay is None else delay))


def _with_services(job: Job) -> Callable[[CallbackContext], Coroutine[Any, Any, None]]:
    async def run(context: CallbackContext) -> None:
        await job(context.application.services)  # type: ignore[attr-defined]  # set in build_application
    run.__name__ = run.__qualname__ = job.__name__  # as APScheduler logs it
    return run
