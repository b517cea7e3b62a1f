"""Several weeks of made-up history for the demo town, so the council persona's weekly
digest has something to say: residents, activities with session counts, check-in answers, a
few needs, a watching alert and two episodes. Fictional people only; deterministic.

Demo residents have their check-ins paused, so the running sandbox does not ask them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import CHANNEL
from models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Area,
    CheckinPreference,
    CheckinRound,
    Episode,
    Level,
    MonthlyParticipants,
    Need,
    NeedStatus,
    Person,
    Role,
    RoleGrant,
    WatchAlert,
)
from models.activities import SessionStatus
from models.digests import last_full_week
from models.identities import add_person_identity
from models.kayoinoba import Operator, SurveyCategory, Venue, default_category
from models.needs import Referral
from models.participants import previous_month
from models.schedule import Frequency, Schedule

WEEKS = 6  # full weeks of history before the current one
FIRST_RESIDENT = 1101


@dataclass(frozen=True)
class DemoActivity:
    """An activity of the demo town and how it usually goes."""

    name: str
    kind: ActivityKind
    meanings: tuple[str, ...]
    district: int  # index in DISTRICTS
    weekday: int
    start: time
    end: time
    usual: tuple[int, int]  # how many usually come


ACTIVITIES = (
    DemoActivity("みどりサロン", ActivityKind.SALON, ("watching", "isolation"), 0, 1, time(10),
                 time(11, 30), (10, 16)),
    DemoActivity("いきいき百歳体操", ActivityKind.EXERCISE, ("care_prevention",), 0, 3, time(10),
                 time(11), (12, 20)),
    DemoActivity("ふれあい食事会", ActivityKind.MEAL, ("nutrition", "watching", "isolation"), 0,
                 5, time(12), time(13, 30), (14, 22)),
    DemoActivity("買い物お助け便", ActivityKind.TRANSPORT, ("watching", "role"), 0, 2,
                 time(13), time(15), (3, 6)),
    DemoActivity("ひかり茶話会", ActivityKind.GATHERING, ("isolation",), 1, 4, time(14),
                 time(15, 30), (6, 11)),
    DemoActivity("かわせ体操クラブ", ActivityKind.EXERCISE, ("care_prevention",), 2, 0,
                 time(10), time(11), (8, 14)),
)
RESIDENTS = (
    ("山本 和夫", 0), ("中村 節子", 0), ("小林 正", 0), ("加藤 幸子", 0), ("吉田 茂", 0),
    ("山田 静江", 0), ("佐々木 勇", 0), ("山口 トミ", 0), ("松本 清", 0), ("井上 キヨ", 0),
    ("木村 実", 0), ("林 文子", 0), ("清水 進", 1), ("山崎 久子", 1), ("森 博", 1),
    ("池田 和子", 1), ("橋本 昭", 2), ("阿部 信子", 2), ("石川 武", 2), ("前田 春子", 2),
)
EPISODES = ("みどりサロンに初めて来た方が、帰りに「また来ます」と笑顔で話していました。",
            "買い物お助け便に、担い手が1人加わりました。運転の交代ができるようになりました。")
LEVELS = (Level.FINE,) * 12 + (Level.SO_SO,) * 5 + (Level.NEED_HELP, Level.WANT_TO_TALK)


async def seed_history(session: AsyncSession, districts: list[Area], organiser: Person,
                       now: datetime, zone: tzinfo) -> bool:
    """Add the demo history once (False if it is there already)."""
    if await session.scalar(select(Activity.id).where(
            Activity.name == ACTIVITIES[0].name).limit(1)) is not None:
        return False
    rng = random.Random(8)  # the same town every time
    last = last_full_week(now, zone)
    mondays = [last - timedelta(weeks=i) for i in reversed(range(WEEKS))]
    long_ago = datetime.combine(mondays[0] - timedelta(weeks=4), time(9), tzinfo=zone)

    residents: list[Person] = []
    for index, (name, district) in enumerate(RESIDENTS):
        # Most have been here a while; the last of みどり地区's joined in recent weeks.
        joined = long_ago if index < 9 or district else datetime.combine(
            mondays[-1 - (index - 9)], time(15), tzinfo=zone)
        person = Person(display_name=name, language="ja",
                        district_id=districts[district].id, consented_at=joined,
                        consent_version="demo", created_at=joined)
        session.add(person)
        residents.append(person)
    await session.flush()
    for index, person in enumerate(residents):
        add_person_identity(session, CHANNEL, FIRST_RESIDENT + index, person.id)
        session.add(RoleGrant(person_id=person.id, role=Role.RESIDENT,
                              area_id=person.district_id, created_at=person.consented_at))
        session.add(CheckinPreference(person_id=person.id, weekday=0, hour=10, paused=True,
                                      skip_holidays=False, watching=False, watch_hours=48))
    session.add(RoleGrant(person_id=residents[3].id, role=Role.SUPPORTER,
                          area_id=districts[0].id,
                          created_at=datetime.combine(last + timedelta(days=2), time(11),
                                                      tzinfo=zone)))

    activities = []
    for index, demo in enumerate(ACTIVITIES):
        schedule = Schedule(frequency=Frequency.WEEKLY, weekdays=(demo.weekday,),
                            start=demo.start, end=demo.end)
        host = organiser if index == 0 else residents[index * 2]
        activity = Activity(name=demo.name, kind=demo.kind, meanings=list(demo.meanings),
                            district_id=districts[demo.district].id, place="集会所",
                            schedule=schedule.to_json(), organiser_id=host.id,
                            status=ActivityStatus.ACTIVE, created_at=long_ago,
                            reviewed_at=long_ago)
        session.add(activity)
        activities.append((activity, demo, host))
    session.add(Activity(name="朝の散歩の会", kind=ActivityKind.EXERCISE,
                         meanings=["care_prevention", "isolation"], district_id=districts[0].id,
                         place="みどり公園", organiser_id=residents[5].id,
                         status=ActivityStatus.ACTIVE, created_at=long_ago,
                         reviewed_at=datetime.combine(last + timedelta(days=1), time(16),
                                                      tzinfo=zone)))
    session.add(Activity(name="男の料理教室", kind=ActivityKind.HOBBY, meanings=["purpose"],
                         district_id=districts[0].id, place="公民館",
                         organiser_id=residents[6].id, status=ActivityStatus.PAUSED,
                         created_at=long_ago, reviewed_at=long_ago,
                         status_changed_at=datetime.combine(last + timedelta(days=3), time(9),
                                                            tzinfo=zone)))
    await session.flush()

    for week, monday in enumerate(mondays):
        for activity, demo, host in activities:
            start = datetime.combine(monday + timedelta(days=demo.weekday), demo.start,
                                     tzinfo=zone)
            unreported = week == WEEKS - 1 and demo.kind is ActivityKind.TRANSPORT
            cancelled = not unreported and rng.random() < 0.08
            status = SessionStatus.ASKED if unreported else \
                SessionStatus.CANCELLED if cancelled else SessionStatus.HELD
            growth = week // 2  # the neighbourhood slowly gets going
            count = rng.randint(demo.usual[0], demo.usual[1]) + growth
            session.add(ActivitySession(
                activity_id=activity.id, starts_at=start, status=status,
                participants=count if status is SessionStatus.HELD else None,
                reported_by_id=None if unreported else host.id,
                reported_at=None if unreported else start + timedelta(hours=3),
                awaiting_count=False))
        asked = datetime.combine(monday, time(10), tzinfo=zone)
        for person in residents:
            if person.consented_at > asked:
                continue
            answered = rng.random() < 0.78
            session.add(CheckinRound(
                person_id=person.id, district_id=person.district_id, asked_at=asked,
                scheduled=True, watched=person is residents[7],
                level=rng.choice(LEVELS) if answered else None,
                answered_at=asked + timedelta(hours=rng.randint(1, 30)) if answered else None))
    await session.flush()

    def day(weeks_back: int, weekday: int, hour: int = 11) -> datetime:
        return datetime.combine(last - timedelta(weeks=weeks_back) + timedelta(days=weekday),
                                time(hour), tzinfo=zone)

    home = districts[0].id
    for person, categories, raised, status, taken, referred, finished in (
        (residents[1], ["shopping"], day(4, 1), NeedStatus.RESOLVED, day(4, 2), None, day(3, 0)),
        (residents[2], ["rubbish"], day(2, 3), NeedStatus.TAKEN, day(2, 4), None, None),
        (residents[4], ["outings"], day(1, 0), NeedStatus.REFERRED, day(1, 1), day(1, 2), None),
        (residents[8], ["shopping", "talk"], day(0, 1), NeedStatus.TAKEN, day(0, 2), None, None),
        (residents[10], ["household"], day(0, 3), NeedStatus.OPEN, None, None, None),
        (residents[11], ["meals"], day(0, 4), NeedStatus.RESOLVED, day(0, 4, 15), None,
         day(0, 6)),
    ):
        session.add(Need(person_id=person.id, district_id=home, categories=categories,
                         status=status, raised_at=raised, taken_at=taken,
                         referred_to=Referral.HOUSEHOLD_CENTRE if referred else None,
                         referred_at=referred, finished_at=finished, awaiting_note=False))
    watched = (await session.scalars(select(CheckinRound).where(
        CheckinRound.person_id == residents[7].id, CheckinRound.level.is_(None))
        .order_by(CheckinRound.asked_at.desc()).limit(1))).first()
    if watched is not None:
        session.add(WatchAlert(round_id=watched.id, person_id=residents[7].id,
                               district_id=home, created_at=watched.asked_at + timedelta(days=3),
                               resolved_at=watched.asked_at + timedelta(days=3, hours=2),
                               told=[]))
    for text in EPISODES:
        session.add(Episode(area_id=home, week=last, text=text, awaiting=False))
    await seed_survey(session, [a for a, _demo, _host in activities], now, zone)
    return True


# The 通いの場 survey's fields of the demo activities, by name (models.kayoinoba): some left
# blank, so the survey's sheet of what is missing has something to show.
SURVEY_FIELDS: dict[str, dict[str, object]] = {
    "みどりサロン": {"operator": Operator.RESIDENTS_GROUP, "venue": Venue.HALL,
                  "has_fee": True, "professionals": False},
    "いきいき百歳体操": {"operator": Operator.RESIDENTS_GROUP, "venue": Venue.HALL,
                   "has_fee": False, "professionals": True},
    "ふれあい食事会": {"operator": Operator.SOCIAL_WELFARE_COUNCIL, "venue": Venue.HALL,
                  "has_fee": True, "professionals": False},
    "ひかり茶話会": {"survey_category": SurveyCategory.TEA, "operator": Operator.RESIDENT,
                 "venue": Venue.HOME, "has_fee": False},
    "かわせ体操クラブ": {"venue": Venue.CARE_SPACE, "has_fee": False, "professionals": True},
}
SURVEY_MONTHS = 4  # months of 参加者実人数 before the current one


async def seed_survey(session: AsyncSession, activities: list[Activity], now: datetime,
                      zone: tzinfo) -> None:
    """Give the demo activities their survey fields and the last months' participants in
    person (more than any one session's headcount: not everyone comes every week); the
    last month of かわせ体操クラブ is left for its organiser to answer."""
    month = previous_month(now.astimezone(zone).date())
    months = [month]
    while len(months) < SURVEY_MONTHS:
        months.append(previous_month(months[-1]))
    for activity in activities:
        if activity.kind is not None and (category := default_category(activity.kind.value)):
            activity.survey_category = category
        for field, value in SURVEY_FIELDS.get(activity.name or "", {}).items():
            setattr(activity, field, value)
        demo = next(d for d in ACTIVITIES if d.name == activity.name)
        if demo.kind is ActivityKind.TRANSPORT:
            continue  # help on the way, not a place: no 実人数
        for age, first in enumerate(months):
            if age == 0 and activity.name == "かわせ体操クラブ":
                continue
            people = demo.usual[1] + 4 - age
            session.add(MonthlyParticipants(
                activity_id=activity.id, month=first, people=people,
                aged_65_plus=None if activity.name == "ひかり茶話会" else people - 3,
                reported_by_id=activity.organiser_id,
                reported_at=min(now, datetime.combine(first, time(12), tzinfo=zone)
                                + timedelta(days=33))))
    await session.flush()
