"""Benchmark 3: a broadcast to 5,000 people through the sandbox with Telegram's flood limits.

    python -m tests.bench.broadcast [--people 5000] [--database sqlite|postgresql]

The sandbox (its own process) refuses sends beyond 30 a second with 429, as Telegram does.
One ``otagai dispatch``-like dispatcher sends the queued broadcast; the rate is the number of
people reached divided by the time from the first to the last delivery, in real time. The
sandbox's log then tells whether anyone was missed or reached twice.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.app import build_application
from bot.sandbox import SandboxClient
from bot.settings import load_settings
from models import Area, Audience, Broadcast, OutboxStatus
from models.broadcasts import queue
from models.db import create_engine, session_factory
from models.outbox import counts_by_status
from tests.bench.dataset import bench_database, generate
from tests.bench.sandboxproc import sandbox_process

TOKEN = "123456:BENCH"
TEXT = "【お知らせ】台風が近づいています。お気をつけください。"
LIMIT = 30.0


async def run(database_url: str, people: int) -> dict[str, float]:
    """Return the figures of one broadcast."""
    engine = create_engine(database_url)
    try:
        city = await generate(engine, residents=people, activities=10, districts=1)
        async with session_factory(engine)() as session, session.begin():
            district = (await session.scalars(select(Area).where(Area.parent_id.is_not(None)))
                        ).one()
            broadcast = Broadcast(text=TEXT, audience=Audience.RESIDENTS, area_id=district.id)
            session.add(broadcast)
            await session.flush()
            await queue(session, broadcast, district, heading=lambda _language: "")
        with sandbox_process([city.coordinator, *city.people], flood_limits=True) as url:
            settings = load_settings(_env_file=None, database_url=database_url,
                                     bot_api_url=f"{url}/bot", group_quiet_hours="0-0")
            application = build_application(settings, TOKEN)
            await application.initialize()
            services = application.services
            await services.open()
            started = time.perf_counter()
            services.start_dispatcher(application.bot)
            while True:
                async with session_factory(engine)() as session:
                    counts = await counts_by_status(session)
                if counts[OutboxStatus.PENDING] + counts[OutboxStatus.SENDING] == 0:
                    break
                await asyncio.sleep(0.5)
            elapsed = time.perf_counter() - started
            await services.stop_dispatcher()
            await application.shutdown()
            await services.close()
            async with SandboxClient(url) as sb:
                log = await sb.requests(method="sendMessage")
    finally:
        await engine.dispose()
    delivered = [r for r in log if r["status"] == 200 and r["params"].get("text") == TEXT]
    received = Counter(int(r["params"]["chat_id"]) for r in delivered)
    times = sorted(r["time"] for r in delivered)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return {"people": people, "seconds": elapsed, "rate": (len(times) - 1) / span,
            "refused": sum(1 for r in log if r["status"] == 429),
            "lost": len(set(city.people) - set(received)),
            "twice": sum(n - 1 for n in received.values()),
            "sent": counts[OutboxStatus.SENT], "failed": counts[OutboxStatus.FAILED]}


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--database", default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            bench_database(args.database, Path(folder)) as database_url:
        figures = asyncio.run(run(database_url, args.people))
    print(f"{'database':<11} {'people':>6} {'seconds':>8} {'msg/s':>6} {'of 30/s':>7} "
          f"{'429s':>5} {'lost':>5} {'twice':>5} {'failed':>6}")
    print(f"{args.database:<11} {figures['people']:>6.0f} {figures['seconds']:>8.1f} "
          f"{figures['rate']:>6.1f} {figures['rate'] / LIMIT:>7.0%} {figures['refused']:>5.0f} "
          f"{figures['lost']:>5.0f} {figures['twice']:>5.0f} {figures['failed']:>6.0f}")


if __name__ == "__main__":
    main()
