"""A watching alert is resolved once: scope, the race between coordinators."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.identity import CHANNEL
from models import Area, AreaLevel, CheckinRound, Person, Role, WatchAlert
from models.db import session_factory
from models.people import ensure_person, give_consent
from models.permissions import Permissions
from models.roles import grant_role, roles_of
from models.watching import (
    AlertOutcome,
    AlertProblem,
    Resolution,
    alert_to_resolve,
    resolve_alert,
)

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


async def _person(session: AsyncSession, telegram_id: int, district: Area, role: Role | None
                  ) -> Person:
    person = await ensure_person(session, CHANNEL, telegram_id)
    await give_consent(session, person, district_id=district.id, display_name=f"人{telegram_id}")
    if role is not None:
        await grant_role(session, person, role, district.id)
    return person


async def _alert(session: AsyncSession) -> tuple[int, list[Person], Area]:
    """An open alert in the east district; its two coordinators and a west coordinator."""
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    east = Area(name="東地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    west = Area(name="西地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    session.add_all([east, west])
    await session.flush()
    hanako = await _person(session, 1, east, None)
    first = await _person(session, 2, east, Role.DISTRICT_COORDINATOR)
    second = await _person(session, 3, east, Role.DISTRICT_COORDINATOR)
    other = await _person(session, 4, west, Role.DISTRICT_COORDINATOR)
    silent = CheckinRound(person_id=hanako.id, district_id=east.id,
                          asked_at=NOW - timedelta(days=2), scheduled=True, watched=True)
    session.add(silent)
    await session.flush()
    alert = WatchAlert(round_id=silent.id, person_id=hanako.id, district_id=east.id,
                       told=[first.id, second.id])
    session.add(alert)
    await session.flush()
    return alert.id, [first, second, other], east


async def _permissions(session: AsyncSession, person: Person) -> Permissions:
    return Permissions(tuple(await roles_of(session, person.id)))


async def test_only_coordinators_of_the_alerts_area_may_resolve_it(
    session: AsyncSession,
) -> None:
    alert_id, [first, _second, other], _east = await _alert(session)
    assert await alert_to_resolve(session, alert_id + 1, await _permissions(session, first)) \
        is AlertProblem.GONE
    assert await alert_to_resolve(session, alert_id, await _permissions(session, other)) \
        is AlertProblem.NOT_YOURS
    alert = await alert_to_resolve(session, alert_id, await _permissions(session, first))
    assert isinstance(alert, WatchAlert)
    assert alert.id == alert_id
    assert await resolve_alert(session, alert_id + 1, first.id, NOW) is AlertProblem.GONE


async def test_a_resolved_alert_stays_resolved_by_the_first(session: AsyncSession) -> None:
    alert_id, [first, second, _other], _east = await _alert(session)
    done = await resolve_alert(session, alert_id, first.id, NOW)
    assert isinstance(done, Resolution)
    assert (done.outcome, done.resolved_by_id, done.resolved_at) \
        == (AlertOutcome.RESOLVED, first.id, NOW)
    again = await resolve_alert(session, alert_id, second.id, NOW + timedelta(minutes=5))
    assert isinstance(again, Resolution)
    assert (again.outcome, again.resolved_by_id, again.resolved_at) \
        == (AlertOutcome.ALREADY_RESOLVED, first.id, NOW)
    assert (again.alert.resolved_by_id, again.alert.resolved_at) == (first.id, NOW)


async def test_two_coordinators_resolving_at_once_exactly_one_wins(engine: AsyncEngine) -> None:
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        alert_id, [first, second, _other], _east = await _alert(session)

    async def press(coordinator_id: int) -> AlertOutcome:
        async with factory() as session, session.begin():
            done = await resolve_alert(session, alert_id, coordinator_id, NOW)
            assert isinstance(done, Resolution)
            return done.outcome

    outcomes = await asyncio.gather(press(first.id), press(second.id))
    assert sorted(outcomes) == [AlertOutcome.ALREADY_RESOLVED, AlertOutcome.RESOLVED]
    winner = (first.id, second.id)[outcomes.index(AlertOutcome.RESOLVED)]
    async with factory() as session:
        alert = await session.get(WatchAlert, alert_id)
        assert alert is not None
        assert alert.resolved_by_id == winner


@pytest.mark.postgres
async def test_a_resolution_under_way_is_waited_for_by_the_second_coordinator(
    engine: AsyncEngine,
) -> None:
    factory = session_factory(engine)
    async with factory() as session, session.begin():
        alert_id, [first, second, _other], _east = await _alert(session)
    async with factory() as one, factory() as two:
        await one.begin()
        await two.begin()
        for session in (one, two):  # both saw the alert open
            alert = await session.get(WatchAlert, alert_id)
            assert alert is not None
            assert alert.resolved_at is None
        assert isinstance(await resolve_alert(one, alert_id, first.id, NOW), Resolution)

        async def second_press() -> Resolution | AlertProblem:
            return await resolve_alert(two, alert_id, second.id, NOW + timedelta(seconds=1))

        pressed = asyncio.create_task(second_press())
        await asyncio.sleep(0.5)
        assert not pressed.done()  # the row is held by the first resolution
        await one.commit()
        done = await pressed
        assert isinstance(done, Resolution)
        assert (done.outcome, done.resolved_by_id) == (AlertOutcome.ALREADY_RESOLVED, first.id)
        await two.commit()
