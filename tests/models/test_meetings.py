"""Meetings: capacity decided under the meeting's lock, the waiting line, promotion."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Meeting, MeetingKind, MeetingSignup, MeetingStatus, Person, SignupStatus
from models.db import session_factory
from models.meetings import JoinOutcome, counts, join, leave
from tests.auxil.town import add_residents, make_town

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


async def _meeting(engine: AsyncEngine, capacity: int = 10, **fields: object
                   ) -> tuple[int, list[int]]:
    town = await make_town(engine)
    await add_residents(engine, town.east, list(range(500, 550)))
    async with session_factory(engine)() as session, session.begin():
        meeting = Meeting(kind=MeetingKind.CARE_MEETING, title="ご近所ケア会議",
                          area_id=town.east.id, starts_at=NOW + timedelta(days=13),
                          place="公民館", capacity=capacity, status=MeetingStatus.SCHEDULED,
                          lock_version=0, walk_ins=0, **{"open": True, **fields})
        session.add(meeting)
        await session.flush()
        people = list(await session.scalars(select(Person.id).order_by(Person.id)))
        return meeting.id, people


async def test_fifty_concurrent_sign_ups_never_exceed_capacity(engine: AsyncEngine) -> None:
    meeting_id, people = await _meeting(engine)
    factory = session_factory(engine)

    async def one(person_id: int) -> JoinOutcome:
        async with factory() as session, session.begin():
            return (await join(session, meeting_id, person_id, NOW)).outcome

    outcomes = await asyncio.gather(*(one(p) for p in people))
    assert outcomes.count(JoinOutcome.CONFIRMED) == 10
    assert outcomes.count(JoinOutcome.WAITING) == 40
    async with factory() as session:
        current = await counts(session, meeting_id)
        assert (current.confirmed, current.waiting) == (10, 40)
        positions = list(await session.scalars(select(MeetingSignup.position)))
        assert sorted(positions) == list(range(1, 51))


async def test_cancelling_promotes_the_first_in_line_and_double_taps_change_nothing(
    engine: AsyncEngine
) -> None:
    meeting_id, people = await _meeting(engine, capacity=2)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        results = [(await join(session, meeting_id, p, NOW)) for p in people[:4]]
        assert [r.outcome for r in results] == ["confirmed", "confirmed", "waiting", "waiting"]
        assert [r.became_full for r in results] == [False, True, False, False]
        assert (await join(session, meeting_id, people[0], NOW)).outcome == "already_confirmed"
        assert (await join(session, meeting_id, people[2], NOW)).outcome == "already_waiting"
    async with factory() as session, session.begin():
        left = await leave(session, meeting_id, people[1])
        assert left.was == SignupStatus.CONFIRMED
        assert left.promoted is not None
        assert left.promoted.id == people[2]
        again = await leave(session, meeting_id, people[1])
        assert again.was is None
        waiting_left = await leave(session, meeting_id, people[3])
        assert (waiting_left.was, waiting_left.promoted) == (SignupStatus.WAITING, None)
    async with factory() as session, session.begin():
        current = await counts(session, meeting_id)
        assert (current.confirmed, current.waiting) == (2, 0)
        back = await join(session, meeting_id, people[1], NOW)
        assert back.outcome == JoinOutcome.WAITING


async def test_no_sign_up_after_the_deadline_or_to_a_cancelled_meeting(
    engine: AsyncEngine
) -> None:
    meeting_id, people = await _meeting(engine, signup_deadline=NOW + timedelta(days=1))
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        late = await join(session, meeting_id, people[0], NOW + timedelta(days=2))
        assert late.outcome == JoinOutcome.CLOSED
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.status = MeetingStatus.CANCELLED
    async with factory() as session, session.begin():
        off = await join(session, meeting_id, people[0], NOW)
        assert off.outcome == JoinOutcome.CANCELLED


async def test_a_meeting_by_invitation_refuses_whoever_is_not_invited(
    engine: AsyncEngine
) -> None:
    """Issue 15, finding 4: anyone with the id could join a care meeting about one person."""
    meeting_id, people = await _meeting(engine, open=False)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        outsider = await join(session, meeting_id, people[0], NOW)
        assert outsider.outcome == "not_invited"
        assert await session.scalar(select(MeetingSignup.id)) is None
