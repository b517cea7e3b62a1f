"""The flood guard (``bot.flood``): one person's flood is dropped early; ordinary use never is."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.app import build_application
from bot.flood import FloodGuard, Verdict
from bot.settings import load_settings
from bot.updates import ChatOrderedUpdates
from models.limits import FLOOD_SECONDS, FLOOD_UPDATES
from tests.bot.test_updates import message, until

START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def forward(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_a_person_pressing_once_a_second_for_ten_minutes_is_never_stopped() -> None:
    clock = Clock()
    guard = FloodGuard(FLOOD_UPDATES, FLOOD_SECONDS, clock)
    verdicts = set()
    for _ in range(600):
        verdicts.add(guard.check(1))
        clock.forward(1)
    assert verdicts == {Verdict.HANDLE}


def test_a_quick_burst_of_a_few_presses_is_not_stopped() -> None:
    clock = Clock()
    guard = FloodGuard(FLOOD_UPDATES, FLOOD_SECONDS, clock)
    for _ in range(30):  # ten quick double-taps a minute apart... of 10 presses each
        assert {guard.check(1) for _ in range(10)} == {Verdict.HANDLE}
        clock.forward(60)


def test_a_flood_is_handled_up_to_the_limit_then_told_once_then_dropped() -> None:
    clock = Clock()
    guard = FloodGuard(FLOOD_UPDATES, FLOOD_SECONDS, clock)
    verdicts = [guard.check(1) for _ in range(500)]
    assert verdicts[:FLOOD_UPDATES] == [Verdict.HANDLE] * FLOOD_UPDATES
    assert verdicts[FLOOD_UPDATES] is Verdict.TELL
    assert set(verdicts[FLOOD_UPDATES + 1:]) == {Verdict.DROP}
    assert guard.check(2) is Verdict.HANDLE  # someone else is not affected


def test_a_flood_that_goes_on_is_told_once_and_a_new_one_after_a_quiet_while() -> None:
    clock = Clock()
    guard = FloodGuard(FLOOD_UPDATES, FLOOD_SECONDS, clock)
    told = 0
    for _ in range(60):  # a minute of 50 updates a second
        told += sum(guard.check(1) is Verdict.TELL for _ in range(50))
        clock.forward(1)
    assert told == 1
    clock.forward(FLOOD_SECONDS)
    assert guard.check(1) is Verdict.HANDLE
    verdicts = [guard.check(1) for _ in range(FLOOD_UPDATES)]
    assert verdicts[-1] is Verdict.TELL


def test_people_who_went_quiet_are_forgotten() -> None:
    clock = Clock()
    guard = FloodGuard(FLOOD_UPDATES, FLOOD_SECONDS, clock)
    for person in range(5000):
        guard.check(person)
    clock.forward(FLOOD_SECONDS + 1)
    for _ in range(1000):
        guard.check("busy")
    assert len(guard._people) < 100


def test_zero_turns_the_guard_off() -> None:
    guard = FloodGuard(0, FLOOD_SECONDS, Clock())
    assert {guard.check(1) for _ in range(1000)} == {Verdict.HANDLE}


async def test_dropped_updates_never_start_and_do_not_wait_for_the_chat() -> None:
    clock = Clock()
    processor = ChatOrderedUpdates(1, FloodGuard(3, FLOOD_SECONDS, clock))
    told: list[int] = []

    async def tell(update: object) -> None:
        told.append(update.update_id)  # type: ignore[attr-defined]

    processor.on_flood = tell
    started: list[int] = []

    async def handle(n: int) -> None:
        started.append(n)

    await asyncio.gather(*(processor.process_update(message(n, 10), handle(n))
                           for n in range(1, 11)))
    await processor.process_update(message(11, 20), handle(11))
    await until(lambda: told)
    assert started == [1, 2, 3, 11]
    assert told == [4]


def test_the_application_uses_the_settings() -> None:
    settings = load_settings(_env_file=None, database_url="sqlite+aiosqlite://",
                             flood_updates=FLOOD_UPDATES)
    application = build_application(settings, "123456:TEST")
    guard = application.flood_guard
    assert (guard.limit, guard.seconds) == (FLOOD_UPDATES, FLOOD_SECONDS)
    assert (FLOOD_UPDATES, FLOOD_SECONDS) == (20, 10)  # README, "Limits"
