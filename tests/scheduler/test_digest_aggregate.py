"""The digest's numbers, against a fixed history counted by hand (tests/auxil/digest.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Council
from models.db import session_factory
from scheduler.digests.aggregate import Digest, build_digest, trend
from tests.auxil.digest import EPISODE, TOKYO, WEEK, seed_history


async def _digest(engine: AsyncEngine, council_id: int, week: date = WEEK) -> Digest:
    async with session_factory(engine)() as session:
        council = await session.get(Council, council_id)
        assert council is not None
        return await build_digest(session, council, week, TOKYO)


async def test_a_district_council_gets_every_number_of_its_district(engine: AsyncEngine) -> None:
    history = await seed_history(engine)
    digest = await _digest(engine, history.east_council)
    assert [d.name for d in digest.scope.districts] == ["東地区"]
    assert not digest.scope.municipal
    assert digest.weeks[0] == date(2026, 9, 28)
    assert digest.week == WEEK
    east = digest.total()
    assert (east.sessions_held, east.sessions_cancelled, east.participants) == (3, 1, 30)
    assert east.sessions_by_kind == Counter(salon=1, exercise=1, meal=1)
    assert east.participants_by_kind == Counter(salon=12, exercise=8, meal=10)
    assert east.participants_by_meaning == Counter(watching=22, isolation=12,
                                                   care_prevention=8, nutrition=10)
    assert east.unreported_activities == 1
    assert (east.new_activities, east.paused_activities, east.ended_activities) == (1, 1, 0)
    assert (east.new_residents, east.new_supporters, east.active_people) == (2, 1, 5)
    assert (east.checkins_sent, east.checkins_answered) == (6, 5)
    assert east.answers_by_level == Counter(fine=2, so_so=1, need_help=1, want_to_talk=1)
    assert east.needs_raised == 2
    assert east.needs_by_category == Counter(shopping=2, talk=1)
    assert (east.needs_taken, east.needs_referred, east.needs_resolved) == (2, 1, 1)
    assert (east.needs_open, east.oldest_open_days) == (3, 18)
    assert (east.alerts_raised, east.alerts_resolved) == (1, 2)
    assert digest.episodes == [(history.town.east.id, EPISODE)]

    last = digest.total(-2)
    assert (last.sessions_held, last.participants, last.active_people) == (2, 16, 3)
    assert (last.checkins_sent, last.checkins_answered, last.needs_raised) == (4, 3, 1)
    assert (last.needs_open, last.alerts_raised, last.needs_taken) == (2, 1, 1)
    assert digest.series("participants") == [0, 0, 0, 0, 7, 9, 16, 30]
    assert digest.total(0).new_activities == 3  # registered on 1 October (week 40)


async def test_a_municipal_council_gets_each_district_and_the_total(engine: AsyncEngine) -> None:
    history = await seed_history(engine)
    digest = await _digest(engine, history.city_council)
    assert digest.scope.municipal
    assert [d.name for d in digest.scope.districts] == ["東地区", "西地区"]
    west = digest.district(history.town.west.id)
    assert (west.sessions_held, west.participants, west.active_people) == (1, 5, 2)
    assert (west.checkins_sent, west.checkins_answered) == (3, 1)
    assert (west.needs_raised, west.needs_open, west.oldest_open_days) == (2, 1, 3)
    assert west.needs_by_category == Counter(outings=1, shopping=1)
    assert (west.needs_taken, west.needs_resolved, west.alerts_raised) == (0, 0, 0)
    assert digest.district(history.town.west.id, -2).new_residents == 1

    total = digest.total()
    assert (total.sessions_held, total.sessions_cancelled, total.participants) == (4, 1, 35)
    assert total.participants_by_kind == Counter(salon=12, exercise=8, meal=10, gathering=5)
    assert (total.checkins_sent, total.checkins_answered, total.active_people) == (9, 6, 7)
    assert total.response_rate is not None
    assert round(total.response_rate, 3) == 0.667
    assert total.answers_by_level == Counter(fine=3, so_so=1, need_help=1, want_to_talk=1)
    assert total.needs_by_category == Counter(shopping=3, talk=1, outings=1)
    assert (total.needs_raised, total.needs_open, total.oldest_open_days) == (4, 4, 18)
    assert trend(digest, "participants") == (35, 20, 9.0)  # (0 + 7 + 9 + 20) / 4
    assert trend(digest, "sessions_held") == (4, 3, 1.25)
    assert trend(digest, "active_people") == (7, 5, 1.75)  # (0 + 1 + 1 + 5) / 4


async def test_the_number_of_queries_does_not_grow_with_history(engine: AsyncEngine) -> None:
    history = await seed_history(engine)
    counts = []
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    for week in (WEEK, date(2026, 6, 1)):
        statements.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            await _digest(engine, history.city_council, week)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 17  # 14 for the figures, 3 for the meetings section
