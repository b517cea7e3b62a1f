"""Housekeeping: drop the ids of updates handled long enough ago that no redelivery can come,
and the outbox's delivery records older than the retention period."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models.clock import utcnow
from models.outbox import forget_old_messages
from models.updates import forget_old_updates
from scheduler.once import once
from scheduler.services import JobServices

log = logging.getLogger(__name__)


async def forget_handled_updates(services: JobServices) -> None:
    """Delete remembered update ids older than two days, and final outbox rows (sent, given
    up, blocked or cancelled; their text went when they became final) older than the
    retention period (``OTAGAI_NEED_RETENTION_DAYS``, the one needs have)."""
    sessions = services.sessions
    if sessions is None:
        return
    keep = timedelta(days=services.settings.need_retention_days)

    async def work(session: AsyncSession) -> tuple[int, int]:
        now = utcnow()
        return (await forget_old_updates(session, now),
                await forget_old_messages(session, now, keep))

    updates, messages = await once(sessions, "housekeeping", work) or (0, 0)
    if updates:
        log.info("forgot %d handled update ids", updates)
    if messages:
        log.info("deleted %d delivery records after the retention period", messages)
