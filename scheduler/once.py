"""Run a periodic job's work in one transaction, in one process at a time."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.locks import take_job_lock

log = logging.getLogger(__name__)

T = TypeVar("T")


async def once(sessions: async_sessionmaker[AsyncSession], name: str,
               work: Callable[[AsyncSession], Awaitable[T]]) -> T | None:
    """Return what ``work`` returned, run under the job's lock; None if another process is
    running the same job right now (it does the work)."""
    async with sessions() as session, session.begin():
        if not await take_job_lock(session, name):
            log.debug("job %s runs in another process; skipped here", name)
            return None
        return await work(session)
