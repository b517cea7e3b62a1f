"""Meetings: capacity decided under the meeting's lock, the waiting line, promotion; writing a
meeting step by step (each answer checked, the next question asked)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import CHANNEL
from models import (
    Area,
    AreaLevel,
    Meeting,
    MeetingKind,
    MeetingSignup,
    MeetingStatus,
    Person,
    SignupStatus,
)
from models.db import session_factory
from models.meetings import (
    DESCRIPTION_LENGTH,
    MAX_CAPACITY,
    PLACE_LENGTH,
    TITLE_LENGTH,
    JoinOutcome,
    MeetingProblem,
    change_place,
    change_when,
    choose_area,
    choose_half_day,
    choose_kind,
    confirm_next_year,
    confirm_when,
    counts,
    drop_draft,
    join,
    leave,
    ready_to_register,
    retype_when,
    schedule_draft,
    set_capacity,
    set_deadline,
    set_description,
    set_place,
    set_title,
    set_when,
    start_draft,
    start_editing,
    stop_editing,
    switch_open,
)
from models.people import ensure_person
from models.when import Clarify, When
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


# --- writing a meeting (the draft's steps) ------------------------------------------------

def _draft(**fields: object) -> Meeting:
    return Meeting(**{"status": MeetingStatus.DRAFT, "open": True, "area_id": 1, **fields})


def test_each_answer_is_checked_and_asks_the_next_question() -> None:
    draft = _draft()
    choose_kind(draft, MeetingKind.WORKSHOP)
    assert (draft.kind, draft.awaiting) == (MeetingKind.WORKSHOP, "title")
    assert set_title(draft, "") is MeetingProblem.BAD_TITLE
    assert set_title(draft, "あ" * (TITLE_LENGTH + 1)) is MeetingProblem.BAD_TITLE
    assert draft.awaiting == "title"
    assert set_title(draft, "支え合いワークショップ") is None
    assert (draft.title, draft.awaiting) == ("支え合いワークショップ", "when")
    assert confirm_when(draft) is MeetingProblem.NOT_ASKED  # no time yet
    start = NOW + timedelta(days=10)
    set_when(draft, When(start, start + timedelta(hours=2)))
    assert (draft.starts_at, draft.ends_at, draft.awaiting) \
        == (start, start + timedelta(hours=2), None)  # read back
    assert confirm_when(draft) is None
    assert draft.awaiting == "place"
    assert set_place(draft, "") is MeetingProblem.BAD_PLACE
    assert set_place(draft, "公民館") is None
    assert (draft.place, draft.awaiting) == ("公民館", "capacity")
    for bad in (None, 0, MAX_CAPACITY + 1):
        assert set_capacity(draft, bad) is MeetingProblem.BAD_CAPACITY
    assert set_capacity(draft, 20) is None
    assert (draft.capacity, draft.awaiting) == (20, "deadline")
    assert set_description(draft, None) is MeetingProblem.NOT_ASKED  # an old skip button
    assert set_deadline(draft, NOW - timedelta(hours=1), NOW) is MeetingProblem.BAD_DEADLINE
    assert set_deadline(draft, start + timedelta(days=2), NOW) is MeetingProblem.BAD_DEADLINE
    assert set_deadline(draft, start + timedelta(hours=3), NOW) is None  # read as the start
    assert (draft.signup_deadline, draft.awaiting) == (start, "description")
    assert set_deadline(draft, None, NOW) is MeetingProblem.NOT_ASKED
    assert not ready_to_register(draft)
    assert set_description(draft, "あ" * (DESCRIPTION_LENGTH + 1)) is MeetingProblem.TOO_LONG
    assert set_description(draft, "どなたでも") is None
    assert (draft.description, draft.awaiting) == ("どなたでも", None)
    assert ready_to_register(draft)


def test_no_deadline_and_no_description_skip_their_questions() -> None:
    draft = _draft(starts_at=NOW + timedelta(days=3), awaiting="deadline")
    assert set_deadline(draft, None, NOW) is None
    assert (draft.signup_deadline, draft.awaiting) == (None, "description")
    assert set_description(draft, None) is None
    assert (draft.description, draft.awaiting) == (None, None)


def test_what_a_typed_time_left_open_is_asked_then_answered() -> None:
    zone = ZoneInfo("Asia/Tokyo")
    draft = _draft(awaiting="when")
    two = datetime(2027, 11, 1, 2, 0, tzinfo=zone)
    set_when(draft, When(two, None), (Clarify.PAST_DATE_THIS_YEAR, Clarify.AMBIGUOUS_HOUR))
    assert draft.awaiting == "when_year"
    assert choose_half_day(draft, in_the_afternoon=True, zone=zone) is MeetingProblem.NOT_ASKED
    assert confirm_next_year(draft, hour_too=True) is None
    assert draft.awaiting == "when_hour"
    assert confirm_next_year(draft, hour_too=False) is MeetingProblem.NOT_ASKED
    assert choose_half_day(draft, in_the_afternoon=True, zone=zone) is None
    assert (draft.starts_at, draft.awaiting) == (two + timedelta(hours=12), None)
    retype_when(draft)
    assert draft.awaiting == "when"
    set_when(draft, When(two, None), (Clarify.AMBIGUOUS_HOUR,))
    assert draft.awaiting == "when_hour"
    assert choose_half_day(draft, in_the_afternoon=False, zone=zone) is None
    assert (draft.starts_at, draft.awaiting) == (two, None)
    set_when(draft, When(two, None), (Clarify.PAST_DATE_THIS_YEAR,))
    assert confirm_next_year(draft, hour_too=False) is None
    assert draft.awaiting is None


def test_the_area_must_be_one_the_organiser_may_use_and_open_switches_at_the_summary(
) -> None:
    east = Area(id=7, name="東地区", level=AreaLevel.DISTRICT)
    draft = _draft(area_id=None, awaiting="description")
    assert switch_open(draft) is MeetingProblem.NOT_ASKED
    assert choose_area(draft, 8, [east]) is MeetingProblem.NOT_ALLOWED
    assert choose_area(draft, None, [east]) is MeetingProblem.NOT_ALLOWED
    assert draft.area_id is None
    assert choose_area(draft, 7, [east]) is None
    assert draft.area_id == 7
    assert switch_open(draft) is MeetingProblem.NOT_ASKED  # a question is still open
    draft.awaiting = None
    assert switch_open(draft) is None
    assert draft.open is False
    assert switch_open(draft) is None
    assert draft.open is True


def test_a_draft_is_scheduled_only_complete_and_in_the_future() -> None:
    draft = _draft(kind=MeetingKind.STUDY, title="勉強会", starts_at=NOW + timedelta(hours=1),
                   place="公民館", capacity=10)
    assert schedule_draft(_draft(title="勉強会"), NOW) is MeetingProblem.INCOMPLETE
    assert schedule_draft(draft, NOW + timedelta(hours=1)) is MeetingProblem.IN_THE_PAST
    assert (draft.status, draft.awaiting) == (MeetingStatus.DRAFT, "when")  # asked again
    assert schedule_draft(draft, NOW) is MeetingProblem.INCOMPLETE
    draft.awaiting = None
    assert schedule_draft(draft, NOW) is None
    assert draft.status is MeetingStatus.SCHEDULED


def test_a_change_left_half_typed_gives_way() -> None:
    meeting = _draft(status=MeetingStatus.SCHEDULED, awaiting="place", editing_by_id=3)
    stop_editing(meeting)
    assert (meeting.awaiting, meeting.editing_by_id) == (None, None)


async def test_a_dropped_draft_is_deleted(engine: AsyncEngine) -> None:
    town = await make_town(engine)
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        organiser = await ensure_person(session, CHANNEL, 900)
        draft = await start_draft(session, organiser.id, town.east.id)
        draft_id = draft.id
        await drop_draft(session, draft)
    async with factory() as session:
        assert await session.get(Meeting, draft_id) is None


async def test_a_scheduled_meetings_place_and_time_change_only_to_sensible_values(
    engine: AsyncEngine,
) -> None:
    meeting_id, people = await _meeting(engine, signup_deadline=NOW + timedelta(days=12))
    async with session_factory(engine)() as session, session.begin():
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        start_editing(meeting, "place", people[0])
        assert (meeting.awaiting, meeting.editing_by_id) == ("place", people[0])
        assert change_place(meeting, "") is MeetingProblem.BAD_PLACE
        assert change_place(meeting, "あ" * (PLACE_LENGTH + 1)) is MeetingProblem.BAD_PLACE
        assert meeting.place == "公民館"
        assert change_place(meeting, "集会所") is None
        assert meeting.place == "集会所"
        stop_editing(meeting)
        assert (meeting.awaiting, meeting.editing_by_id) == (None, None)
        old = meeting.starts_at
        assert await change_when(session, meeting, When(NOW, None), NOW) \
            is MeetingProblem.IN_THE_PAST
        assert meeting.starts_at == old
        sooner = NOW + timedelta(days=5)
        assert await change_when(session, meeting, When(sooner, sooner + timedelta(hours=1)),
                                 NOW) is None
        assert (meeting.starts_at, meeting.ends_at, meeting.signup_deadline) \
            == (sooner, sooner + timedelta(hours=1), sooner)  # the deadline moves with it
