"""Limits per person: what one person can make others receive, and how much of the bot's time
they take. Every number is here.

- **Needs.** Each of a resident's first ``NEEDS_ONE_BY_ONE`` needs within ``NEED_WINDOW``
  reaches the coordinators as a notice of its own; the later ones are recorded as usual (they
  are all in /needs) and the coordinators get one combined notice, sent
  ``COMBINED_NOTICE_DELAY`` after the first of them so that the rest of a burst joins it.
  Needs sent again to the municipality (nobody took them) follow the same rule.
- **Proposals.** A person may have ``PROPOSALS_WAITING`` activities waiting for review; to
  propose another they wait until one is reviewed.
- **満員.** The organiser is told a meeting is full once per meeting and person who took the
  last place, however often that person cancels and signs up again.
- **The bot's time.** More than ``FLOOD_UPDATES`` updates from one person within
  ``FLOOD_SECONDS`` seconds: the excess is dropped before any database work, and the person
  is told once to wait a moment (``bot/flood.py``; ``OTAGAI_FLOOD_UPDATES`` and
  ``OTAGAI_FLOOD_SECONDS`` override these defaults). Counted per process.

The rules count rows that exist anyway (needs, activities, outbox messages): no table of
their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import Activity, ActivityStatus
from models.needs import Need
from models.notices import Notice
from models.outbox import OutboxMessage, OutboxStatus

NEED_WINDOW = timedelta(hours=24)
NEEDS_ONE_BY_ONE = 3
COMBINED_NOTICE_DELAY = timedelta(minutes=10)
PROPOSALS_WAITING = 3
FLOOD_UPDATES = 20
FLOOD_SECONDS = 10


# -- needs -----------------------------------------------------------------------------------

async def needs_told_recently(session: AsyncSession, need: Need, now: datetime, *,
                              again: bool) -> int:
    """Return how many other needs of the same resident reached the coordinators within
    ``NEED_WINDOW`` (raised, or with ``again`` sent again)."""
    told_at = Need.resent_at if again else Need.raised_at
    return int(await session.scalar(
        select(func.count()).select_from(Need)
        .where(Need.person_id == need.person_id, Need.id != need.id,
               told_at >= now - NEED_WINDOW)) or 0)


def combined_notice_prefix(resident_id: int, *, again: bool) -> str:
    """Return the start of the idempotency keys of a resident's combined need notices."""
    return f"need:more{'-again' if again else ''}:{resident_id}:"


async def recent_combined_notice(session: AsyncSession, resident_id: int, coordinator_id: int,
                                 now: datetime, *, again: bool) -> OutboxMessage | None:
    """Return the combined notice about this resident queued to this coordinator within
    ``NEED_WINDOW``, if any (the latest)."""
    return (await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.person_id == coordinator_id,
               OutboxMessage.idempotency_key.startswith(
                   combined_notice_prefix(resident_id, again=again), autoescape=True),
               OutboxMessage.created_at >= now - NEED_WINDOW)
        .order_by(OutboxMessage.id.desc()).limit(1))).first()


async def update_waiting_notice(session: AsyncSession, message: OutboxMessage, notice: Notice
                                ) -> bool:
    """Replace the parameters of a notice not yet claimed for sending; False if it is on
    its way or gone."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(notice=notice.key, params=notice.params)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


# -- proposals -------------------------------------------------------------------------------

async def proposals_waiting(session: AsyncSession, person_id: int) -> int:
    """Return how many of the person's proposals wait for a coordinator's review."""
    return int(await session.scalar(
        select(func.count()).select_from(Activity)
        .where(Activity.organiser_id == person_id,
               Activity.status == ActivityStatus.PROPOSED)) or 0)


async def may_propose(session: AsyncSession, person_id: int) -> bool:
    """True while the person has fewer than ``PROPOSALS_WAITING`` proposals waiting."""
    return await proposals_waiting(session, person_id) < PROPOSALS_WAITING


# -- meetings --------------------------------------------------------------------------------

def full_notice_key(meeting_id: int, filled_by: int) -> str:
    """Return the idempotency key of the 満員 notice: one per meeting and person who took
    the last place."""
    return f"meeting-full:{meeting_id}:{filled_by}"
