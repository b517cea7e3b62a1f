"""A fixed town history for digest tests: every number in it is counted by hand in the tests.

The digest week is 2026-W47 (Monday 16 to Sunday 22 November 2026, Asia/Tokyo).
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
    Episode,
    Level,
    Meeting,
    MeetingKind,
    MeetingSignup,
    MeetingStatus,
    Need,
    NeedStatus,
    Person,
    Role,
    RoleGrant,
    SignupStatus,
    WatchAlert,
)
from models.activities import SessionStatus
from models.db import session_factory
from models.needs import Referral
from tests.auxil.people import add_telegram_people
from tests.auxil.town import Town, make_town

TOKYO = ZoneInfo("Asia/Tokyo")
WEEK = date(2026, 11, 16)  # 2026-W47
EPISODE = "サロンで、久しぶりに来た方を皆で迎えました。"
EAST_COUNCIL, CITY_COUNCIL = "東地区 協議体", "テスト市 協議体"
OLD = datetime(2026, 10, 1, tzinfo=UTC)


def jst(month: int, day: int, hour: int = 10) -> datetime:
    """Return a time in Tokyo in 2026, as the database stores it (UTC)."""
    return datetime(2026, month, day, hour, tzinfo=TOKYO).astimezone(UTC)


@dataclass
class History:
    """The town, its councils and the ids a test may need."""

    town: Town
    east_council: int
    city_council: int
    people: dict[str, int]


async def seed_history(  # noqa: PLR0915 - one long, flat list of facts
        engine: AsyncEngine, telegram_base: int = 50_000) -> History:
    """Create テスト市 (東地区, 西地区), two councils and eight weeks of history."""
    town = await make_town(engine)
    east, west = town.east.id, town.west.id
    people: dict[str, int] = {}
    async with session_factory(engine)() as session, session.begin():
        def person(key: str, district: int, joined: datetime, *roles: tuple[Role, datetime]
                   ) -> int:
            row = Person(display_name=f"住民{key}",
                         district_id=district, consented_at=joined, consent_version="test",
                         quiet_from=0, quiet_until=0, created_at=joined)
            telegram[telegram_base + len(people)] = row
            people[key] = 0
            pending.append((key, row, [(Role.RESIDENT, joined), *roles], district))
            return 0

        pending: list[tuple[str, Person, list[tuple[Role, datetime]], int]] = []
        telegram: dict[int, Person] = {}
        for key in ("P1", "P2", "P3", "P4"):
            person(key, east, OLD)
        person("P5", east, jst(11, 17))
        person("P6", east, jst(11, 17))
        person("S1", east, OLD, (Role.SUPPORTER, jst(11, 18)))
        person("W1", west, OLD)
        person("W2", west, OLD)
        person("W3", west, jst(11, 10))
        await add_telegram_people(session, telegram)
        for key, row, roles, district in pending:
            people[key] = row.id
            for role, when in roles:
                session.add(RoleGrant(person_id=row.id, role=role, area_id=district,
                                      created_at=when))
        east_council = Council(name=EAST_COUNCIL, area_id=east)
        city_council = Council(name=CITY_COUNCIL, area_id=town.city.id)
        session.add_all([east_council, city_council])

        def activity(name: str, kind: ActivityKind, meanings: list[str], district: int,
                     organiser: str, *, status: ActivityStatus = ActivityStatus.ACTIVE,
                     created: datetime = OLD, reviewed: datetime | None = None,
                     changed: datetime | None = None) -> Activity:
            row = Activity(name=name, kind=kind, meanings=meanings, district_id=district,
                           organiser_id=people[organiser], status=status, created_at=created,
                           reviewed_at=reviewed, status_changed_at=changed)
            session.add(row)
            return row

        salon = activity("火曜サロン", ActivityKind.SALON, ["watching", "isolation"], east, "P1")
        exercise = activity("いきいき体操", ActivityKind.EXERCISE, ["care_prevention"], east,
                            "P2")
        meal = activity("ふれあい食事会", ActivityKind.MEAL, ["nutrition", "watching"], east, "P1",
                        created=jst(11, 16, 9), reviewed=jst(11, 17))
        karaoke = activity("カラオケの会", ActivityKind.HOBBY, [], east, "P3",
                           status=ActivityStatus.PAUSED, changed=jst(11, 18))
        gathering = activity("西の通いの場", ActivityKind.GATHERING, ["isolation"], west, "W2")
        activity("準備中の会", ActivityKind.OTHER, [], east, "P4",
                 status=ActivityStatus.PROPOSED, created=jst(11, 18))
        await session.flush()

        def held(row: Activity, start: datetime, count: int | None, reporter: str | None,
                 status: SessionStatus = SessionStatus.HELD) -> None:
            session.add(ActivitySession(
                activity_id=row.id, starts_at=start, status=status, participants=count,
                reported_by_id=people[reporter] if reporter else None,
                reported_at=start.replace(hour=start.hour + 2) if reporter else None))

        held(salon, jst(11, 17), 12, "P1")
        held(exercise, jst(11, 18), 8, "P2")
        held(exercise, jst(11, 20), None, "P2", SessionStatus.CANCELLED)
        held(meal, jst(11, 19, 12), 10, "P1")
        held(karaoke, jst(11, 16, 14), None, None, SessionStatus.ASKED)
        held(gathering, jst(11, 18), 5, "W2")
        held(salon, jst(11, 10), 10, "P1")
        held(exercise, jst(11, 11), 6, "P2")
        held(gathering, jst(11, 11), 4, "W2")
        held(salon, jst(11, 3), 9, "P1")
        held(salon, jst(10, 27), 7, "P1")
        held(salon, jst(9, 1), 50, "P1")  # long before the eight weeks

        rounds: dict[tuple[str, int], CheckinRound] = {}

        def ask(key: str, day: int, level: Level | None) -> None:
            district = east if key.startswith(("P", "S")) else west
            row = CheckinRound(person_id=people[key], district_id=district,
                               asked_at=jst(11, day), scheduled=True, watched=False,
                               level=level, answered_at=jst(11, day, 11) if level else None)
            session.add(row)
            rounds[key, day] = row

        for key, level in (("P1", Level.FINE), ("P2", Level.FINE), ("P3", Level.SO_SO),
                           ("P4", Level.NEED_HELP), ("P5", None), ("P6", Level.WANT_TO_TALK),
                           ("W1", Level.FINE), ("W2", None), ("W3", None)):
            ask(key, 16, level)
        for key, level in (("P1", Level.FINE), ("P2", Level.FINE), ("P3", Level.FINE),
                           ("P4", None), ("W1", Level.FINE), ("W2", None)):
            ask(key, 9, level)
        await session.flush()

        def need(key: str, district: int, categories: list[str], raised: datetime,
                 status: NeedStatus, *, taken: datetime | None = None,
                 referred: datetime | None = None, finished: datetime | None = None) -> None:
            session.add(Need(person_id=people[key], district_id=district, categories=categories,
                             status=status, raised_at=raised, taken_at=taken,
                             referred_to=Referral.HOUSEHOLD_CENTRE if referred else None,
                             referred_at=referred, finished_at=finished,
                             note="買い物袋が重くて運べません", awaiting_note=False))

        need("P4", east, ["shopping"], jst(11, 17), NeedStatus.TAKEN, taken=jst(11, 17, 15))
        need("P6", east, ["shopping", "talk"], jst(11, 18), NeedStatus.REFERRED,
             taken=jst(11, 18, 15), referred=jst(11, 19))
        need("P3", east, ["rubbish"], jst(11, 4), NeedStatus.OPEN)
        need("P2", east, ["meals"], jst(11, 10), NeedStatus.RESOLVED, taken=jst(11, 10, 15),
             finished=jst(11, 18))
        need("W1", west, ["outings"], jst(11, 19), NeedStatus.OPEN)
        need("W3", west, ["shopping"], jst(11, 20), NeedStatus.CLOSED, finished=jst(11, 21))

        session.add(WatchAlert(round_id=rounds["P5", 16].id, person_id=people["P5"],
                               district_id=east, created_at=jst(11, 19),
                               resolved_at=jst(11, 20)))
        session.add(WatchAlert(round_id=rounds["P4", 9].id, person_id=people["P4"],
                               district_id=east, created_at=jst(11, 12),
                               resolved_at=jst(11, 17)))
        session.add(Episode(area_id=east, week=WEEK, text=EPISODE, awaiting=False))
        session.add(Episode(area_id=east, week=date(2026, 11, 9), text="先週の話",
                            awaiting=False))

        def meeting(kind: MeetingKind, title: str, area: int, start: datetime, *,
                    status: MeetingStatus = MeetingStatus.SCHEDULED, walk_ins: int = 0,
                    signups: tuple[tuple[str, SignupStatus, bool], ...] = ()) -> None:
            row = Meeting(kind=kind, title=title, area_id=area, starts_at=start,
                          ends_at=start + timedelta(hours=1), place="公民館", capacity=10,
                          open=True, organiser_id=people["S1"], status=status,
                          lock_version=0, walk_ins=walk_ins)
            session.add(row)
            pending_signups.append((row, signups))

        pending_signups: list[tuple[Meeting, tuple[tuple[str, SignupStatus, bool], ...]]] = []
        confirmed, waiting, cancelled = (SignupStatus.CONFIRMED, SignupStatus.WAITING,
                                         SignupStatus.CANCELLED)
        # W47: one care meeting in 東地区 (3 confirmed, 2 of them came, 2 walk-ins; 1 waiting,
        # 1 cancelled), one cancelled workshop (not counted), one council meeting of the city.
        meeting(MeetingKind.CARE_MEETING, "ご近所ケア会議", east, jst(11, 18, 14), walk_ins=2,
                signups=(("P1", confirmed, True), ("P2", confirmed, True),
                         ("P3", confirmed, False), ("P4", waiting, False),
                         ("P5", cancelled, False)))
        meeting(MeetingKind.WORKSHOP, "中止した会", east, jst(11, 19, 14),
                status=MeetingStatus.CANCELLED, signups=(("P1", confirmed, False),))
        meeting(MeetingKind.COUNCIL, "市の協議体", town.city.id, jst(11, 20, 14),
                signups=(("S1", confirmed, True), ("W1", confirmed, False)))
        meeting(MeetingKind.STUDY, "先週の勉強会", east, jst(11, 11, 14),
                signups=(("P1", confirmed, True),))
        # Coming: a workshop on Wednesday 25 November; a study session after two weeks.
        meeting(MeetingKind.WORKSHOP, "支え合いワークショップ", east, jst(11, 25, 14))
        meeting(MeetingKind.STUDY, "年末の勉強会", town.city.id, jst(12, 10, 14))
        await session.flush()
        for row, signups in pending_signups:
            for position, (key, state, came) in enumerate(signups, start=1):
                session.add(MeetingSignup(meeting_id=row.id, person_id=people[key],
                                          status=state, position=position, attended=came))
        await session.flush()
        ids = east_council.id, city_council.id
    return History(town, ids[0], ids[1], people)
