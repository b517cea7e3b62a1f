"""Typed text goes to the step waiting for it, found with one question to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication
from bot.sandbox import SandboxClient, SandboxServer
from handlers import TYPED_STEPS
from models import Role
from tests.auxil.town import Town, add_person, make_town, settle

pytestmark = pytest.mark.usefixtures("bot")

MIKA = 7001  # a district coordinator: every kind of typed step is open to her


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    town = await make_town(engine)
    sandbox.ensure_user(MIKA, "美香", "田中", started=True)
    await add_person(engine, MIKA, "田中 美香", town.east,
                     roles=((Role.DISTRICT_COORDINATOR, town.east),))
    return town


@contextmanager
def statements(bot: OtagaiApplication) -> Iterator[list[str]]:
    """Collect the SQL the bot's engine runs meanwhile."""
    engine = bot.services.engine
    assert engine is not None
    seen: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine.sync_engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", remember)


LOOKUPS = ("FROM broadcast", "FROM activity", "FROM meeting", "FROM need", "FROM episode")


async def test_text_nobody_waits_for_is_looked_up_once_then_explained(
        sb: SandboxClient, bot: OtagaiApplication, town: Town) -> None:
    await settle(sb)
    with statements(bot) as seen:
        sent = await sb.send_text(MIKA, "こんにちは")
        reply = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert reply["text"].startswith("メッセージありがとうございます")
    lookups = [s for s in seen if any(table in s for table in LOOKUPS)]
    assert len(lookups) == 1, lookups  # one statement asks every kind of step
    assert lookups[0].count("EXISTS") == len(TYPED_STEPS)


async def test_text_goes_to_the_step_waiting_for_it(
        sb: SandboxClient, bot: OtagaiApplication, town: Town) -> None:
    sent = await sb.send_text(MIKA, "/episode")
    await sb.wait_for_message(MIKA, after=sent["message_id"])
    sent = await sb.send_text(MIKA, "サロンで久しぶりに笑顔が見られました。")
    saved = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert saved["text"].startswith("ありがとうございます。東地区の")
    sent = await sb.send_text(MIKA, "もう一度")  # the episode is saved: nothing waits now
    reply = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert reply["text"].startswith("メッセージありがとうございます")
