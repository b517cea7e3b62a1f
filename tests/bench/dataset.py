"""Generated data for the benchmarks: a city of districts, residents, activities, meetings.

Not a test module (pytest collects only ``test_*.py``); the benchmarks import it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import CHANNEL
from models import Activity, Area, Identity, Meeting, Person, Role, RoleGrant
from models.activities import ActivityKind, ActivityStatus
from models.areas import AreaLevel, GroupChat
from models.clock import utcnow
from models.db import upgrade
from models.meetings import MeetingKind, MeetingStatus
from models.schedule import Frequency, Schedule

TOKYO = ZoneInfo("Asia/Tokyo")
FIRST_PERSON = 5_000_000
GROUP_CHAT = -1009_000_000


@dataclass
class City:
    """What was generated: ids the benchmarks need."""

    districts: list[int]
    people: list[int]  # Telegram ids of residents
    coordinator: int
    meeting_ids: list[int] = field(default_factory=list)


@contextmanager
def bench_database(kind: str, folder: Path) -> Iterator[str]:
    """Yield the URL of a fresh, migrated database ("sqlite" or "postgresql"), dropped after.

    PostgreSQL: the server in ``OTAGAI_BENCH_DATABASE_URL`` (default the local test server).
    """
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        yield url
        return
    server = make_url(os.environ.get("OTAGAI_BENCH_DATABASE_URL",
                                     "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    name = f"otagai_bench_{uuid.uuid4().hex[:10]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(host=server.host, port=server.port or 5432,
                                           user=server.username, password=server.password,
                                           database=server.database)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = server.set(drivername="postgresql+asyncpg", database=name).render_as_string(
        hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def generate(engine: AsyncEngine, *, residents: int, activities: int, districts: int = 36,
                   meetings_per_district: int = 2) -> City:
    """Fill an empty database with a city; return its ids.

    Everything is dated a month back: the residents registered before this week's check-in
    time, so the check-in job asks them (nobody is asked for a time before they registered).
    """
    now = utcnow() - timedelta(days=30)
    async with engine.begin() as connection:
        city_id = (await connection.execute(insert(Area).values(
            name="ベンチ市", level=AreaLevel.MUNICIPALITY, created_at=now).returning(Area.id)
        )).scalar_one()
        district_ids = list((await connection.execute(insert(Area).returning(Area.id), [
            {"name": f"第{n + 1}地区", "level": AreaLevel.DISTRICT, "parent_id": city_id,
             "created_at": now} for n in range(districts)])).scalars())
        coordinator = FIRST_PERSON - 1
        telegram_ids = [FIRST_PERSON + n for n in range(residents)]
        everyone = [coordinator, *telegram_ids]
        rows = [{"display_name": f"住民{tid}", "active": True,
                 "district_id": district_ids[n % districts], "consented_at": now,
                 "consent_version": "bench", "quiet_from": 0, "quiet_until": 0,
                 "created_at": now} for n, tid in enumerate(everyone)]
        person_ids: list[int] = []
        for start in range(0, len(rows), 5000):
            person_ids += list((await connection.execute(
                insert(Person).returning(Person.id, sort_by_parameter_order=True),
                rows[start:start + 5000])).scalars())
        identities = [{"channel": CHANNEL, "external_id": str(tid), "person_id": pid,
                       "created_at": now} for tid, pid in zip(everyone, person_ids, strict=True)]
        for start in range(0, len(identities), 5000):
            await connection.execute(insert(Identity), identities[start:start + 5000])
        grants = [{"person_id": pid, "role": Role.RESIDENT, "area_id": row["district_id"],
                   "created_at": now} for pid, row in zip(person_ids, rows, strict=True)]
        grants.append({"person_id": person_ids[0], "role": Role.DISTRICT_COORDINATOR,
                       "area_id": district_ids[0], "created_at": now})
        for start in range(0, len(grants), 5000):
            await connection.execute(insert(RoleGrant), grants[start:start + 5000])
        kinds = list(ActivityKind)
        schedule = Schedule(frequency=Frequency.WEEKLY, start=time(10),
                            end=time(11, 30), weekdays=(1,)).to_json()
        await connection.execute(insert(Activity), [
            {"name": f"ふれあいサロン{n + 1}", "kind": kinds[n % len(kinds)],
             "meanings": [], "district_id": district_ids[n % districts],
             "place": "公民館", "schedule": schedule,
             "organiser_id": person_ids[1 + n % (len(person_ids) - 1)],
             "status": ActivityStatus.ACTIVE, "created_at": now} for n in range(activities)])
        day = utcnow().astimezone(TOKYO).date() + timedelta(days=10)
        starts = datetime.combine(day, time(14), tzinfo=TOKYO)
        meeting_ids = list((await connection.execute(insert(Meeting).returning(Meeting.id), [
            {"kind": MeetingKind.CARE_MEETING, "title": f"ご近所ケア会議{d}-{k}",
             "area_id": district_id, "starts_at": starts + timedelta(days=k),
             "ends_at": starts + timedelta(days=k, minutes=90), "place": "公民館",
             "capacity": 100_000, "open": True, "organiser_id": person_ids[0],
             "status": MeetingStatus.SCHEDULED, "created_at": now}
            for d, district_id in enumerate(district_ids)
            for k in range(meetings_per_district)])).scalars())
        group_id = (await connection.execute(insert(GroupChat).values(
            title="ベンチ地区 ご近所ネット", district_id=district_ids[0], active=True,
            created_at=now).returning(GroupChat.id))).scalar_one()
        await connection.execute(insert(Identity).values(
            channel=CHANNEL, external_id=str(GROUP_CHAT), group_id=group_id, created_at=now))
    return City(district_ids, telegram_ids, coordinator, meeting_ids)


def monday_ten(today: date | None = None) -> datetime:
    """Return the latest Monday 10:00 in Tokyo (the default check-in time) before now."""
    local = utcnow().astimezone(TOKYO)
    day = local.date() - timedelta(days=local.weekday())
    moment = datetime.combine(day, time(10), tzinfo=TOKYO)
    return moment if moment <= local else moment - timedelta(days=7)
