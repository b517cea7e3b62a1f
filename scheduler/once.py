"""Run a periodic job's work in one process at a time: in one transaction, or in several."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from models.locks import hold_job_lock, release_job_lock, take_job_lock

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


@asynccontextmanager
async def job_lock(sessions: async_sessionmaker[AsyncSession], name: str
                   ) -> AsyncIterator[bool]:
    """Hold job ``name``'s lock across the several transactions of a job that commits as it
    goes; yield False if another process is running the job (it does the work).

    On PostgreSQL an advisory lock on a connection of its own. SQLite has nothing to hold
    across transactions: each of the job's transactions takes the write lock first
    (``take_write_lock``), so two processes' transactions take turns, and the job's unique
    keys keep its work from being done twice.
    """
    engine: AsyncEngine = sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as connection:
        if not await hold_job_lock(connection, name):
            log.debug("job %s runs in another process; skipped here", name)
            yield False
            return
        try:
            yield True
        finally:
            try:
                await release_job_lock(connection, name)
            except BaseException:
                # The lock must not stay with a pooled connection: drop the connection.
                await connection.invalidate()
                raise
