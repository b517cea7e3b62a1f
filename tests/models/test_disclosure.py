"""What /mydata discloses is gathered in a fixed number of statements, however much there is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.identity import CHANNEL
from models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Area,
    AreaLevel,
    Level,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Person,
    Role,
)
from models.activities import mark_interest
from models.checkins import CheckinRound, answer, preference_of
from models.disclosure import disclosure
from models.meetings import join
from models.needs import Category, add_note, raise_need, set_note, start_need, take
from models.outbox import enqueue, mark_sent
from models.people import ensure_person, find_person, give_consent
from models.roles import grant_role
from models.watching import accept_contact, new_contact_link, set_watching

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


async def _person(session: AsyncSession, telegram_id: int, district: Area, role: Role) -> Person:
    person = await ensure_person(session, CHANNEL, telegram_id)
    await give_consent(session, person, district_id=district.id, display_name=f"人{telegram_id}")
    await grant_role(session, person, role, district.id)
    return person


async def _life(session: AsyncSession, resident: Person, *, coordinator: Person,
                contact: Person, district: Area, times: int) -> None:
    """``times`` of everything: needs with notes, rounds, meetings, activities."""
    set_watching(await preference_of(session, resident.id), True, 48)
    for n in range(times):
        need = await start_need(session, resident, None, Category.TALK)
        set_note(need, f"困りごと{n}")
        assert raise_need(need, NOW)
        await session.flush()
        assert await take(session, need, coordinator, NOW) is None
        add_note(session, need, coordinator, f"メモ{n}")
        round_ = CheckinRound(person_id=resident.id, district_id=district.id,
                              asked_at=NOW - timedelta(days=7 * n), scheduled=True,
                              watched=True)
        session.add(round_)
        answer(round_, Level.FINE, NOW)
        meeting = Meeting(kind=MeetingKind.WORKSHOP, title=f"会{n}", area_id=district.id,
                          starts_at=NOW + timedelta(days=n + 1), capacity=5,
                          organiser_id=coordinator.id, status=MeetingStatus.SCHEDULED)
        mine = Activity(name=f"活動{n}", kind=ActivityKind.HOBBY, meanings=[],
                        district_id=district.id, organiser_id=resident.id,
                        status=ActivityStatus.ACTIVE)
        theirs = Activity(name=f"よその活動{n}", kind=ActivityKind.MEAL, meanings=[],
                          district_id=district.id, organiser_id=coordinator.id,
                          status=ActivityStatus.ACTIVE)
        session.add_all([meeting, mine, theirs])
        await session.flush()
        await join(session, meeting.id, resident.id, NOW)
        assert await mark_interest(session, theirs, resident.id)
    link = await new_contact_link(session, resident, NOW)
    assert link is not None
    assert await accept_contact(session, link, contact, f"連絡先{resident.display_name}", NOW)
    await session.flush()


async def test_the_disclosure_takes_the_same_statements_for_one_or_many_records(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    east = Area(name="東地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    session.add(east)
    await session.flush()
    coordinator = await _person(session, 1, east, Role.DISTRICT_COORDINATOR)
    few, many = (await _person(session, 2, east, Role.RESIDENT),
                 await _person(session, 3, east, Role.RESIDENT))
    contact = await _person(session, 4, east, Role.RESIDENT)
    await _life(session, few, coordinator=coordinator, contact=contact, district=east, times=1)
    await _life(session, many, coordinator=coordinator, contact=contact, district=east,
                times=4)
    await session.commit()

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        counted = {}
        for telegram_id, times in ((2, 1), (3, 4)):
            session.expunge_all()  # nothing from the session's memory: every row is read
            person = await find_person(session, CHANNEL, telegram_id)
            assert person is not None
            statements.clear()
            data = await disclosure(session, person)
            counted[telegram_id] = len(statements)
            assert data["identities"] == [{"channel": CHANNEL, "id": str(telegram_id)}]
            assert len(data["needs"]) == len(data["checkins"]["rounds"]) \
                == len(data["meeting_signups"]) == len(data["activity_interests"]) \
                == len(data["activities_organised"]) == times
            assert [n["notes"][0]["by"] for n in data["needs"]] == \
                ["district_coordinator"] * len(data["needs"])
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert counted[2] == counted[3]
    assert counted[2] <= 20


async def test_the_bots_messages_to_and_about_the_person_are_counted(
    session: AsyncSession,
) -> None:
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    east = Area(name="東地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    session.add(east)
    await session.flush()
    coordinator = await _person(session, 1, east, Role.DISTRICT_COORDINATOR)
    resident = await _person(session, 2, east, Role.RESIDENT)
    sent = enqueue(session, key="to-her", text="x", person_id=resident.id)
    enqueue(session, key="about-her", text="x", person_id=coordinator.id,
            about=resident.id)
    await session.flush()
    mark_sent(sent, 1, NOW)
    await session.commit()
    data = await disclosure(session, resident)
    assert data["messages"] == {"to_you": {"sent": 1}, "about_you": {"pending": 1}}
