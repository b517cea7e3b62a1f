"""The quarterly outcome indicators reach each council through the outbox, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Council, OutboxMessage, Person, ReportRun, Role, RoleGrant
from models.clock import travel
from models.db import session_factory
from scheduler.outcome_delivery import send_quarterly_reports
from tests.auxil.indicators import NOW, TOKYO, seed_indicators

DUE = datetime(2027, 1, 10, 8, tzinfo=TOKYO)  # the 10th after the quarter, at 08:00


async def _send(engine: AsyncEngine, now: datetime) -> int:
    travel(now)
    async with session_factory(engine)() as session, session.begin():
        return await send_quarterly_reports(session, now, TOKYO, hour=8, threshold=3)


async def test_each_council_gets_its_report_once_after_the_quarter(
        engine: AsyncEngine) -> None:
    seeded = await seed_indicators(engine)
    town, people = seeded.town, seeded.people
    async with session_factory(engine)() as session, session.begin():
        session.add_all([
            RoleGrant(person_id=people["S1"], role=Role.COUNCIL_MEMBER, area_id=town.city.id),
            RoleGrant(person_id=people["S2"], role=Role.MUNICIPAL_COORDINATOR,
                      area_id=town.city.id),
            RoleGrant(person_id=people["E1"], role=Role.COUNCIL_MEMBER, area_id=town.east.id)])
    assert await _send(engine, DUE - timedelta(minutes=1)) == 0
    assert await _send(engine, NOW) == 2  # the city's council and 東地区's
    assert await _send(engine, NOW + timedelta(hours=1)) == 0
    assert await _send(engine, NOW + timedelta(days=30)) == 0  # still Q3: done
    async with session_factory(engine)() as session:
        rows = {m.idempotency_key: m for m in await session.scalars(select(OutboxMessage))}
        runs = list(await session.scalars(select(ReportRun)))
        reader = {key: (await session.get(Person, people[key])).id  # type: ignore[union-attr]  # seeded
                  for key in ("S1", "S2", "E1")}
    assert sorted((r.period, r.recipients) for r in runs) == [("2026-Q3", 1), ("2026-Q3", 2)]
    assert len(rows) == 6  # text and workbook to three readers
    city, east = seeded.city_council, seeded.east_council
    member = rows[f"report:{city}:2026-Q3:{people['S1']}:text"]
    coordinator = rows[f"report:{city}:2026-Q3:{people['S2']}:text"]
    district = rows[f"report:{east}:2026-Q3:{people['E1']}:text"]
    assert (member.person_id, coordinator.person_id, district.person_id) == (
        reader["S1"], reader["S2"], reader["E1"])
    assert "・手伝いをした担い手: 3件未満" in member.text
    assert "・手伝いをした担い手: 2 " in coordinator.text
    assert "成果指標 東地区 2026年度 第3四半期" in district.text
    assert "・困りごとの相談: 3件以上" in district.text  # 5, hidden with 西地区's 2
    workbook = rows[f"report:{city}:2026-Q3:{people['S1']}:xlsx"]
    assert workbook.attachment_name == f"report-{town.city.id}-2026-Q3.xlsx"
    assert workbook.attachment is not None
    assert workbook.attachment.startswith(b"PK")


async def test_a_council_set_up_after_the_quarter_gets_no_report_of_it(
        engine: AsyncEngine) -> None:
    # A new deployment (or a council added later) does not get a report of a quarter that was
    # over before it existed (walking the sandbox, its councils got last quarter's at start).
    seeded = await seed_indicators(engine)
    async with session_factory(engine)() as session, session.begin():
        for council in await session.scalars(select(Council)):
            council.created_at = datetime(2027, 1, 5, 9, tzinfo=TOKYO)  # after 31 December
        session.add(RoleGrant(person_id=seeded.people["E1"], role=Role.COUNCIL_MEMBER,
                              area_id=seeded.town.east.id))
    assert await _send(engine, NOW) == 0
    async with session_factory(engine)() as session:
        assert list(await session.scalars(select(OutboxMessage))) == []
