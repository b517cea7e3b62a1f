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
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from models import Council, DigestRun, OutboxMessage, OutboxStatus, Person, Role
from models.areas import get_or_create_area
from models.db import session_factory
from models.outbox import counts_by_status
from tests.auxil.delivery import until_settled
from tests.auxil.town import MUNICIPALITY, add_person, make_town

OTAGAI = Path(sys.executable).with_name("otagai")
DISTRICTS = ("東地区", "西地区", "北地区", "南地区")
MEMBERS = 7  # council members per council, besides its coordinator
FIRST_ID = 830_000
BUILDING = b"building the weekly digests"
QUEUED = b"queued the weekly digests"
METHODS = {"text": "sendMessage", "chart": "sendPhoto", "xlsx": "sendDocument"}

Send = tuple[str, int, str]  # Bot API method, chat, the text or the file's name


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

    async def printed(self, text: bytes) -> None:
        while text not in self.output:
            assert self.process.returncode is None, self.output.decode()
            self.changed.clear()
            await self.changed.wait()

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
            await asyncio.wait_for(process.wait(), timeout=30)
        await draining
    # On SQLite the digest job holds the one write lock while it draws, so jobs that start
    # with it may give up on the lock (they run again at their next turn); it must not fail.
    assert b"scheduler/digests" not in bot.output, bot.output.decode()


async def _councils(sandbox: SandboxServer, engine: AsyncEngine) -> dict[int, set[int]]:
    """Create テスト市 with four districts, a council for each and one for the city, each with
    a coordinator and council members (a third of them reading English); return each
    council's people (Telegram ids)."""
    town = await make_town(engine)
    async with session_factory(engine)() as session, session.begin():
        areas = [town.city]
        for name in DISTRICTS:
            areas.append((await get_or_create_area(session, MUNICIPALITY, name))[0])
        councils = [Council(name=f"{area.name} 協議体", area_id=area.id) for area in areas]
        session.add_all(councils)
        await session.flush()
        ids = [council.id for council in councils]
    people: dict[int, set[int]] = {}
    telegram_id = FIRST_ID
    for council, area in zip(ids, areas, strict=True):
        home = area if area.id != town.city.id else town.east
        coordinator = Role.MUNICIPAL_COORDINATOR if area.id == town.city.id \
            else Role.DISTRICT_COORDINATOR
        people[council] = set()
        for n in range(MEMBERS + 1):
            telegram_id += 1
            sandbox.ensure_user(telegram_id, f"委員{n}", started=True)
            role = coordinator if n == 0 else Role.COUNCIL_MEMBER
            await add_person(engine, telegram_id, f"委員{telegram_id}", home,
                             roles=((role, area),))
            people[council].add(telegram_id)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(update(Person).where(Person.telegram_id % 3 == 0)
                              .values(language="en"))
    return people


def _sends(requests: list[dict]) -> Counter[Send]:
    """Return the successful sends in the sandbox's request log, counted."""
    sent: Counter[Send] = Counter()
    for request in requests:
        params = request["params"]
        if request["status"] != 200 or request["method"] not in METHODS.values():
            continue
        if request["method"] == "sendMessage":
            what = params["text"]
        else:  # "<file digest-3-2026-W47.png 12345 bytes>"
            what = str(params["photo" if request["method"] == "sendPhoto" else "document"]
                       ).split()[1]
        sent[request["method"], int(params["chat_id"]), what] += 1
    return sent


async def _digest_sends(engine: AsyncEngine) -> dict[Send, int]:
    """Return what the outbox holds of the digests, as sends, with the council of each."""
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.chat_id, OutboxMessage.text,
                   OutboxMessage.attachment_name)
            .where(OutboxMessage.idempotency_key.like("digest:%")))
        expected: dict[Send, int] = {}
        for key, chat_id, text, name in rows:
            _digest, council, _week, _person, part = key.split(":")
            send = (METHODS[part], chat_id, text if part == "text" else name)
            assert send not in expected
            expected[send] = int(council)
    return expected


async def _runs(engine: AsyncEngine) -> list[tuple[int, int]]:
    async with session_factory(engine)() as session:
        return [(council, recipients) for council, recipients in await session.execute(
            select(DigestRun.council_id, DigestRun.recipients).order_by(DigestRun.council_id))]


def _check_everyone_got_their_digests(expected: dict[Send, int], received: Counter[Send],
                                      people: dict[int, set[int]]) -> None:
    assert set(received) == set(expected)  # nothing lost, nothing else
    for council, members in people.items():
        sends = [send for send, of in expected.items() if of == council]
        assert {chat for _method, chat, _what in sends} == members
        assert Counter(method for method, _chat, _what in sends) == {
            method: len(members) for method in METHODS.values()}


async def test_killed_while_building_the_digests_the_bot_sends_them_once_after_restart(
    flood_sandbox: SandboxServer, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    people = await _councils(flood_sandbox, engine)
    async with SandboxClient(flood_sandbox.url) as sb:
        async with bot_process(flood_sandbox, database_url, tmp_path) as bot:
            async with asyncio.timeout(30):
                await bot.printed(BUILDING)
            await bot.kill()  # the digests are claimed and being drawn, nothing committed
        assert await _runs(engine) == []
        assert await _digest_sends(engine) == {}
        assert _sends(await sb.requests()) == Counter()

        async with bot_process(flood_sandbox, database_url, tmp_path) as bot:
            async with asyncio.timeout(30):
                await bot.printed(QUEUED)  # committed: the digests' rows are in the outbox
            counts = await until_settled(engine)
        assert bot.output.count(BUILDING) == 1
        assert counts[OutboxStatus.SENT] == 3 * sum(len(p) for p in people.values())
        expected = await _digest_sends(engine)
        received = _sends(await sb.requests())
    _check_everyone_got_their_digests(expected, received, people)
    assert set(received.values()) == {1}  # nothing was in flight: each exactly once
    assert await _runs(engine) == [(council, len(p)) for council, p in sorted(people.items())]


async def test_killed_while_sending_the_digests_the_bot_loses_nothing_and_builds_nothing_twice(
    flood_sandbox: SandboxServer, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    people = await _councils(flood_sandbox, engine)
    total = 3 * sum(len(p) for p in people.values())
    async with SandboxClient(flood_sandbox.url) as sb:
        async with bot_process(flood_sandbox, database_url, tmp_path) as bot:
            seq = 0
            async with asyncio.timeout(60):
                while sum(_sends(await sb.requests()).values()) < total // 4:
                    seq = (await sb.events(after=seq, timeout=5))["seq"]  # wakes on a send
            await bot.kill()
        delivered_at_kill = sum(_sends(await sb.requests()).values())
        async with session_factory(engine)() as session:
            recorded_at_kill = (await counts_by_status(session))[OutboxStatus.SENT]
        in_flight = delivered_at_kill - recorded_at_kill
        assert total // 4 <= delivered_at_kill < total  # it really was killed mid-delivery
        queued = await _digest_sends(engine)
        assert len(queued) == total  # every digest was queued before anything went out

        async with bot_process(flood_sandbox, database_url, tmp_path) as bot:
            counts = await until_settled(engine)
        assert BUILDING not in bot.output  # the claims stood: nothing was built again
        assert counts[OutboxStatus.SENT] == total
        expected = await _digest_sends(engine)
        received = _sends(await sb.requests())
    assert expected == queued
    _check_everyone_got_their_digests(expected, received, people)
    twice = sum(n - 1 for n in received.values())
    assert twice <= in_flight <= 10  # only what was in flight may come twice
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(DigestRun)) == len(people)
