"""People: found by their identity on a channel, created once, language stored, roles granted
once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import CHANNEL
from models import Area, AreaLevel, Identity, Person, Role, RoleGrant
from models.identities import add_person_identity, address_of_person, identities_of
from models.people import (
    describe,
    ensure_person,
    find_person,
    person_and_address,
    set_language,
)
from models.roles import grant_role


async def test_a_person_is_created_once_and_keeps_their_language(session: AsyncSession) -> None:
    assert await find_person(session, CHANNEL, 5001) is None
    first = await ensure_person(session, CHANNEL, 5001)
    again = await ensure_person(session, CHANNEL, 5001)
    assert first.id == again.id
    set_language(again, "en")
    await session.commit()
    found = await find_person(session, CHANNEL, 5001)
    assert found is not None
    assert found.language == "en"
    assert found.created_at.tzinfo is not None
    assert await session.scalar(select(func.count()).select_from(Person)) == 1
    assert await session.scalar(select(func.count()).select_from(Identity)) == 1


async def test_role_grants_are_not_duplicated(session: AsyncSession) -> None:
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    person = await ensure_person(session, CHANNEL, 5002)
    await grant_role(session, person, Role.SUPPORTER, city.id)
    await grant_role(session, person, Role.SUPPORTER, city.id)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(RoleGrant)) == 1


async def test_one_person_has_one_identity_per_channel_and_is_found_only_through_it(
        session: AsyncSession) -> None:
    first = await ensure_person(session, CHANNEL, 5003)
    again = await ensure_person(session, CHANNEL, "5003")  # Telegram's ids kept as decimals
    assert first.id == again.id
    assert [(i.channel, i.external_id) for i in await identities_of(session, first.id)] == [
        (CHANNEL, "5003")]
    # A second channel knows her by its own id: both point to the one person.
    add_person_identity(session, "line", "U4af4980629", first.id)
    await session.commit()
    on_line = await find_person(session, "line", "U4af4980629")
    assert on_line is not None
    assert on_line.id == first.id
    assert await ensure_person(session, "line", "U4af4980629") is on_line
    assert await session.scalar(select(func.count()).select_from(Person)) == 1
    assert await address_of_person(session, CHANNEL, first.id) == "5003"
    assert await address_of_person(session, "line", first.id) == "U4af4980629"
    assert (await describe(session, first))["identities"] == [
        {"channel": CHANNEL, "id": "5003"}, {"channel": "line", "id": "U4af4980629"}]
    # One channel's id means nothing on another: the same digits on LINE are nobody yet.
    assert await find_person(session, "line", 5003) is None
    assert await find_person(session, CHANNEL, "U4af4980629") is None
    assert await find_person(session, "other", 5003) is None
    someone_else = await ensure_person(session, "line", 5003)
    assert someone_else.id != first.id
    assert await session.scalar(select(func.count()).select_from(Person)) == 2


async def test_a_person_is_read_with_their_address_on_one_channel(session: AsyncSession) -> None:
    hanako = await ensure_person(session, CHANNEL, 5101)
    add_person_identity(session, "line", "U5101", hanako.id)
    yoshiko = await ensure_person(session, "line", "U5102")
    await session.flush()
    assert await person_and_address(session, CHANNEL, hanako.id) == (hanako, "5101")
    assert await person_and_address(session, "line", hanako.id) == (hanako, "U5101")
    assert await person_and_address(session, CHANNEL, yoshiko.id) == (yoshiko, None)
    assert await person_and_address(session, CHANNEL, yoshiko.id + 1000) == (None, None)
