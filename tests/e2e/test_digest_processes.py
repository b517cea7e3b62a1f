"""Real processes: the bot killed with SIGKILL while it builds or sends the weekly digests.

``otagai run`` runs the digest job (due at once: Monday 00:00 is this week's sending time, so
it is always past; the jobs start a second after the process) and the dispatcher, against
the sandbox with Telegram's flood limits, so the 120 messages of five councils take some
seconds. Killed while building, nothing was committed and nothing goes out: the restarted
process builds and sends each digest once. Killed while sending, the restarted process
sends the rest; only what was in flight at the kill may arrive twice, and no digest is
built again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from models import DigestRun, OutboxStatus
from models.db import session_factory
from models.outbox import counts_by_status
from tests.auxil.delivery import until_settled
from tests.auxil.digest_readers import (
    check_everyone_got_their_digests,
    digest_councils,
    digest_runs,
    queued_digest_sends,
    sends,
)

OTAGAI = Path(sys.executable).with_name("otagai")
pytestmark = pytest.mark.processes  # starts the `otagai` command
BUILDING = b"building the weekly digests"
QUEUED = b"queued the weekly digests"


@pytest.fixture
async def flood_sandbox() -> AsyncIterator[SandboxServer]:
    """A sandbox with Telegram's flood limits, so the digests take some seconds to go out."""
    async with SandboxServer(port=0, flood_limits=True) as server:
        yield server


@dataclass
class BotProcess:
    """A running ``otagai run`` and what it printed so far."""

    process: asyncio.subprocess.Process
    output: bytearray = field(default_factory=bytearray)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def drain(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.output += line
            self.changed.set()

    async def printed(self, text: bytes, within: float = 60) -> None:
        """Wait until the bot has printed ``text``; fail with what it printed otherwise."""
        try:
            async with asyncio.timeout(within):
                while text not in self.output:
                    assert self.process.returncode is None, self.output.decode()
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            pytest.fail(f"the bot did not print {text!r} within {within} s; it printed:\n"
                        + self.output.decode(errors="replace"))

    async def kill(self) -> None:
        self.process.kill()  # SIGKILL: no chance to tidy up
        await self.process.wait()


@asynccontextmanager
async def bot_process(sandbox: SandboxServer, database_url: str, workdir: Path
                      ) -> AsyncIterator[BotProcess]:
    """Run ``otagai run`` against the sandbox and the test database; the digests are due."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTAGAI_")}
    env |= {"OTAGAI_TELEGRAM_TOKEN": "123:TEST", "OTAGAI_BOT_API_URL": sandbox.bot_api_url,
            "OTAGAI_DATABASE_URL": database_url, "OTAGAI_LOG_LEVEL": "INFO",
            "OTAGAI_JOBS_DELAY": "1", "OTAGAI_DIGEST_WEEKDAY": "0", "OTAGAI_DIGEST_HOUR": "0",
            # A restarted process takes over the killed one's claims quickly.
            "OTAGAI_DISPATCH_CLAIM_TIMEOUT": "3"}
    process = await asyncio.create_subprocess_exec(
        str(OTAGAI), "run", cwd=workdir, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    bot = BotProcess(process)
    draining = asyncio.create_task(bot.drain())
    try:
        yield bot
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(30):
                await process.wait()
        await draining
    # The digest job must not fail (other jobs may give up on SQLite's write lock at their
    # turn; they run again at the next).
    assert b"scheduler/digests" not in bot.output, bot.output.decode()


async def test_killed_while_building_the_digests_the_bot_sends_them_once_after_restart(
    flood_sandbox: SandboxServer, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    people = await digest_councils(flood_sandbox, engine)
    async with SandboxClient(flood_sandbox.url) as sb:
        async with bot_process(flood_sandbox, database_url, tmp_path) as bot:
            await bot.printed(BUILDING)
            await bot.kill()  # the digests are claimed and being drawn, nothing committed
        assert await digest_runs(engine) == []
        assert await queued_digest_sends(engine) == {}
        assert sends(await sb.requests()) == Counter()

        async with bot_process(flood_sandbox, database_url, tmp_path) as bot:
            await bot.printed(QUEUED)  # committed: the digests' rows are in the outbox
            counts = await until_settled(engine)
        assert bot.output.count(BUILDING) == 1
        assert counts[OutboxStatus.SENT] == 3 * sum(len(p) for p in people.values())
        expected = await queued_digest_sends(engine)
        received = sends(await sb.requests())
    check_everyone_got_their_digests(expected, received, people)
    assert set(received.values()) == {1}  # nothing was in flight: each exactly once
    assert await digest_runs(engine) == [(council, len(p))
                                        for council, p in sorted(people.items())]


async def test_killed_while_sending_the_digests_the_bot_loses_nothing_and_builds_nothing_twice(
    flood_sandbox: SandboxServer, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    people = await digest_councils(flood_sandbox, engine)
    total = 3 * sum(len(p) for p in people.values())
    async with SandboxClient(flood_sandbox.url) as sb:
        async with bot_process(flood_sandbox, database_url, tmp_path) as bot:
            seq = 0
            async with asyncio.timeout(60):
                while sum(sends(await sb.requests()).values()) < total // 4:
                    seq = (await sb.events(after=seq, timeout=5))["seq"]  # wakes on a send
            await bot.kill()
        delivered_at_kill = sum(sends(await sb.requests()).values())
        async with session_factory(engine)() as session:
            recorded_at_kill = (await counts_by_status(session))[OutboxStatus.SENT]
        in_flight = delivered_at_kill - recorded_at_kill
        assert total // 4 <= delivered_at_kill < total  # it really was killed mid-delivery
        queued = await queued_digest_sends(engine)
        assert len(queued) == total  # every digest was queued before anything went out

        async with bot_process(flood_sandbox, database_url, tmp_path) as bot:
            counts = await until_settled(engine)
        assert BUILDING not in bot.output  # the claims stood: nothing was built again
        assert counts[OutboxStatus.SENT] == total
        expected = await queued_digest_sends(engine)
        received = sends(await sb.requests())
    assert expected == queued
    check_everyone_got_their_digests(expected, received, people)
    twice = sum(n - 1 for n in received.values())
    assert twice <= in_flight <= 10  # only what was in flight may come twice
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(DigestRun)) == len(people)
