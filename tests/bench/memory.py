"""Benchmark 4: peak memory (RSS) of a bot process serving a city-sized data set.

    python -m tests.bench.memory [--residents 20000] [--activities 600] [--updates 2000]
                                 [--database sqlite|postgresql]

The data set: 36 districts, the residents and activities above, two meetings per district.
``otagai run`` is started as its own process against the sandbox; residents (each a
different person) send /activities, /events and /checkin until ``--updates`` updates have
been handled, and the periodic jobs have run once; then the process's peak resident set size
(VmHWM) is read from /proc. Every resident's check-in time is set to the hour the benchmark
starts in (in Tokyo), so the check-in job's first run asks all of them, whatever the day.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from models import CheckinPreference, CheckinRound, Person
from models.clock import utcnow
from models.db import create_engine, session_factory
from models.updates import ProcessedUpdate
from tests.bench.dataset import TOKYO, bench_database, generate

OTAGAI = Path(sys.executable).with_name("otagai")
COMMANDS = ("/activities", "/events", "/checkin")
JOBS_DONE = 75.0  # seconds after start


async def due_this_hour(engine: AsyncEngine) -> None:
    """Give every resident a check-in time of this very hour (today, in Tokyo)."""
    local = utcnow().astimezone(TOKYO)
    async with engine.begin() as connection:
        ids = list((await connection.execute(select(Person.id))).scalars())
        for start in range(0, len(ids), 5000):
            await connection.execute(insert(CheckinPreference), [
                {"person_id": pid, "weekday": local.weekday(), "hour": local.hour,
                 "paused": False, "skip_holidays": False, "watching": False,
                 "watch_hours": 48, "created_at": local} for pid in ids[start:start + 5000]])


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def run(database_url: str, residents: int, activities: int, updates: int,
              folder: Path) -> dict[str, float]:
    """Return the figures of one run."""
    engine = create_engine(database_url)
    try:
        city = await generate(engine, residents=residents, activities=activities)
        await due_this_hour(engine)
        async with SandboxServer(port=0) as sandbox, SandboxClient(sandbox.url) as sb:
            for telegram_id in [city.coordinator, *city.people]:
                sandbox.ensure_user(telegram_id, f"住民{telegram_id}", started=True)
            env = {k: v for k, v in os.environ.items() if not k.startswith("OTAGAI_")}
            env |= {"OTAGAI_TELEGRAM_TOKEN": "123:BENCH", "OTAGAI_DATABASE_URL": database_url,
                    "OTAGAI_BOT_API_URL": sandbox.bot_api_url, "OTAGAI_LOG_LEVEL": "WARNING"}
            process = await asyncio.create_subprocess_exec(
                str(OTAGAI), "run", cwd=folder, env=env)
            launched = time.perf_counter()
            try:
                await asyncio.sleep(3)
                idle = _rss_kib(process.pid, "VmRSS")
                started = time.perf_counter()
                for n in range(updates):
                    person = city.people[(n * 7919) % len(city.people)]
                    await sb.send_text(person, COMMANDS[n % len(COMMANDS)])
                while True:
                    async with session_factory(engine)() as session:
                        handled = await session.scalar(
                            select(func.count()).select_from(ProcessedUpdate)) or 0
                    if handled >= updates:
                        break
                    await asyncio.sleep(0.5)
                elapsed = time.perf_counter() - started
                # The check-in job first runs 40 s after start: it opens a round and queues
                # a question for every one of the residents. Let it run before reading.
                await asyncio.sleep(max(0.0, JOBS_DONE - (time.perf_counter() - launched)))
                peak = _rss_kib(process.pid, "VmHWM")
            finally:
                process.send_signal(signal.SIGINT)
                try:
                    async with asyncio.timeout(120):
                        await process.wait()
                except TimeoutError:
                    process.kill()
                    await process.wait()
        async with session_factory(engine)() as session:
            asked = await session.scalar(select(func.count()).select_from(CheckinRound)
                                         .where(CheckinRound.scheduled.is_(True))) or 0
    finally:
        await engine.dispose()
    return {"idle": idle / 1024, "peak": peak / 1024, "seconds": elapsed, "asked": asked}


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--activities", type=int, default=600)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            bench_database(args.database, Path(folder)) as database_url:
        figures = asyncio.run(run(database_url, args.residents, args.activities, args.updates,
                                  Path(folder)))
    print(f"{'database':<11} {'residents':>9} {'activities':>10} {'updates':>7} "
          f"{'asked':>6} {'RSS idle MB':>11} {'peak RSS MB':>11} {'target':>7}")
    print(f"{args.database:<11} {args.residents:>9} {args.activities:>10} {args.updates:>7} "
          f"{figures['asked']:>6.0f} {figures['idle']:>11.0f} {figures['peak']:>11.0f} "
          f"{'<250':>7}")


if __name__ == "__main__":
    main()
