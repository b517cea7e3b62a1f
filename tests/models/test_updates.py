"""Update ids: the first delivery is handled, redeliveries are not; old ids are forgotten.
Each channel names its updates its own way: the same id on two channels is two updates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import CHANNEL
from models.clock import utcnow
from models.updates import KEEP_FOR, first_delivery, forget_old_updates


async def test_an_update_id_is_new_only_once(session: AsyncSession) -> None:
    assert await first_delivery(session, CHANNEL, 1)
    assert not await first_delivery(session, CHANNEL, 1)
    assert await first_delivery(session, CHANNEL, 2)
    assert not await first_delivery(session, CHANNEL, "1")  # kept as text: the same id
    assert await first_delivery(session, "line", 1)  # another channel's update
    assert not await first_delivery(session, "line", "1")


async def test_a_rolled_back_update_may_be_handled_again(session: AsyncSession) -> None:
    assert await first_delivery(session, CHANNEL, 7)
    await session.rollback()
    assert await first_delivery(session, CHANNEL, 7)


async def test_old_ids_are_forgotten_recent_ones_kept(session: AsyncSession) -> None:
    assert await first_delivery(session, CHANNEL, 10)
    await session.commit()
    now = utcnow()
    assert await first_delivery(session, "line", "evt-10")
    await session.commit()
    assert await forget_old_updates(session, now=now) == 0
    assert await forget_old_updates(session, now=now + KEEP_FOR + timedelta(minutes=1)) == 2
    assert await first_delivery(session, CHANNEL, 10)
    assert await first_delivery(session, "line", "evt-10")
