"""Several updates at once (PostgreSQL): every chat still gets its answers in order.

On SQLite the bot handles one update at a time, so there this test shows the same answers
without overlap.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication, build_application, concurrency
from bot.runner import running
from bot.sandbox import SandboxClient, SandboxServer
from bot.settings import Settings, load_settings
from models.db import session_factory
from models.updates import ProcessedUpdate
from tests.auxil.delivery import register_people
from tests.auxil.town import Town, make_town

# Four answers; the slowest first (/mydata also builds a file and names the person), so an
# update overtaking an earlier one of its chat would show.
COMMANDS = {"/mydata": 2, "/checkin": 1, "/events": 1, "/help": 1}  # with how many answers
ANSWERS = sum(COMMANDS.values())


@pytest.fixture
def settings(sandbox: SandboxServer, database_url: str) -> Settings:
    """Up to eight updates at once."""
    return load_settings(_env_file=None, database_url=database_url,
                         bot_api_url=sandbox.bot_api_url, bot_file_url=sandbox.bot_file_url,
                         group_quiet_hours="0-0", update_concurrency=8)


@pytest.fixture
async def bot(settings: Settings, engine: AsyncEngine) -> AsyncIterator[OtagaiApplication]:
    """The application, polling with ``update_concurrency`` 8."""
    application = build_application(settings, "123456:TEST", retry_backoff=0.01)
    async with running(application):
        yield application


async def _handled(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def _answers(sb: SandboxClient, person: int, after: int, count: int) -> list[str]:
    return [m.get("text") or m["document"]["file_name"]
            for m in await sb.wait_for_messages(person, after, count, timeout=60)]


async def test_many_people_at_once_each_get_their_answers_in_order(
        sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine,
        bot: OtagaiApplication, settings: Settings) -> None:
    town: Town = await make_town(engine)
    reference, *people = await register_people(sandbox, engine, town.east, 31)
    # One person, one command after the other's answer: what each command answers.
    expected = []
    for command, count in COMMANDS.items():
        sent = await sb.send_text(reference, command)
        expected += await _answers(sb, reference, sent["message_id"], count)

    # Thirty people send all four at once, without waiting for answers.
    firsts = {}
    for person in people:
        for n, command in enumerate(COMMANDS):
            sent = await sb.send_text(person, command)
            if n == 0:
                firsts[person] = sent["message_id"]
    answers = await asyncio.gather(*(_answers(sb, p, firsts[p], ANSWERS)
                                     for p in people))
    for person, texts in zip(people, answers, strict=True):
        # /mydata shows each their own record: nobody gets another's answer.
        assert texts == [t.replace(f"住民{reference}", f"住民{person}")
                         .replace(str(reference), str(person)) for t in expected]
    # Every update handled once (answers go out just before their update commits).
    sent_updates = len(COMMANDS) * (len(people) + 1)
    async with asyncio.timeout(10):
        while (handled := await _handled(engine)) < sent_updates:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    assert handled == sent_updates
    assert bot.update_processor.max_concurrent_updates == concurrency(settings)
