"""Participants in person per month (``models/participants.py``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import CHANNEL
from models import Activity, ActivityStatus, Area, AreaLevel, clock
from models.participants import MAX_PEOPLE, between, of_month, record
from models.people import ensure_person


async def _places(session: AsyncSession) -> tuple[Activity, Activity]:
    city = Area(name="テスト市", level=AreaLevel.MUNICIPALITY)
    session.add(city)
    await session.flush()
    east = Area(name="東地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    west = Area(name="西地区", level=AreaLevel.DISTRICT, parent_id=city.id)
    session.add_all([east, west])
    await session.flush()
    salon = Activity(name="東サロン", district_id=east.id, status=ActivityStatus.ACTIVE)
    exercise = Activity(name="西体操", district_id=west.id, status=ActivityStatus.ACTIVE)
    session.add_all([salon, exercise])
    await session.flush()
    return salon, exercise


async def test_one_number_per_activity_and_month_corrected_in_place(
        session: AsyncSession) -> None:
    clock.travel(datetime(2027, 3, 31, 3, 0, tzinfo=UTC))
    salon, exercise = await _places(session)
    organiser = await ensure_person(session, CHANNEL, 501)
    await record(session, salon.id, date(2027, 3, 20), 12, reporter_id=organiser.id)
    await record(session, salon.id, date(2027, 3, 1), 14, reporter_id=organiser.id,
                 aged_65_plus=11)
    await record(session, exercise.id, date(2027, 2, 5), 9, reporter_id=None)

    march = await of_month(session, date(2027, 3, 15))
    assert {activity: (row.people, row.aged_65_plus) for activity, row in march.items()} == {
        salon.id: (14, 11)}
    assert march[salon.id].reported_at.date() == date(2027, 3, 31)
    west_only = await of_month(session, date(2027, 2, 1), district_ids=[exercise.district_id])
    assert [row.people for row in west_only.values()] == [9]
    assert await of_month(session, date(2027, 2, 1), district_ids=[salon.district_id]) == {}
    rows = await between(session, date(2027, 2, 1), date(2027, 3, 31))
    assert [(row.month, row.people) for row in rows] == [
        (date(2027, 2, 1), 9), (date(2027, 3, 1), 14)]


@pytest.mark.parametrize(("people", "aged"), [(-1, None), (MAX_PEOPLE + 1, None), (5, 6),
                                              (5, -1)])
async def test_impossible_counts_are_refused(session: AsyncSession, people: int,
                                             aged: int | None) -> None:
    salon, _exercise = await _places(session)
    with pytest.raises(ValueError, match="not a count"):
        await record(session, salon.id, date(2027, 3, 1), people, reporter_id=None,
                     aged_65_plus=aged)
    assert await of_month(session, date(2027, 3, 1)) == {}
