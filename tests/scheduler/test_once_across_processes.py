"""Two processes running the same periodic job at the same moment: the work is done once.

Each "process" has its own engine (its own connections), as two bot processes would; both
run the check-in job (questions, watch reminders, alerts) at once, several times over.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import CHANNEL
from models import GroupChat, Identity, OutboxMessage, Role, WatchAlert, clock
from models.areas import track_group
from models.checkins import preference_of
from models.db import create_engine, session_factory
from models.locks import lock_key, take_job_lock
from models.people import find_person
from models.watching import Thresholds, set_watching
from scheduler.checkins import checkin_round
from tests.auxil.town import add_person, make_town

THRESHOLDS = Thresholds(timedelta(hours=24), timedelta(hours=24))
TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO).astimezone(UTC)
RESIDENTS = range(9500, 9520)
COORDINATOR = 9600


async def _both(database_url: str, now: datetime) -> list[tuple[int, int, int] | None]:
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        return await asyncio.gather(*(
            checkin_round(session_factory(engine), now, TOKYO, THRESHOLDS)
            for engine in engines))
    finally:
        for engine in engines:
            await engine.dispose()


def _total(results: list[tuple[int, int, int] | None]) -> tuple[int, int, int]:
    done = [r for r in results if r is not None]
    return (sum(r[0] for r in done), sum(r[1] for r in done), sum(r[2] for r in done))


async def test_two_processes_ask_remind_and_alert_once(engine: AsyncEngine,
                                                       database_url: str) -> None:
    clock.travel(MONDAY - timedelta(days=1))  # they all registered the day before
    town = await make_town(engine)
    await add_person(engine, COORDINATOR, "田中 美香", town.east,
                     roles=((Role.DISTRICT_COORDINATOR, town.east),))
    for telegram_id in RESIDENTS:
        await add_person(engine, telegram_id, f"住民{telegram_id}", town.east)
        async with session_factory(engine)() as session, session.begin():
            person = await find_person(session, CHANNEL, telegram_id)
            assert person is not None
            set_watching(await preference_of(session, person.id), True, 48)

    assert _total(await _both(database_url, MONDAY)) == (len(RESIDENTS) + 1, 0, 0)
    assert _total(await _both(database_url, MONDAY)) == (0, 0, 0)
    assert _total(await _both(database_url, MONDAY + timedelta(hours=48))) == (
        0, len(RESIDENTS), 0)
    assert _total(await _both(database_url, MONDAY + timedelta(hours=72))) == (
        0, 0, len(RESIDENTS))
    assert _total(await _both(database_url, MONDAY + timedelta(hours=73))) == (0, 0, 0)

    async with session_factory(engine)() as session:
        keys = list(await session.scalars(select(OutboxMessage.idempotency_key)))
        alerts = await session.scalar(select(func.count()).select_from(WatchAlert))
    assert len(keys) == len(set(keys)) == 3 * len(RESIDENTS) + 1
    assert alerts == len(RESIDENTS)


async def test_a_held_job_lock_makes_another_process_skip(engine: AsyncEngine,
                                                          database_url: str) -> None:
    other = create_engine(database_url)
    try:
        async with session_factory(engine)() as first, first.begin():
            assert await take_job_lock(first, "checkins")
            if engine.dialect.name == "postgresql":
                async with session_factory(other)() as second, second.begin():
                    assert not await take_job_lock(second, "checkins")
                    assert await take_job_lock(second, "needs")  # other jobs are free
        async with session_factory(other)() as second, second.begin():
            assert await take_job_lock(second, "checkins")  # released at commit
    finally:
        await other.dispose()
    assert lock_key("checkins") != lock_key("needs")


async def test_the_first_message_of_a_new_group_in_two_processes_makes_one_group(
    engine: AsyncEngine, database_url: str
) -> None:
    engines = [create_engine(database_url) for _ in range(4)]

    async def track(one: AsyncEngine, title: str) -> int:
        async with session_factory(one)() as session, session.begin():
            return (await track_group(session, CHANNEL, -100777, title, present=True)).id

    try:
        ids = await asyncio.gather(*(track(one, f"グループ{n}") for n, one in
                                     enumerate(engines)))
    finally:
        for one in engines:
            await one.dispose()
    assert len(set(ids)) == 1
    async with session_factory(engine)() as session, session.begin():
        group = await track_group(session, CHANNEL, -100777, "", present=False)
        assert group.title.startswith("グループ")  # an empty title keeps the old one
        assert group.active is False
        # One group, known to Telegram by its chat id once: no copy left by the loser.
        assert await session.scalar(select(func.count()).select_from(GroupChat)) == 1
        assert [(i.channel, i.external_id, i.group_id) for i in await session.scalars(
            select(Identity))] == [(CHANNEL, "-100777", group.id)]
