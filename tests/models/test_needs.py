"""Needs in the database: one coordinator wins, candidates fit, old needs are deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.identity import CHANNEL
from models import Area, AreaLevel, Need, NeedNote, Person, Role
from models.db import session_factory
from models.erasure import withdraw_consent
from models.needs import (
    Category,
    NeedProblem,
    NeedStatus,
    add_note,
    candidates_for,
    finish,
    forget_old_needs,
    offer_of,
    raise_need,
    start_need,
    take,
    toggle_category,
    toggle_offer,
)
from models.people import ensure_person, give_consent
from models.roles import grant_role

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


async def _town(session: AsyncSession) -> tuple[Area, Area]:
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    east = Area(name="東地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    west = Area(name="西地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    session.add_all([east, west])
    await session.flush()
    return east, west


async def _person(session: AsyncSession, telegram_id: int, district: Area, role: Role) -> Person:
    person = await ensure_person(session, CHANNEL, telegram_id)
    await give_consent(session, person, district_id=district.id, display_name=f"人{telegram_id}")
    await grant_role(session, person, role, district.id)
    return person


async def _need(session: AsyncSession, resident: Person, *categories: Category) -> Need:
    need = await start_need(session, resident, None)
    for category in categories:
        toggle_category(need, category)
    assert raise_need(need, NOW)
    await session.flush()
    return need


async def test_a_draft_without_a_category_is_not_raised(session: AsyncSession) -> None:
    east, _ = await _town(session)
    resident = await _person(session, 1, east, Role.RESIDENT)
    need = await start_need(session, resident, None)
    assert not raise_need(need, NOW)
    toggle_category(need, Category.MEALS)
    toggle_category(need, Category.MEALS)  # chosen, then unchosen
    assert not raise_need(need, NOW)
    assert need.status is NeedStatus.DRAFT


async def test_only_one_coordinator_takes_a_need(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        east, _ = await _town(session)
        resident = await _person(session, 1, east, Role.RESIDENT)
        first = await _person(session, 2, east, Role.DISTRICT_COORDINATOR)
        second = await _person(session, 3, east, Role.DISTRICT_COORDINATOR)
        need_id = (await _need(session, resident, Category.SHOPPING)).id
    async with session_factory(engine)() as one, one.begin():
        need = await one.get(Need, need_id)
        assert need is not None
        assert await take(one, need, first, NOW) is None
    async with session_factory(engine)() as two, two.begin():
        need = await two.get(Need, need_id)
        assert need is not None
        assert await take(two, need, second, NOW) is NeedProblem.TAKEN
        assert need.taken_by_id == first.id
        assert finish(need, second, NeedStatus.RESOLVED, NOW) is None
        assert await take(two, need, second, NOW) is NeedProblem.FINISHED


async def test_candidates_offer_that_help_in_that_district_and_are_not_paused(
    session: AsyncSession,
) -> None:
    east, west = await _town(session)
    resident = await _person(session, 1, east, Role.RESIDENT)
    shopper = await _person(session, 2, east, Role.SUPPORTER)
    cook = await _person(session, 3, east, Role.SUPPORTER)
    paused = await _person(session, 4, east, Role.SUPPORTER)
    far = await _person(session, 5, west, Role.SUPPORTER)
    for supporter, category in ((shopper, Category.SHOPPING), (cook, Category.MEALS),
                                (paused, Category.SHOPPING), (far, Category.SHOPPING)):
        toggle_offer(await offer_of(session, supporter), category)
    (await offer_of(session, paused)).paused = True
    need = await _need(session, resident, Category.SHOPPING, Category.RUBBISH)
    assert [p.id for p in await candidates_for(session, need)] == [shopper.id]


async def test_finished_needs_and_their_notes_are_deleted_after_the_retention_period(
    session: AsyncSession,
) -> None:
    east, _ = await _town(session)
    resident = await _person(session, 1, east, Role.RESIDENT)
    coordinator = await _person(session, 2, east, Role.DISTRICT_COORDINATOR)
    old = await _need(session, resident, Category.SHOPPING)
    add_note(session, old, coordinator, "電話した")
    finish(old, coordinator, NeedStatus.RESOLVED, NOW - timedelta(days=400))
    recent = await _need(session, resident, Category.MEALS)
    finish(recent, coordinator, NeedStatus.CLOSED, NOW - timedelta(days=10))
    still_open = await _need(session, resident, Category.TALK)
    await session.flush()
    assert await forget_old_needs(session, NOW, timedelta(days=365)) == 1
    await session.flush()
    left = {n.id for n in await session.scalars(select(Need))}
    assert left == {recent.id, still_open.id}
    assert await session.scalar(select(func.count()).select_from(NeedNote)) == 0


async def test_withdrawing_consent_deletes_needs_with_their_notes(
    session: AsyncSession,
) -> None:
    east, _ = await _town(session)
    resident = await _person(session, 1, east, Role.RESIDENT)
    coordinator = await _person(session, 2, east, Role.DISTRICT_COORDINATOR)
    need = await _need(session, resident, Category.HEALTH)
    need.note = "膝が痛い"
    add_note(session, need, coordinator, "電話した")
    await session.flush()
    await withdraw_consent(session, resident)
    await session.commit()
    assert (await session.scalars(select(Need))).all() == []
    assert await session.scalar(select(func.count()).select_from(NeedNote)) == 0
