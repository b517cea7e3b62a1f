"""People: found by Telegram id, created once, language stored, roles granted once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Area, AreaLevel, Person, Role, RoleGrant
from models.people import ensure_person, find_person, set_language
from models.roles import grant_role


async def test_a_person_is_created_once_and_keeps_their_language(session: AsyncSession) -> None:
    assert await find_person(session, 5001) is None
    first = await ensure_person(session, 5001)
    again = await ensure_person(session, 5001)
    assert first.id == again.id
    await set_language(session, 5001, "en")
    await session.commit()
    found = await find_person(session, 5001)
    assert found is not None
    assert found.language == "en"
    assert found.created_at.tzinfo is not None
    assert await session.scalar(select(func.count()).select_from(Person)) == 1


async def test_role_grants_are_not_duplicated(session: AsyncSession) -> None:
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    person = await ensure_person(session, 5002)
    await grant_role(session, person, Role.SUPPORTER, city.id)
    await grant_role(session, person, Role.SUPPORTER, city.id)
    await session.commit()
    assert await session.scalar(select(func.count()).select_from(RoleGrant)) == 1
