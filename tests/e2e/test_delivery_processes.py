"""Real processes: a dispatcher killed mid-broadcast, and two dispatchers sharing PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from models import OutboxStatus
from models.db import session_factory
from models.outbox import counts_by_status
from tests.auxil.delivery import broadcast_to_residents, register_people, until_settled
from tests.auxil.town import make_town

OTAGAI = Path(sys.executable).with_name("otagai")
pytestmark = pytest.mark.processes  # starts the `otagai` command
TEXT = "台風に備えてください"


@pytest.fixture
async def flood_sandbox() -> AsyncIterator[SandboxServer]:
    """A sandbox with Telegram's flood limits, so a broadcast takes some seconds."""
    async with SandboxServer(port=0, flood_limits=True) as server:
        yield server


@asynccontextmanager
async def dispatcher_process(
    sandbox: SandboxServer, database_url: str, workdir: Path, claim_timeout: int = 3
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ``otagai dispatch`` against the sandbox and the test database.

    A short claim timeout lets a restarted process take over a killed one's rows quickly;
    it must still outlast the rate limiter's waits, or live claims are taken over too.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTAGAI_")}
    env |= {"OTAGAI_TELEGRAM_TOKEN": "123:TEST", "OTAGAI_BOT_API_URL": sandbox.bot_api_url,
            "OTAGAI_DATABASE_URL": database_url,
            "OTAGAI_DISPATCH_CLAIM_TIMEOUT": str(claim_timeout)}
    process = await asyncio.create_subprocess_exec(
        str(OTAGAI), "dispatch", cwd=workdir, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(30):
                await process.communicate()


async def _deliveries(sb: SandboxClient) -> Counter[int]:
    return Counter(int(r["params"]["chat_id"]) for r in await sb.requests(method="sendMessage")
                   if r["status"] == 200 and r["params"].get("text") == TEXT)


async def test_killing_the_dispatcher_mid_broadcast_loses_nothing(
    flood_sandbox: SandboxServer, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    town = await make_town(engine)
    people = await register_people(flood_sandbox, engine, town.east, 300)
    await broadcast_to_residents(engine, town.east, TEXT)
    async with SandboxClient(flood_sandbox.url) as sb:
        async with dispatcher_process(flood_sandbox, database_url, tmp_path) as process:
            seq = 0
            async with asyncio.timeout(60):
                while sum((await _deliveries(sb)).values()) < 60:
                    seq = (await sb.events(after=seq, timeout=5))["seq"]  # wakes on a send
            process.kill()  # SIGKILL: no chance to tidy up
            await process.wait()
        delivered_at_kill = sum((await _deliveries(sb)).values())
        async with session_factory(engine)() as session:
            recorded_at_kill = (await counts_by_status(session))[OutboxStatus.SENT]
        in_flight = delivered_at_kill - recorded_at_kill
        assert 60 <= delivered_at_kill < 300  # it really was killed mid-broadcast

        async with dispatcher_process(flood_sandbox, database_url, tmp_path):
            counts = await until_settled(engine)
        assert counts[OutboxStatus.SENT] == 300
        received = await _deliveries(sb)
        assert set(received) == set(people)  # nothing lost
        twice = sum(n - 1 for n in received.values())
        assert twice <= in_flight <= 10  # only what was in flight may come twice


@pytest.mark.postgres  # two dispatching processes: SQLite has one writer
async def test_two_dispatchers_on_postgresql_deliver_each_message_once(
    flood_sandbox: SandboxServer, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    town = await make_town(engine)
    people = await register_people(flood_sandbox, engine, town.east, 300)
    await broadcast_to_residents(engine, town.east, TEXT)
    # Two processes share Telegram's 30 messages a second, so each waits in its rate limiter
    # and now and then for a 429: the production claim timeout, not the kill test's 3 s.
    async with (dispatcher_process(flood_sandbox, database_url, tmp_path, claim_timeout=120),
                dispatcher_process(flood_sandbox, database_url, tmp_path, claim_timeout=120)):
        counts = await until_settled(engine)
    assert counts[OutboxStatus.SENT] == 300
    async with SandboxClient(flood_sandbox.url) as sb:
        received = await _deliveries(sb)
    assert set(received) == set(people)
    assert set(received.values()) == {1}
