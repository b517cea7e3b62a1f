"""Once across processes: a periodic job's lock, held for its transaction.

On PostgreSQL a transaction-level advisory lock (``pg_try_advisory_xact_lock``): a second
process running the same job at the same moment does not get it and skips its turn; one
that comes after the first committed sees the first one's rows. SQLite has one writer: the
job takes the write lock first thing, so a second process waits for the first to commit
(``busy_timeout``) and then finds nothing left to do.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession


def lock_key(name: str) -> int:
    """Return the 64-bit advisory lock number of a job name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def take_job_lock(session: AsyncSession, name: str) -> bool:
    """Lock job ``name`` for the session's transaction; False if another process holds it."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name)))))
    # An UPDATE takes SQLite's write lock even when it matches no row.
    await session.execute(text("UPDATE processed_update SET update_id = update_id WHERE 0"))
    return True
