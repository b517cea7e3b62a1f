"""A fixed town history for the outcome indicators: every figure is counted by hand in
tests/scheduler/test_indicators.py.

テスト市 (東地区, 西地区), fiscal year 2026: the report's quarter is Q3 (1 October to
31 December 2026, Asia/Tokyo), the previous one Q2 (July to September).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    CheckinRound,
    Council,
    DistrictPopulation,
    Level,
    Meeting,
    MeetingKind,
    MeetingSignup,
    MeetingStatus,
    MonthlyParticipants,
    Need,
    NeedStatus,
    Person,
    Role,
    RoleGrant,
    SignupStatus,
    SupportRequest,
    WatchAlert,
)
from models.activities import SessionStatus
from models.db import session_factory
from models.needs import Referral, RequestStatus
from tests.auxil.people import add_telegram_people
from tests.auxil.town import Town, make_town

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 10, 9, tzinfo=TOKYO)  # after the quarter
OLD = datetime(2026, 6, 1, tzinfo=UTC)  # before both quarters
CITY_COUNCIL, EAST_COUNCIL = "テスト市 協議体", "東地区 協議体"


def jst(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    """A time in Tokyo, as stored (UTC)."""
    return datetime(year, month, day, hour, tzinfo=TOKYO).astimezone(UTC)


@dataclass
class IndicatorTown:
    """The town, its councils, and the people's ids."""

    town: Town
    city_council: int
    east_council: int
    people: dict[str, int]


