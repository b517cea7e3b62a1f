"""Delivery reports: when a broadcast's last message is settled, its author hears the numbers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import N_
from models import Broadcast, BroadcastStatus, OutboxStatus, Person
from models.broadcasts import finished_unreported
from models.notices import Notice
from models.outbox import counts_by_status, enqueue


def report(broadcast: Broadcast, counts: dict[OutboxStatus, int]) -> Notice:
    """Return the delivery report of a broadcast: how many got it, wait, failed."""
    waiting = counts[OutboxStatus.PENDING] + counts[OutboxStatus.SENDING]
    return Notice(N_("broadcast.report"), {
        "id": broadcast.id, "total": broadcast.recipients, "sent": counts[OutboxStatus.SENT],
        "waiting": waiting, "failed": counts[OutboxStatus.FAILED],
        "blocked": counts[OutboxStatus.BLOCKED], "cancelled": counts[OutboxStatus.CANCELLED]})


async def report_finished_broadcasts(session: AsyncSession) -> int:
    """Queue a report for every broadcast that just finished; return how many."""
    finished = await finished_unreported(session)
    for broadcast in finished:
        broadcast.status = BroadcastStatus.REPORTED
        author = await session.get(Person, broadcast.created_by_id) if broadcast.created_by_id \
            else None
        if author is None or not author.active:
            continue
        counts = await counts_by_status(session, broadcast.id)
        enqueue(session, key=f"broadcast-report:{broadcast.id}",
                notice=report(broadcast, counts), person_id=author.id, urgent=True)
    return len(finished)
