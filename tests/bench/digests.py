"""Benchmark 2: every council's weekly digest for a city of 380,000 people.

    python -m tests.bench.digests                      # SQLite, one and three years of history
    python -m tests.bench.digests --database-url postgresql://postgres@127.0.0.1:5432/test

Generates a city (36 districts, 20,000 registered residents, 3,000 supporters, 600
activities, a weekly check-in for every resident and a report for every session, plus needs
and watching alerts) into a fresh database, with the digests' readers: in every district
council eight members and the district's coordinator, in the city's twelve members and two
municipal coordinators, and in every sixth council one member who reads English. Then it
times the weekly job itself (``send_weekly_digests``, Monday morning, in one transaction
with its commit) for each of the last three weeks, the median counting (a job of the week
before runs first, untimed, as in a bot that has been running): claiming, aggregating,
rendering each council's text, chart and workbook for every language and kind of reader it
has, and queueing them to every reader. Aggregation, text, chart and workbook are timed
inside the job; "queue" is the rest (claims, readers, outbox rows, commit). Run once with
one year of history and once with three; neither aggregation nor the whole job may be more
than 20% slower with three. Prints a table and the machine's load average; exits 1 when a
target is missed. Not part of the test suite (the file name does not start with
``test_``).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import platform
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import CHANNEL
from models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Area,
    AreaLevel,
    CheckinRound,
    Council,
    Identity,
    Level,
    Need,
    NeedStatus,
    OutboxMessage,
    Person,
    Role,
    RoleGrant,
    WatchAlert,
)
from models.activities import SessionStatus
from models.db import create_engine, session_factory
from scheduler.digests import delivery
from tests.auxil.database import migrated_database

TOKYO = ZoneInfo("Asia/Tokyo")
DISTRICTS, RESIDENTS, SUPPORTERS, ACTIVITIES = 36, 20_000, 3_000, 600
WEEK = date(2026, 11, 16)  # the digest's week (Monday)
# The job's Monday morning for WEEK, and the one a week earlier (the warm-up run).
JOB_TIME = datetime(2026, 11, 23, 9, 0, tzinfo=TOKYO)
MEMBERS, CITY_MEMBERS, CITY_COORDINATORS, ENGLISH_EVERY = 8, 12, 2, 6
PARTS = ("aggregate", "text", "chart", "workbook")
TARGET_SECONDS, GROWTH_LIMIT = 5.0, 1.20
CHUNK = 5_000
LEVELS = [Level.FINE] * 6 + [Level.SO_SO] * 2 + [Level.NEED_HELP, Level.WANT_TO_TALK]


@dataclass
class Timing:
    """One run's figures: the weekly job's seconds, in parts."""

    years: int
    rows: int
    parts: dict[str, float]
    total: float  # the whole job, commit included
    councils: int
    readers: int
    calls: dict[str, int]

    @property
    def aggregate(self) -> float:
        """Building every council's figures."""
        return self.parts["aggregate"]

    @property
    def queue(self) -> float:
        """The rest of the job: claims, readers, outbox rows and the commit."""
        return self.total - sum(self.parts.values())


async def _insert(engine: AsyncEngine, model: Any, rows: list[dict[str, Any]]) -> int:
    async with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            await connection.execute(insert(model), rows[start:start + CHUNK])
    return len(rows)