async def seed_indicators(  # noqa: PLR0915 - one long, flat list of facts
        engine: AsyncEngine, telegram_base: int = 70_000) -> IndicatorTown:
    """Create the history the tests count."""
    town = await make_town(engine)
    east, west, city = town.east.id, town.west.id, town.city.id
    people: dict[str, int] = {}
    async with session_factory(engine)() as session, session.begin():
        rows: dict[str, Person] = {}
        joined = {"E5": jst(10, 5), "E6": jst(10, 5), "W4": jst(8, 10)}
        for key in ("E1", "E2", "E3", "E4", "E5", "E6", "S1", "W1", "W2", "W3", "W4", "S2"):
            district = east if key[0] in "ES" and key != "S2" else west
            when = joined.get(key, OLD)
            rows[key] = Person(display_name=f"住民{key}",
                               district_id=district, consented_at=when, consent_version="t",
                               quiet_from=0, quiet_until=0, created_at=when)
        await add_telegram_people(session, {telegram_base + index: row
                                            for index, row in enumerate(rows.values())})
        for key, row in rows.items():
            people[key] = row.id
            session.add(RoleGrant(person_id=row.id, role=Role.RESIDENT,
                                  area_id=row.district_id, created_at=row.created_at))
        # Set up at the start of the fiscal year (a council gets no report of a quarter that
        # was over before it existed), whatever day the suite runs.
        founded = datetime(2026, 4, 1, 9, tzinfo=TOKYO)
        city_council = Council(name=CITY_COUNCIL, area_id=city, created_at=founded)
        east_council = Council(name=EAST_COUNCIL, area_id=east, created_at=founded)
        session.add_all([city_council, east_council])

        # Population: 東地区 has an older row too; the latest on or before the quarter's end
        # counts (1 April 2026).
        session.add_all([
            DistrictPopulation(district_id=east, as_of=date(2025, 10, 1), aged_65_plus=480,
                               aged_75_plus=230, certified=70),
            DistrictPopulation(district_id=east, as_of=date(2026, 4, 1), aged_65_plus=500,
                               aged_75_plus=250, certified=80),
            DistrictPopulation(district_id=west, as_of=date(2026, 4, 1), aged_65_plus=400,
                               aged_75_plus=180, certified=60)])

        def activity(name: str, district: int, organiser: str,
                     status: ActivityStatus = ActivityStatus.ACTIVE) -> Activity:
            row = Activity(name=name, kind=ActivityKind.SALON, meanings=[],
                           district_id=district, organiser_id=people[organiser],
                           status=status, created_at=OLD, reviewed_at=OLD)
            session.add(row)
            return row

        salon = activity("火曜サロン", east, "E1")
        exercise = activity("いきいき体操", east, "E2")
        proposal = activity("準備中の会", east, "E4", ActivityStatus.PROPOSED)
        gathering = activity("西の通いの場", west, "W1")
        await session.flush()
        # Participants in person: Q3's last month with counts is November (none in
        # December); the proposal's count is never read.
        for row, month, count in ((salon, 10, 20), (exercise, 10, 15), (gathering, 10, 10),
                                  (salon, 11, 22), (exercise, 11, 18), (gathering, 11, 12),
                                  (proposal, 11, 99), (salon, 9, 18), (gathering, 9, 10)):
            session.add(MonthlyParticipants(activity_id=row.id, month=date(2026, month, 1),
                                            people=count, reported_at=OLD))
        # Headcounts of sessions (visits): Q3 東 12 + 14 + 9 = 35, 西 7; Q2 東 10.
        for row, start, count, status in (
                (salon, jst(10, 6), 12, SessionStatus.HELD),
                (salon, jst(11, 3), 14, SessionStatus.HELD),
                (exercise, jst(11, 10), 9, SessionStatus.HELD),
                (exercise, jst(11, 17), None, SessionStatus.CANCELLED),
                (gathering, jst(10, 20), 7, SessionStatus.HELD),
                (salon, jst(9, 1), 10, SessionStatus.HELD)):
            session.add(ActivitySession(activity_id=row.id, starts_at=start, status=status,
                                        participants=count))

        rounds: dict[str, CheckinRound] = {}

        def ask(name: str, key: str, when: datetime, level: Level | None, *,
                watched: bool = False) -> None:
            rounds[name] = CheckinRound(
                person_id=people[key], district_id=rows[key].district_id, asked_at=when,
                scheduled=True, watched=watched, level=level,
                answered_at=when + timedelta(hours=1) if level else None)
            session.add(rounds[name])

        ask("e1a", "E1", jst(10, 5), Level.FINE)
        ask("e1b", "E1", jst(10, 12), Level.SO_SO)
        ask("e2", "E2", jst(10, 5), None)
        ask("e3a", "E3", jst(11, 2), Level.FINE, watched=True)
        ask("e3b", "E3", jst(11, 9), None, watched=True)
        ask("w1", "W1", jst(10, 5), Level.FINE)
        ask("w2", "W2", jst(10, 5), Level.NEED_HELP, watched=True)
        ask("w3", "W3", jst(10, 5), None, watched=True)
        ask("q2", "E1", jst(9, 7), Level.FINE)
        await session.flush()

        needs: dict[str, Need] = {}

        def need(name: str, key: str, raised: datetime, status: NeedStatus, *,
                 taken: datetime | None = None, referred: datetime | None = None,
                 finished: datetime | None = None) -> None:
            needs[name] = Need(
                person_id=people[key], district_id=rows[key].district_id,
                categories=["shopping"], status=status, raised_at=raised, taken_at=taken,
                referred_to=Referral.HOUSEHOLD_CENTRE if referred else None,
                referred_at=referred, finished_at=finished, awaiting_note=False)
            session.add(needs[name])

        need("n0", "E1", jst(9, 20), NeedStatus.RESOLVED, finished=jst(10, 2))  # 12 days
        need("n1", "E1", jst(10, 6), NeedStatus.RESOLVED, taken=jst(10, 7, 9),
             finished=jst(10, 10))  # 4 days
        need("n2", "E2", jst(10, 20), NeedStatus.REFERRED, taken=jst(10, 25),
             referred=jst(10, 26))
        need("n3", "E3", jst(11, 2), NeedStatus.RESOLVED, finished=jst(11, 3))  # 1 day
        need("n4", "E4", jst(11, 10), NeedStatus.OPEN)
        need("n5", "E5", jst(12, 1), NeedStatus.CLOSED, taken=jst(12, 1, 12),
             finished=jst(12, 2))
        need("w1", "W1", jst(10, 8), NeedStatus.RESOLVED, taken=jst(10, 9),
             finished=jst(10, 15))  # 7 days
        need("w2", "W2", jst(11, 20), NeedStatus.OPEN)
        need("draft", "E6", jst(11, 1), NeedStatus.DRAFT)  # never raised: not counted
        await session.flush()
        needs["draft"].raised_at = None  # a draft was never raised

        def request(need_name: str, supporter: str, status: RequestStatus, asked: datetime,
                    answered: datetime | None, *, activity_id: int | None = None) -> None:
            session.add(SupportRequest(need_id=needs[need_name].id,
                                       supporter_id=people[supporter],
                                       status=status, created_at=asked, answered_at=answered,
                                       activity_id=activity_id))

        request("n1", "S1", RequestStatus.ACCEPTED, jst(10, 7), jst(10, 7, 12))
        request("n3", "S1", RequestStatus.ACCEPTED, jst(11, 2), jst(11, 2, 15))
        request("n4", "S2", RequestStatus.DECLINED, jst(11, 11), jst(11, 11, 12))
        request("n4", "E1", RequestStatus.ACCEPTED, jst(11, 11), jst(11, 12),
                activity_id=salon.id)
        request("w1", "S2", RequestStatus.ACCEPTED, jst(10, 9), jst(10, 9, 12))

        session.add_all([
            WatchAlert(round_id=rounds["e3b"].id, person_id=people["E3"], district_id=east,
                       created_at=jst(11, 10), resolved_at=jst(11, 10, 12)),
            WatchAlert(round_id=rounds["e2"].id, person_id=people["E2"], district_id=east,
                       created_at=jst(10, 7), escalated_at=jst(10, 8), resolved_at=jst(10, 9)),
            WatchAlert(round_id=rounds["w3"].id, person_id=people["W3"], district_id=west,
                       created_at=jst(10, 7))])

        def meeting(kind: MeetingKind, area: int, start: datetime, *, walk_ins: int = 0,
                    status: MeetingStatus = MeetingStatus.SCHEDULED,
                    came: tuple[tuple[str, bool], ...] = ()) -> None:
            row = Meeting(kind=kind, title="会議", area_id=area, starts_at=start,
                          ends_at=start + timedelta(hours=1), place="公民館", open=True,
                          status=status, lock_version=0, walk_ins=walk_ins)
            session.add(row)
            pending.append((row, came))

        pending: list[tuple[Meeting, tuple[tuple[str, bool], ...]]] = []
        meeting(MeetingKind.CARE_MEETING, east, jst(10, 15), walk_ins=1,
                came=(("E1", True), ("E2", True), ("E3", False)))
        meeting(MeetingKind.CARE_MEETING, east, jst(11, 20), status=MeetingStatus.CANCELLED,
                came=(("E1", False),))
        meeting(MeetingKind.CARE_MEETING, city, jst(12, 3), came=(("W1", True),))
        meeting(MeetingKind.WORKSHOP, east, jst(11, 5))
        meeting(MeetingKind.COUNCIL, city, jst(11, 6), came=(("S1", True),))
        meeting(MeetingKind.CARE_MEETING, west, jst(8, 20),
                came=(("W1", True), ("W2", True)))
        await session.flush()
        for row, came in pending:
            for position, (key, attended) in enumerate(came, start=1):
                session.add(MeetingSignup(meeting_id=row.id, person_id=people[key],
                                          status=SignupStatus.CONFIRMED, position=position,
                                          attended=attended))
        await session.flush()
        ids = city_council.id, east_council.id
    return IndicatorTown(town, ids[0], ids[1], people)
