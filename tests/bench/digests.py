"""Benchmark 2: every council's weekly digest for a city of 380,000 people.

    python -m tests.bench.digests                      # SQLite, one and three years of history
    python -m tests.bench.digests --database-url postgresql://postgres@127.0.0.1:5432/test

Generates a city (36 districts, 20,000 registered residents, 3,000 supporters, 600
activities, a weekly check-in for every resident and a report for every session, plus needs
and watching alerts) into a fresh database, then times building and rendering the digest of
the last full week for every council (36 district councils and the city's): aggregation,
text, chart and workbook. Run once with one year of history and once with three; the
second must not be more than 20% slower. Prints a table; exits 1 when a target is missed.
Not part of the test suite (the file name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.i18n import use_language
from models import (
    Activity,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Area,
    AreaLevel,
    CheckinRound,
    Council,
    Level,
    Need,
    NeedStatus,
    Person,
    Role,
    RoleGrant,
    WatchAlert,
)
from models.activities import SessionStatus
from models.db import create_engine, session_factory
from scheduler.digests.aggregate import build_digests
from scheduler.digests.chart import participants_chart
from scheduler.digests.render import Reader, digest_text
from scheduler.digests.workbook import digest_workbook
from tests.auxil.database import migrated_database

TOKYO = ZoneInfo("Asia/Tokyo")
DISTRICTS, RESIDENTS, SUPPORTERS, ACTIVITIES = 36, 20_000, 3_000, 600
WEEK = date(2026, 11, 16)  # the digest's week (Monday)
TARGET_SECONDS, GROWTH_LIMIT = 5.0, 1.20
CHUNK = 5_000
LEVELS = [Level.FINE] * 6 + [Level.SO_SO] * 2 + [Level.NEED_HELP, Level.WANT_TO_TALK]


@dataclass
class Timing:
    """One run's figures."""

    years: int
    rows: int
    aggregate: float
    render: float

    @property
    def total(self) -> float:
        """Aggregation and rendering together."""
        return self.aggregate + self.render


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
    rows = 0
    people = [{"telegram_id": 10_000_000 + i, "language": "ja", "active": True,
               "display_name": f"住民{i}", "district_id": district_ids[i % DISTRICTS],
               "consented_at": start, "consent_version": "bench", "created_at": start}
              for i in range(RESIDENTS + SUPPORTERS)]
    rows += await _insert(engine, Person, people)
    async with session_factory(engine)() as session:
        ids = list(await session.scalars(select(Person.id).order_by(Person.id)))
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
    return rows


async def time_digests(engine: AsyncEngine) -> tuple[float, float, int]:
    """Return the seconds spent aggregating and rendering every council's digest."""
    aggregate = render = 0.0
    parts = dict.fromkeys(("text", "chart", "workbook"), 0.0)
    async with session_factory(engine)() as session:
        councils = list(await session.scalars(select(Council).order_by(Council.id)))
        began = time.perf_counter()
        digests = await build_digests(session, councils, WEEK, TOKYO)  # as the weekly job does
        aggregate += time.perf_counter() - began
        for council in councils:
            digest = digests[council.id]
            began = time.perf_counter()
            with use_language("ja", TOKYO):
                reader = Reader(exact=False)
                step = time.perf_counter()
                digest_text(digest, reader)
                parts["text"] += time.perf_counter() - step
                step = time.perf_counter()
                participants_chart(digest)
                parts["chart"] += time.perf_counter() - step
                step = time.perf_counter()
                digest_workbook(digest, reader)
                parts["workbook"] += time.perf_counter() - step
            render += time.perf_counter() - began
    print("  render: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()), flush=True)
    return aggregate, render, len(councils)


async def run(url: str, years: int) -> Timing:
    """Generate ``years`` of history into ``url`` and time the digests."""
    engine = create_engine(url)
    try:
        began = time.perf_counter()
        rows = await generate(engine, years)
        print(f"  generated {rows:,} rows for {years} year(s) in "
              f"{time.perf_counter() - began:.0f} s", flush=True)
        await time_digests(engine)  # warm caches (fonts, statements) once, as a bot would
        aggregate, render, councils = await time_digests(engine)
        print(f"  {councils} councils", flush=True)
    finally:
        await engine.dispose()
    return Timing(years, rows, aggregate, render)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server URL (a fresh database is created next to it)")
    parser.add_argument("--years", type=int, nargs="+", default=[1, 3])
    args = parser.parse_args(argv)
    timings = []
    for years in args.years:
        with tempfile.TemporaryDirectory() as folder, \
                _database(Path(folder), args.database_url) as url:
            timings.append(asyncio.run(run(url, years)))
    label = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nCity-scale digests on {label} ({platform.machine()}, Python "
          f"{platform.python_version()})")
    print(f"{'history':>9} {'rows':>11} {'aggregate s':>12} {'render s':>9} {'total s':>8}")
    for t in timings:
        print(f"{t.years:>7} y {t.rows:>11,} {t.aggregate:>12.2f} {t.render:>9.2f} "
              f"{t.total:>8.2f}")
    ok = all(t.total < TARGET_SECONDS for t in timings)
    if len(timings) > 1:
        growth = timings[-1].aggregate / timings[0].aggregate
        print(f"aggregation, {timings[-1].years} years against {timings[0].years}: "
              f"x{growth:.2f} (limit x{GROWTH_LIMIT:.2f})")
        ok = ok and growth <= GROWTH_LIMIT
    print(f"target: every council in under {TARGET_SECONDS:.0f} s — "
          f"{'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def _database(folder: Path, server: str | None):  # type: ignore[no-untyped-def]
    import os  # noqa: PLC0415 - the test helper reads its server from the environment

    if server:
        os.environ["OTAGAI_TEST_DATABASE_URL"] = server
    else:
        os.environ.pop("OTAGAI_TEST_DATABASE_URL", None)
    return migrated_database(folder)


if __name__ == "__main__":
    sys.exit(main())
