"""The fictional town the sandbox starts with: demo data, safe to show anyone.

こもれび市 has three districts, a council, five personas (one per role) and a group chat
linked to みどり地区. Seeding is idempotent: a restarted sandbox keeps what people stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.sandbox import SandboxServer
from models import Area, AreaLevel, Council, GroupChat, Role
from models.areas import find_area
from models.db import create_engine, session_factory
from models.people import ensure_person, grant_role

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

GROUP_CHAT_ID = -1001000000001
GROUP_TITLE = "みどり地区 ご近所ネット"


async def seed_database(database_url: str) -> None:
    """Create the town's areas, council, personas' roles and group link if missing."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            city = await find_area(session, MUNICIPALITY)
            if city is None:
                city = Area(name=MUNICIPALITY, level=AreaLevel.MUNICIPALITY)
                session.add(city)
                await session.flush()
            districts: dict[str, Area] = {}
            for name in DISTRICTS:
                district = await find_area(session, name, parent=city)
                if district is None:
                    district = Area(name=name, level=AreaLevel.DISTRICT, parent_id=city.id)
                    session.add(district)
                    await session.flush()
                districts[name] = district
            home = districts[HOME_DISTRICT]
            council = await session.scalar(select(Council).where(Council.name == COUNCIL))
            if council is None:
                session.add(Council(name=COUNCIL, area_id=home.id))
            for persona in PERSONAS:
                person = await ensure_person(session, persona.telegram_id)
                area = districts[persona.district] if persona.district else city
                await grant_role(session, person, persona.role, area.id)
            group = await session.scalar(
                select(GroupChat).where(GroupChat.telegram_chat_id == GROUP_CHAT_ID)
            )
            if group is None:
                session.add(GroupChat(telegram_chat_id=GROUP_CHAT_ID, title=GROUP_TITLE,
                                      district_id=home.id))
    finally:
        await engine.dispose()


def seed_sandbox(server: SandboxServer) -> None:
    """Make the personas and their group chat exist in the emulator."""
    for persona in PERSONAS:
        # started: as if each persona had opened the bot once, so it may write to them first.
        server.ensure_user(persona.telegram_id, persona.first_name, persona.last_name,
                           language_code="ja", started=True)
    members = {p.telegram_id: "member" for p in PERSONAS}
    members[PERSONAS[2].telegram_id] = "creator"  # the district coordinator runs the group
    server.ensure_group(GROUP_CHAT_ID, GROUP_TITLE, members, bot_status="administrator")


async def seed_town(database_url: str, server: SandboxServer) -> None:
    """Seed the database and the emulator with the demo town."""
    await seed_database(database_url)
    seed_sandbox(server)
