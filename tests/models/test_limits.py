"""Limits per person (``models/limits.py``): what one person can make others receive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import CHANNEL
from models import (
    Activity,
    ActivityStatus,
    Area,
    AreaLevel,
    Need,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    clock,
)
from models.limits import (
    COMBINED_NOTICE_DELAY,
    NEED_WINDOW,
    NEEDS_ONE_BY_ONE,
    PROPOSALS_WAITING,
    may_propose,
    proposals_waiting,
)
from models.needs import Category, raise_need, start_need, toggle_category
from models.outbox import enqueue_once
from models.people import ensure_person, give_consent
from models.roles import grant_role
from scheduler.needs import resend_untaken, tell_coordinators
from tests.auxil.notices import words_of

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
TOKYO_ZONE = UTC  # the zone of the texts does not matter here


async def _town(session: AsyncSession) -> tuple[Area, Area]:
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    east = Area(name="東地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    session.add(east)
    await session.flush()
    return city, east


async def _person(session: AsyncSession, telegram_id: int, area: Area, *roles: Role
                  ) -> Person:
    person = await ensure_person(session, CHANNEL, telegram_id)
    await give_consent(session, person, district_id=area.id if area.parent_id else None,
                       display_name=f"人{telegram_id}")
    for role in roles:
        await grant_role(session, person, role, area.id)
    return person


async def _raise(session: AsyncSession, resident: Person) -> Need:
    need = await start_need(session, resident, None)
    toggle_category(need, Category.SHOPPING)
    assert raise_need(need, clock.utcnow())
    await session.flush()
    await tell_coordinators(session, need)
    return need


async def _to(session: AsyncSession, person: Person) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage).where(
        OutboxMessage.person_id == person.id).order_by(OutboxMessage.id)))


async def test_twenty_five_needs_in_a_row_reach_the_coordinator_as_three_and_one_combined(
    session: AsyncSession
) -> None:
    clock.travel(NOW)
    _city, east = await _town(session)
    coordinator = await _person(session, 1, east, Role.DISTRICT_COORDINATOR)
    resident = await _person(session, 2, east, Role.RESIDENT)
    for _ in range(25):
        await _raise(session, resident)
        clock.advance(timedelta(seconds=20))
    await session.commit()

    told = await _to(session, coordinator)
    assert len(told) == NEEDS_ONE_BY_ONE + 1
    assert all(m.idempotency_key.endswith(f":new:{coordinator.id}") for m in told[:-1])
    combined = told[-1]
    assert combined.idempotency_key.startswith(f"need:more:{resident.id}:")
    assert "25件" in words_of(combined)  # the later needs joined it while it waited
    assert combined.due_at > told[-2].due_at + COMBINED_NOTICE_DELAY / 2
    assert await session.scalar(select(func.count()).select_from(Need)) == 25  # none lost


async def test_a_combined_notice_already_sent_is_not_sent_again_within_the_day(
    session: AsyncSession
) -> None:
    clock.travel(NOW)
    _city, east = await _town(session)
    coordinator = await _person(session, 1, east, Role.DISTRICT_COORDINATOR)
    resident = await _person(session, 2, east, Role.RESIDENT)
    for _ in range(NEEDS_ONE_BY_ONE + 1):
        await _raise(session, resident)
    (await _to(session, coordinator))[-1].status = OutboxStatus.SENT
    await session.flush()
    for _ in range(10):
        await _raise(session, resident)
    assert len(await _to(session, coordinator)) == NEEDS_ONE_BY_ONE + 1

    clock.advance(NEED_WINDOW + timedelta(minutes=1))  # a day later: one by one again
    await _raise(session, resident)
    told = await _to(session, coordinator)
    assert len(told) == NEEDS_ONE_BY_ONE + 2
    assert told[-1].idempotency_key.endswith(":new:" + str(coordinator.id))


async def test_needs_nobody_took_go_to_the_city_once_each_then_combined(
    session: AsyncSession
) -> None:
    clock.travel(NOW)
    city, east = await _town(session)
    district = await _person(session, 1, east, Role.DISTRICT_COORDINATOR)
    municipal = await _person(session, 3, city, Role.MUNICIPAL_COORDINATOR)
    resident = await _person(session, 2, east, Role.RESIDENT)
    for _ in range(25):
        await _raise(session, resident)
    await session.commit()

    later = NOW + timedelta(hours=25)
    clock.travel(later)
    assert await resend_untaken(session, later, timedelta(hours=24)) == 25
    await session.commit()
    again = [m for m in await _to(session, district) if ":again:" in m.idempotency_key
             or m.idempotency_key.startswith("need:more-again:")]
    assert len(again) == NEEDS_ONE_BY_ONE + 1
    city_told = await _to(session, municipal)
    assert len(city_told) == NEEDS_ONE_BY_ONE + 1
    assert "25件" in words_of(city_told[-1])
    assert all(n.resent_at is not None for n in await session.scalars(select(Need)))


async def test_at_most_three_proposals_wait_for_review(session: AsyncSession) -> None:
    _city, east = await _town(session)
    person = await _person(session, 2, east, Role.RESIDENT)

    def activity(status: ActivityStatus) -> Activity:
        return Activity(name="会", organiser_id=person.id, district_id=east.id, meanings=[],
                        status=status)

    session.add_all([activity(ActivityStatus.DRAFT), activity(ActivityStatus.ACTIVE),
                     activity(ActivityStatus.REJECTED)])
    waiting = [activity(ActivityStatus.PROPOSED) for _ in range(PROPOSALS_WAITING)]
    session.add_all(waiting[:-1])
    await session.flush()
    assert await may_propose(session, person.id)  # drafts and reviewed ones do not count
    session.add(waiting[-1])
    await session.flush()
    assert await proposals_waiting(session, person.id) == PROPOSALS_WAITING
    assert not await may_propose(session, person.id)
    waiting[0].status = ActivityStatus.ACTIVE  # a coordinator reviewed one
    await session.flush()
    assert await may_propose(session, person.id)


async def test_a_message_with_a_key_already_queued_is_queued_once(session: AsyncSession
                                                                  ) -> None:
    person = await ensure_person(session, CHANNEL, 10)
    first = await enqueue_once(session, key="meeting-full:1:2", person_id=person.id,
                               text="満席です")
    second = await enqueue_once(session, key="meeting-full:1:2", person_id=person.id,
                                text="満席です")
    await session.commit()
    assert (first, second) == (True, False)
    assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
