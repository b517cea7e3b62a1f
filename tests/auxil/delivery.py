"""Delivery helpers: many registered people at once, a queued broadcast, a settled outbox."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxServer
from models import Area, Audience, Broadcast, OutboxStatus
from models.broadcasts import queue
from models.db import session_factory
from models.outbox import counts_by_status
from tests.auxil.town import add_residents

FIRST_ID = 700_000


async def register_people(sandbox: SandboxServer, engine: AsyncEngine, district: Area, count: int,
                  first: int = FIRST_ID) -> list[int]:
    """Return the Telegram ids of ``count`` new residents, in the sandbox and the database."""
    ids = list(range(first, first + count))
    for telegram_id in ids:
        sandbox.ensure_user(telegram_id, f"住民{telegram_id}", started=True)
    await add_residents(engine, district, ids)
    return ids


async def broadcast_to_residents(engine: AsyncEngine, area: Area, text: str) -> int:
    """Queue a broadcast to the residents of ``area``; return its id."""
    async with session_factory(engine)() as session, session.begin():
        broadcast = Broadcast(text=text, audience=Audience.RESIDENTS, area_id=area.id)
        session.add(broadcast)
        await session.flush()
        await queue(session, broadcast, area, heading=lambda _language: "")
        return broadcast.id


async def until_settled(engine: AsyncEngine) -> dict[OutboxStatus, int]:
    """Return the outbox counts once nothing is waiting or being sent (or fail after 90 s)."""
    async with asyncio.timeout(90):
        while True:
            async with session_factory(engine)() as session:
                counts = await counts_by_status(session)
            if counts[OutboxStatus.PENDING] + counts[OutboxStatus.SENDING] == 0:
                return counts
            await asyncio.sleep(0.2)  # polling the database; the work itself is not timed