async def generate(engine: AsyncEngine, years: int, seed: int = 7) -> int:  # noqa: PLR0915
    """Fill the database with the city and ``years`` of weekly history; return the rows."""
    rng = random.Random(seed)
    first_monday = WEEK - timedelta(weeks=52 * years - 1)
    start = datetime.combine(first_monday, datetime.min.time(), tzinfo=TOKYO).astimezone(UTC)
    async with session_factory(engine)() as session, session.begin():
        city = Area(name="ベンチ市", level=AreaLevel.MUNICIPALITY)
        session.add(city)
        await session.flush()
        districts = [Area(name=f"第{i + 1}地区", level=AreaLevel.DISTRICT, parent_id=city.id)
                     for i in range(DISTRICTS)]
        session.add_all(districts)
        await session.flush()
        session.add_all([Council(name=f"{d.name} 協議体", area_id=d.id) for d in districts])
        session.add(Council(name="ベンチ市 協議体", area_id=city.id))
        district_ids = [d.id for d in districts]
        city_id = city.id
    rows = 0
    people = [{"language": "ja", "active": True,
               "display_name": f"住民{i}", "district_id": district_ids[i % DISTRICTS],
               "consented_at": start, "consent_version": "bench", "created_at": start}
              for i in range(RESIDENTS + SUPPORTERS)]
    rows += await _insert(engine, Person, people)
    async with session_factory(engine)() as session:
        ids = list(await session.scalars(select(Person.id).order_by(Person.id)))
    rows += await _insert(engine, Identity, [
        {"channel": CHANNEL, "external_id": str(10_000_000 + i), "person_id": pid,
         "created_at": start} for i, pid in enumerate(ids)])
    district_of = {pid: district_ids[i % DISTRICTS] for i, pid in enumerate(ids)}
    residents, supporters = ids[:RESIDENTS], ids[RESIDENTS:]
    grants = [{"person_id": p, "role": Role.RESIDENT, "area_id": district_of[p],
               "created_at": start + timedelta(days=rng.randrange(7 * 52 * years))}
              for p in residents]
    grants += [{"person_id": p, "role": Role.SUPPORTER, "area_id": district_of[p],
                "created_at": start + timedelta(days=rng.randrange(7 * 52 * years))}
               for p in supporters]
    rows += await _insert(engine, RoleGrant, grants)
    kinds = list(ActivityKind)
    activities = [{"name": f"活動{i}", "kind": kinds[i % len(kinds)], "meanings": ["isolation"],
                   "district_id": district_ids[i % DISTRICTS], "place": "集会所",
                   "organiser_id": supporters[i % SUPPORTERS], "status": ActivityStatus.ACTIVE,
                   "created_at": start} for i in range(ACTIVITIES)]
    rows += await _insert(engine, Activity, activities)
    async with session_factory(engine)() as session:
        activity_ids = list(await session.scalars(select(Activity.id).order_by(Activity.id)))
    weeks = 52 * years
    sessions, rounds = [], []
    for week in range(weeks):
        monday = start + timedelta(weeks=week)
        for index, activity_id in enumerate(activity_ids):
            when = monday + timedelta(days=index % 5, hours=1 + index % 8)
            cancelled = rng.random() < 0.05
            sessions.append({
                "activity_id": activity_id, "starts_at": when, "awaiting_count": False,
                "status": SessionStatus.CANCELLED if cancelled else SessionStatus.HELD,
                "participants": None if cancelled else rng.randint(3, 25),
                "reported_at": when + timedelta(hours=3), "created_at": when})
        asked = monday + timedelta(hours=1)
        for person in residents:
            answered = rng.random() < 0.8
            rounds.append({
                "person_id": person, "district_id": district_of[person], "asked_at": asked,
                "scheduled": True, "watched": False, "created_at": asked,
                "level": rng.choice(LEVELS) if answered else None,
                "answered_at": asked + timedelta(hours=rng.randint(1, 30)) if answered
                else None})
        if len(rounds) > 200_000:
            rows += await _insert(engine, CheckinRound, rounds)
            rounds.clear()
    rows += await _insert(engine, CheckinRound, rounds)
    rows += await _insert(engine, ActivitySession, sessions)
    needs = []
    for _ in range(RESIDENTS // 10 * years):
        person = rng.choice(residents)
        raised = start + timedelta(hours=rng.randrange(24 * 7 * weeks))
        done = rng.random() < 0.8
        needs.append({
            "person_id": person, "district_id": district_of[person], "categories": ["shopping"],
            "status": NeedStatus.RESOLVED if done else NeedStatus.OPEN, "raised_at": raised,
            "created_at": raised, "awaiting_note": False,
            "taken_at": raised + timedelta(hours=5), "finished_at":
            raised + timedelta(days=3) if done else None})
    rows += await _insert(engine, Need, needs)
    async with session_factory(engine)() as session:
        some_rounds = list(await session.execute(
            select(CheckinRound.id, CheckinRound.person_id, CheckinRound.district_id,
                   CheckinRound.asked_at).where(CheckinRound.level.is_(None)).limit(300)))
    alerts = [{"round_id": r, "person_id": p, "district_id": d, "created_at": a
               + timedelta(hours=72), "resolved_at": a + timedelta(hours=80)}
              for r, p, d, a in some_rounds]
    rows += await _insert(engine, WatchAlert, alerts)
    rows += await _readers(engine, city_id, district_ids, supporters=supporters,
                           district_of=district_of, start=start)
    return rows


async def _readers(engine: AsyncEngine, city_id: int, district_ids: list[int], *,
                   supporters: list[int], district_of: dict[int, int], start: datetime) -> int:
    """Make supporters the digests' readers: members and coordinators of every council."""
    by_district: dict[int, list[int]] = defaultdict(list)
    for person in supporters:
        by_district[district_of[person]].append(person)
    councils: list[tuple[int, list[int], list[int]]] = [
        (d, by_district[d][:MEMBERS], by_district[d][MEMBERS:MEMBERS + 1])
        for d in district_ids]
    city = [by_district[d][MEMBERS + 1] for d in district_ids]
    city = city[:CITY_MEMBERS + CITY_COORDINATORS]
    councils.append((city_id, city[:CITY_MEMBERS], city[CITY_MEMBERS:]))
    grants, english = [], []
    for index, (area_id, members, coordinators) in enumerate(councils):
        coordinator = Role.DISTRICT_COORDINATOR if area_id != city_id \
            else Role.MUNICIPAL_COORDINATOR
        grants += [{"person_id": p, "role": Role.COUNCIL_MEMBER, "area_id": area_id,
                    "created_at": start} for p in members]
        grants += [{"person_id": p, "role": coordinator, "area_id": area_id,
                    "created_at": start} for p in coordinators]
        if index % ENGLISH_EVERY == 0:
            english.append(members[0])
    async with engine.begin() as connection:
        await connection.execute(update(Person).where(Person.id.in_(english))
                                 .values(language="en"))
    return await _insert(engine, RoleGrant, grants)


@contextmanager
def _timed(seconds: dict[str, float], calls: dict[str, int]) -> Iterator[None]:
    """Time, inside the weekly job, the calls it makes to aggregate and to render."""
    names = {"aggregate": "build_digests", "text": "digest_text",
             "chart": "participants_chart", "workbook": "digest_workbook"}
    originals = {part: getattr(delivery, name) for part, name in names.items()}

    def timer(part: str, function: Callable[..., object]) -> Callable[..., object]:
        if asyncio.iscoroutinefunction(function):
            @functools.wraps(function)
            async def timed_async(*args: object, **kwargs: object) -> object:
                began = time.perf_counter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    seconds[part] += time.perf_counter() - began
                    calls[part] += 1
            return timed_async

        @functools.wraps(function)
        def timed(*args: object, **kwargs: object) -> object:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[part] += time.perf_counter() - began
                calls[part] += 1
        return timed

    for part, name in names.items():
        setattr(delivery, name, timer(part, originals[part]))
    try:
        yield
    finally:
        for part, name in names.items():
            setattr(delivery, name, originals[part])


async def time_job(engine: AsyncEngine, now: datetime
                   ) -> tuple[dict[str, float], float, int, dict[str, int]]:
    """Run the weekly job at ``now``; return its parts' and its whole seconds, the councils
    done and how many times each part ran."""
    seconds: dict[str, float] = dict.fromkeys(PARTS, 0.0)
    calls: dict[str, int] = dict.fromkeys(PARTS, 0)
    with _timed(seconds, calls):
        began = time.perf_counter()
        async with session_factory(engine)() as session, session.begin():
            councils = await delivery.send_weekly_digests(session, now, TOKYO)
        total = time.perf_counter() - began
    return seconds, total, councils, calls


async def analyze(engine: AsyncEngine) -> None:
    """On PostgreSQL, update the planner's statistics and the visibility map after the load
    (SQLite has no autovacuum to compete with the timed jobs, and its figures are kept
    without statistics, as a new SQLite database has none)."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            outside = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await outside.exec_driver_sql("VACUUM ANALYZE")  # not in a transaction


async def run(url: str, years: int, repeats: int) -> Timing:
    """Generate ``years`` of history into ``url`` and time the weekly job of the last
    ``repeats`` weeks, each on its Monday; return the run with the median total."""
    engine = create_engine(url)
    runs = []
    try:
        began = time.perf_counter()
        rows = await generate(engine, years)
        print(f"  generated {rows:,} rows for {years} year(s) in "
              f"{time.perf_counter() - began:.0f} s", flush=True)
        # A database in use has its planner statistics; after a bulk load PostgreSQL's
        # autovacuum would otherwise analyse the tables while the jobs are timed.
        await analyze(engine)
        # The week before first, as a running bot has done (fonts, statements warm).
        await time_job(engine, JOB_TIME - timedelta(weeks=repeats))
        for weeks_before in reversed(range(repeats)):
            load = os.getloadavg()[0]
            parts, total, councils, calls = await time_job(
                engine, JOB_TIME - timedelta(weeks=weeks_before))
            runs.append((total, parts, councils, calls))
            print(f"  {councils} councils; "
                  + ", ".join(f"{k} {v:.2f} s ({calls[k]}x)" for k, v in parts.items())
                  + f", total {total:.2f} s (load average before: {load:.2f}, "
                  f"after: {os.getloadavg()[0]:.2f})", flush=True)
        async with session_factory(engine)() as session:
            readers = await session.scalar(
                select(func.count(func.distinct(OutboxMessage.person_id))))
        print(f"  {readers} readers", flush=True)
    finally:
        await engine.dispose()
    total, parts, councils, calls = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    return Timing(years, rows, parts, total, councils, readers or 0, calls)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server URL (a fresh database is created next to it)")
    parser.add_argument("--years", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--repeats", type=int, default=3,
                        help="weekly jobs timed, one week each; the median is reported")
    args = parser.parse_args(argv)
    timings = []
    for years in args.years:
        with tempfile.TemporaryDirectory() as folder, \
                _database(Path(folder), args.database_url) as url:
            timings.append(asyncio.run(run(url, years, args.repeats)))
    label = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nCity-scale digests on {label} ({platform.machine()}, Python "
          f"{platform.python_version()})")
    print(f"{'history':>9} {'rows':>11} " + " ".join(f"{p:>9}" for p in PARTS)
          + f" {'queue':>9} {'total s':>8}")
    for t in timings:
        print(f"{t.years:>7} y {t.rows:>11,} "
              + " ".join(f"{t.parts[p]:>9.2f}" for p in PARTS)
              + f" {t.queue:>9.2f} {t.total:>8.2f}")
    ok = all(t.total < TARGET_SECONDS for t in timings)
    if len(timings) > 1:
        first, last = timings[0], timings[-1]
        for name, growth in (("aggregation", last.aggregate / first.aggregate),
                             ("the whole job", last.total / first.total)):
            print(f"{name}, {last.years} years against {first.years}: "
                  f"x{growth:.2f} (limit x{GROWTH_LIMIT:.2f})")
            ok = ok and growth <= GROWTH_LIMIT
    print(f"target: the weekly job, every council, in under {TARGET_SECONDS:.0f} s — "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def _database(folder: Path, server: str | None) -> AbstractContextManager[str]:
    # The test helper reads its server from the environment.
    if server:
        os.environ["OTAGAI_TEST_DATABASE_URL"] = server
    else:
        os.environ.pop("OTAGAI_TEST_DATABASE_URL", None)
    return migrated_database(folder)


if __name__ == "__main__":
    sys.exit(main())
