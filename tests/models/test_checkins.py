"""Check-in rounds: once per person and week, and not for someone who just spoke up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import CHANNEL
from models import Area, AreaLevel, Person, Role
from models.checkins import (
    AWAY_LIMIT,
    AwayProblem,
    Level,
    answer,
    come_back,
    go_away,
    is_away,
    last_scheduled,
    open_due_rounds,
    preference_of,
    round_for_answer,
    set_time,
    toggle_paused,
)
from models.people import ensure_person, give_consent
from models.roles import grant_role
from models.watching import set_watching

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)


async def _resident(session: AsyncSession, consented_at: datetime) -> Person:
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    east = Area(name="東地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    session.add(east)
    await session.flush()
    person = await ensure_person(session, CHANNEL, 7001)
    await give_consent(session, person, district_id=east.id, display_name="花子")
    person.consented_at = consented_at
    await grant_role(session, person, Role.RESIDENT, east.id)
    return person


def test_the_last_scheduled_time_is_this_weeks_or_last_weeks() -> None:
    assert last_scheduled(None, MONDAY_10, TOKYO) == MONDAY_10
    assert last_scheduled(None, MONDAY_10 - timedelta(minutes=1), TOKYO) == (
        MONDAY_10 - timedelta(days=7))
    sunday_night = datetime(2026, 12, 6, 23, 0, tzinfo=TOKYO)
    assert last_scheduled(None, sunday_night, TOKYO) == MONDAY_10


async def test_one_round_per_week_however_often_the_job_runs(session: AsyncSession) -> None:
    await _resident(session, MONDAY_10 - timedelta(days=30))
    now = MONDAY_10.astimezone(UTC) + timedelta(minutes=5)
    assert len(await open_due_rounds(session, now, TOKYO)) == 1
    assert await open_due_rounds(session, now + timedelta(hours=3), TOKYO) == []
    next_week = now + timedelta(days=7)
    assert len(await open_due_rounds(session, next_week, TOKYO)) == 1
    assert await open_due_rounds(session, now + timedelta(days=2), TOKYO) == []  # past lookback


async def test_someone_who_registered_or_spoke_up_after_the_time_is_not_asked_again(
    session: AsyncSession,
) -> None:
    person = await _resident(session, MONDAY_10.astimezone(UTC) + timedelta(hours=2))
    noon = MONDAY_10.astimezone(UTC) + timedelta(hours=3)
    assert await open_due_rounds(session, noon, TOKYO) == []  # registered after 10:00
    person.consented_at = MONDAY_10.astimezone(UTC) - timedelta(days=30)
    record = await round_for_answer(session, person, noon)  # /checkin at noon
    assert answer(record, Level.FINE, noon)
    assert not answer(record, Level.SO_SO, noon)  # a second tap changes, not adds
    assert await open_due_rounds(session, noon + timedelta(hours=1), TOKYO) == []
    assert len(await open_due_rounds(session, noon + timedelta(days=7), TOKYO)) == 1


async def test_a_changed_day_is_used(session: AsyncSession) -> None:
    person = await _resident(session, MONDAY_10 - timedelta(days=30))
    set_time(await preference_of(session, person.id), 2, 14)  # Wednesday 14:00
    assert await open_due_rounds(session, MONDAY_10.astimezone(UTC), TOKYO) == []
    wednesday = datetime(2026, 12, 2, 14, 0, tzinfo=TOKYO).astimezone(UTC)
    assert len(await open_due_rounds(session, wednesday, TOKYO)) == 1


async def test_away_takes_today_up_to_half_a_year_and_nothing_else(
    session: AsyncSession
) -> None:
    person = await _resident(session, MONDAY_10 - timedelta(days=30))
    preference = await preference_of(session, person.id)
    today = MONDAY_10.date()
    assert go_away(preference, today - timedelta(days=1), today) is AwayProblem.PAST
    assert go_away(preference, today + AWAY_LIMIT + timedelta(days=1), today) \
        is AwayProblem.TOO_FAR
    assert preference.away_until is None  # a refused date changes nothing
    assert go_away(preference, today + AWAY_LIMIT, today) is None
    assert is_away(preference, today + AWAY_LIMIT)
    assert not is_away(preference, today + AWAY_LIMIT + timedelta(days=1))
    come_back(preference)
    assert not is_away(preference, today)


async def test_watching_turned_on_starts_a_paused_weekly_question_again(
    session: AsyncSession
) -> None:
    person = await _resident(session, MONDAY_10 - timedelta(days=30))
    preference = await preference_of(session, person.id)
    toggle_paused(preference)
    assert preference.paused
    set_watching(preference, False)
    assert preference.paused  # turning it off leaves the pause alone
    set_watching(preference, True, 48)
    assert preference.watching
    assert not preference.paused
