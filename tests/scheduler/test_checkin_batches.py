"""The check-in job asks in batches, a transaction each: everyone once, even after a crash.

A batch here is four people, so 26 residents take seven batches. The crash is a real failure
of the database statement that queues the third batch's questions, after that batch's
rounds were written: the batch is rolled back whole, the two before it stay.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import CHANNEL
from models import CheckinRound, OutboxMessage, Person
from models.checkins import preference_of
from models.db import create_engine, session_factory
from models.people import find_person
from models.watching import Thresholds
from scheduler.checkins import checkin_round
from tests.auxil.people import telegram_id_column
from tests.auxil.town import add_person, make_town

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = datetime(2026, 11, 30, 10, 5, tzinfo=TOKYO).astimezone(UTC)
THRESHOLDS = Thresholds(timedelta(hours=24), timedelta(hours=24))
RESIDENTS = range(9700, 9730)
PAUSED = RESIDENTS[::7]  # 9700, 9707, ...: never asked, wherever their batch falls
BATCH = 4


class Crash(Exception):
    """The process "died" in the middle of a batch."""


async def _town(engine: AsyncEngine) -> None:
    town = await make_town(engine)
    for telegram_id in RESIDENTS:
        await add_person(engine, telegram_id, f"住民{telegram_id}", town.east)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(update(Person).values(consented_at=MONDAY - timedelta(days=30)))
        for telegram_id in PAUSED:
            person = await find_person(session, CHANNEL, telegram_id)
            assert person is not None
            (await preference_of(session, person.id)).paused = True


async def _asked(engine: AsyncEngine) -> tuple[list[int], list[str]]:
    """Return whose rounds there are (Telegram ids) and the keys of the queued questions."""
    async with session_factory(engine)() as session:
        telegram_id = telegram_id_column(CheckinRound.person_id)
        rounds = list(await session.scalars(
            select(telegram_id).select_from(CheckinRound).order_by(telegram_id)))
        keys = list(await session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.like("checkin:%"))))
        ids = {f"checkin:{i}" for i in await session.scalars(select(CheckinRound.id))}
    assert set(keys) == ids  # every round has its question and no question lacks a round
    return rounds, keys


async def test_a_crash_mid_job_loses_nobody_and_asks_nobody_twice(
    engine: AsyncEngine, database_url: str
) -> None:
    await _town(engine)
    due = [telegram_id for telegram_id in RESIDENTS if telegram_id not in PAUSED]
    assert len(due) > 5 * BATCH

    crashing = create_engine(database_url)
    queued = 0

    def third_batch_fails(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal queued
        if statement.startswith("INSERT INTO outbox_message"):
            queued += 1
            if queued == 3:
                raise Crash

    event.listen(crashing.sync_engine, "before_cursor_execute", third_batch_fails)
    try:
        with pytest.raises(Crash):
            await checkin_round(session_factory(crashing), MONDAY, TOKYO, THRESHOLDS,
                                batch=BATCH)
    finally:
        await crashing.dispose()
    rounds, keys = await _asked(engine)
    assert rounds == due[:2 * BATCH]  # two whole batches committed, the third not at all
    assert len(keys) == 2 * BATCH

    # The next run (another process, the same one five minutes later) asks only the others,
    # even if its lock was held by the one that crashed.
    asked = await checkin_round(session_factory(engine), MONDAY + timedelta(minutes=5), TOKYO,
                                THRESHOLDS, batch=BATCH)
    assert asked == (len(due) - 2 * BATCH, 0, 0, 0)
    rounds, keys = await _asked(engine)
    assert rounds == due  # each person exactly once, the paused ones never
    assert len(keys) == len(due)

    again = await checkin_round(session_factory(engine), MONDAY + timedelta(minutes=10), TOKYO,
                                THRESHOLDS, batch=BATCH)
    assert again == (0, 0, 0, 0)
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == len(due)
