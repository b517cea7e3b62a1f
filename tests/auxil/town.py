"""A small town for tests: a municipality, two districts, and people registered through the bot."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import CHANNEL
from bot.sandbox import SandboxClient
from models import Area, Person, Role
from models.areas import get_or_create_area
from models.clock import utcnow
from models.db import session_factory
from models.people import ensure_person, give_consent
from models.roles import grant_role
from tests.auxil.people import add_telegram_people

MUNICIPALITY = "テスト市"
EAST, WEST = "東地区", "西地区"


@dataclass
class Town:
    """Ids of the test town's areas."""

    city: Area
    east: Area
    west: Area


async def make_town(engine: AsyncEngine) -> Town:
    """Create テスト市 with 東地区 and 西地区."""
    async with session_factory(engine)() as session, session.begin():
        city, _ = await get_or_create_area(session, MUNICIPALITY)
        east, _ = await get_or_create_area(session, MUNICIPALITY, EAST)
        west, _ = await get_or_create_area(session, MUNICIPALITY, WEST)
    return Town(city, east, west)


async def add_person(
    engine: AsyncEngine, telegram_id: int, name: str, district: Area,
    roles: tuple[tuple[Role, Area | None], ...] = (),
) -> None:
    """Register a person directly in the database (for tests about what comes after)."""
    async with session_factory(engine)() as session, session.begin():
        person = await ensure_person(session, CHANNEL, telegram_id)
        person.quiet_from = person.quiet_until = 0  # no quiet hours: tests run at any hour
        await give_consent(session, person, district_id=district.id, display_name=name)
        await grant_role(session, person, Role.RESIDENT, district.id)
        for role, area in roles:
            await grant_role(session, person, role, area.id if area else None)


async def sign_up(sb: SandboxClient, user_id: int, district: str) -> dict:
    """Walk the onboarding as a person would: /start, tap the district, tap 同意する."""
    sent = await sb.send_text(user_id, "/start")
    question = (await sb.wait_for_messages(user_id, after=sent["message_id"], count=2))[-1]
    await sb.press(user_id, question, text=district)
    consent = await sb.wait_for_edit(user_id, question["message_id"])
    await sb.press(user_id, consent, text="同意する")
    return await sb.wait_for_edit(user_id, question["message_id"])


async def settle(sb: SandboxClient) -> None:
    """Return once every update sent so far has been handled and committed.

    The bot handles updates one at a time, so the answer to a fresh person's /help comes
    only after the earlier updates' transactions are done.
    """
    marker = await sb.create_user(first_name="marker")
    sent = await sb.send_text(marker["id"], "/help")
    await sb.wait_for_message(marker["id"], after=sent["message_id"])


async def new_group(sb: SandboxClient, title: str, members: dict[int, str]) -> dict:
    """Create a group with the bot in it; return it once the bot has introduced itself and
    recorded the group."""
    group = await sb.create_group(title, members=members)
    await sb.wait_for_message(group["id"], after=0)
    await settle(sb)
    return group


async def add_residents(engine: AsyncEngine, district: Area, telegram_ids: list[int]) -> None:
    """Register many consenting residents of ``district`` at once (for delivery tests)."""
    async with session_factory(engine)() as session, session.begin():
        await add_telegram_people(session, {
            telegram_id: Person(display_name=f"住民{telegram_id}",
                                district_id=district.id, consented_at=utcnow(),
                                consent_version="test",
                                quiet_from=0, quiet_until=0)  # tests run at any hour
            for telegram_id in telegram_ids})
