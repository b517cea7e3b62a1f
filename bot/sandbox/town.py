"""The fictional town the sandbox starts with: demo data, safe to show anyone.

こもれび市 has three districts, a council, five personas (one per role) and a group chat
linked to みどり地区. Seeding is idempotent: a restarted sandbox keeps what people stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import ensure_person_of, person_of, track
from bot.sandbox import SandboxServer
from bot.sandbox.history import FIRST_RESIDENT, RESIDENTS, seed_history
from handlers.invites import ROLE_LABELS
from locales.i18n import plain, use_language
from models import (
    Area,
    Category,
    Council,
    DistrictPopulation,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Role,
    SupportOffer,
)
from models.areas import create_council, get_or_create_area
from models.clock import utcnow
from models.db import create_engine, session_factory
from models.meetings import join
from models.needs import offer_of, toggle_offer
from models.people import give_consent
from models.roles import grant_role

SANDBOX_TOKEN = "7000000001:sandbox"

MUNICIPALITY = "こもれび市"
DISTRICTS = ("みどり地区", "ひかり地区", "かわせ地区")
HOME_DISTRICT = DISTRICTS[0]
COUNCIL = "みどり地区 支え合い協議体"


@dataclass(frozen=True)
class Persona:
    """A simulated person in the sandbox and the role they hold in the town."""

    telegram_id: int
    first_name: str
    last_name: str
    role: Role
    district: str | None  # None: the whole municipality


PERSONAS = (
    Persona(1001, "花子", "佐藤", Role.RESIDENT, HOME_DISTRICT),
    Persona(1002, "一郎", "鈴木", Role.SUPPORTER, HOME_DISTRICT),
    Persona(1003, "美香", "田中", Role.DISTRICT_COORDINATOR, HOME_DISTRICT),
    Persona(1004, "健", "高橋", Role.MUNICIPAL_COORDINATOR, None),
    Persona(1005, "和子", "伊藤", Role.COUNCIL_MEMBER, HOME_DISTRICT),
)

MEETING_TITLE = "みどり地区 ご近所ケア会議"
MEETING_PLACE = "みどり公民館 2階"

GROUP_CHAT_ID = -1001000000001
GROUP_TITLE = "みどり地区 ご近所ネット"


async def seed_database(database_url: str, now: datetime | None = None,
                        zone: str = "Asia/Tokyo") -> None:
    """Create the town's areas, council, personas' consent and roles, the group link, and
    several weeks of demo history up to ``now``.

    佐藤花子 (the resident) is left new, so a visitor can walk the onboarding from the group.
    """
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            city, _ = await get_or_create_area(session, MUNICIPALITY)
            areas = {None: city}
            for name in DISTRICTS:
                areas[name], _ = await get_or_create_area(session, MUNICIPALITY, name)
            home = areas[HOME_DISTRICT]
            if await session.scalar(select(Council).where(Council.name == COUNCIL)) is None:
                await create_council(session, COUNCIL, home)
            for persona in PERSONAS:
                person = await ensure_person_of(session, persona.telegram_id)
                if persona.role is Role.RESIDENT:
                    continue
                if not person.has_consented:
                    await give_consent(session, person, district_id=home.id,
                                       display_name=f"{persona.last_name} {persona.first_name}")
                await grant_role(session, person, persona.role, areas[persona.district].id)
            group = await track(session, GROUP_CHAT_ID, GROUP_TITLE, present=True)
            if group.district_id is None:
                group.district_id = home.id
            await _seed_meeting(session, home)
            await _seed_offer(session)
            organiser = await ensure_person_of(session, PERSONAS[1].telegram_id)
            await seed_history(session, [areas[name] for name in DISTRICTS], organiser,
                               now or utcnow(), ZoneInfo(zone))
            await _seed_population(session, [areas[name] for name in DISTRICTS],
                                   (now or utcnow()).astimezone(ZoneInfo(zone)).date())
    finally:
        await engine.dispose()


# People aged 65+, 75+ and certified for care in each district (fictional, of a city's size).
POPULATION = ((2400, 1300, 480), (1900, 1000, 390), (2800, 1600, 610))


async def _seed_population(session: AsyncSession, districts: list[Area], today: date) -> None:
    """Each district's population on 1 April of the fiscal year (for the indicators' rates)."""
    if await session.scalar(select(DistrictPopulation.id).limit(1)) is not None:
        return
    as_of = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    for district, (aged_65, aged_75, certified) in zip(districts, POPULATION, strict=True):
        session.add(DistrictPopulation(district_id=district.id, as_of=as_of,
                                       aged_65_plus=aged_65, aged_75_plus=aged_75,
                                       certified=certified))


async def _seed_meeting(session: AsyncSession, home: Area) -> None:
    """A care meeting two weeks ahead, organised by 美香, with 一郎 signed up."""
    if await session.scalar(select(Meeting.id).where(Meeting.title == MEETING_TITLE)):
        return
    organiser = await person_of(session, PERSONAS[2].telegram_id)
    supporter = await person_of(session, PERSONAS[1].telegram_id)
    tokyo = ZoneInfo("Asia/Tokyo")
    day = utcnow().astimezone(tokyo).date() + timedelta(days=14)
    starts = datetime(day.year, day.month, day.day, 14, 0, tzinfo=tokyo)
    meeting = Meeting(kind=MeetingKind.CARE_MEETING, title=MEETING_TITLE, area_id=home.id,
                      starts_at=starts, ends_at=starts + timedelta(minutes=90),
                      place=MEETING_PLACE, capacity=10, open=True,
                      organiser_id=organiser.id if organiser else None,
                      status=MeetingStatus.SCHEDULED, lock_version=0, walk_ins=0,
                      description="ご近所の心配ごとを、みんなで話し合います。")
    session.add(meeting)
    await session.flush()
    if supporter is not None:
        await join(session, meeting.id, supporter.id, utcnow())


async def _seed_offer(session: AsyncSession) -> None:
    """一郎 offers help with shopping and rubbish, so a coordinator has someone to ask."""
    supporter = await person_of(session, PERSONAS[1].telegram_id)
    if supporter is None or await session.get(SupportOffer, supporter.id) is not None:
        return
    offer = await offer_of(session, supporter)
    for category in (Category.SHOPPING, Category.RUBBISH):
        toggle_offer(offer, category)


def seed_sandbox(server: SandboxServer) -> None:
    """Make the personas and their group chat exist in the emulator."""
    with use_language("ja"):
        for persona in PERSONAS:
            # started: as if each persona had opened the bot once, so it may write first.
            caption = plain("sandbox.caption", role=plain(ROLE_LABELS[persona.role]),
                            area=persona.district or MUNICIPALITY)
            server.ensure_user(persona.telegram_id, persona.first_name, persona.last_name,
                               language_code="ja", started=True, caption=caption, folded=False)
        # The residents of the demo history are there for the figures: folded away.
        for index, (name, district) in enumerate(RESIDENTS):
            last, first = name.split()
            server.ensure_user(FIRST_RESIDENT + index, first, last, language_code="ja",
                               started=True, folded=True,
                               caption=plain("sandbox.caption_history",
                                             area=DISTRICTS[district]))
    members = {p.telegram_id: "member" for p in PERSONAS}
    members[PERSONAS[2].telegram_id] = "creator"  # the district coordinator runs the group
    server.ensure_group(GROUP_CHAT_ID, GROUP_TITLE, members, bot_status="administrator")


async def seed_town(database_url: str, server: SandboxServer) -> None:
    """Seed the database and the emulator with the demo town."""
    await seed_database(database_url)
    seed_sandbox(server)
