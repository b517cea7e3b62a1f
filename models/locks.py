"""Once across processes: a periodic job's lock, held for its transaction or for longer.

On PostgreSQL a transaction-level advisory lock (``pg_try_advisory_xact_lock``): a second
process running the same job at the same moment does not get it and skips its turn; one
that comes after the first committed sees the first one's rows. A job that commits as it
goes (in batches) holds a session-level advisory lock instead, on a connection of its own,
until it is done (or its process dies and the connection closes). SQLite has one writer:
the job takes the write lock first thing, so a second process waits for the first to commit
(``busy_timeout``) and then finds nothing left to do; a job in batches takes it at the start
of each batch.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def lock_key(name: str) -> int:
    """Return the 64-bit advisory lock number of a job name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def take_job_lock(session: AsyncSession, name: str) -> bool:
    """Lock job ``name`` for the session's transaction; False if another process holds it."""
    if session.get_bind().dialect.name == "postgresql":
        return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key(name)))))
    await take_write_lock(session)
    return True


async def take_write_lock(session: AsyncSession) -> None:
    """On SQLite, take the database's write lock now, so the transaction's reads and writes
    see one state (a reader turning writer would fail if another wrote in between); nothing
    to do on PostgreSQL."""
    if session.get_bind().dialect.name != "postgresql":
        # An UPDATE takes SQLite's write lock even when it matches no row.
        await session.execute(text("UPDATE processed_update SET update_id = update_id WHERE 0"))


async def hold_job_lock(connection: AsyncConnection, name: str) -> bool:
    """Lock job ``name`` on PostgreSQL until ``release_job_lock`` or until ``connection``
    closes, across transactions; False if another process holds it."""
    got = bool(await connection.scalar(select(func.pg_try_advisory_lock(lock_key(name)))))
    await connection.commit()  # the lock outlives the transaction
    return got


async def release_job_lock(connection: AsyncConnection, name: str) -> None:
    """Release what ``hold_job_lock`` took."""
    await connection.scalar(select(func.pg_advisory_unlock(lock_key(name))))
    await connection.commit()
