"""Property: whatever people type or press, in whatever state, no handler crashes.

Random texts are typed after every command (so into the first steps of every conversation,
and further when the bot accepts them), real buttons are pressed at random, and forged
button data is sent for every prefix the bot registers. After each example the bot must not
have apologised (the error handler's message) and nothing may be logged at ERROR level.

Then the person leaves whatever they were doing (another command, /cancel or 「やめる」) and
types once more: those words must not be stored anywhere (issue 16: text is never attached
to a question the person has left).
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, String, Text, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication
from bot.commands import COMMANDS
from bot.sandbox import SandboxClient, SandboxServer
from handlers.router import router_of
from locales.i18n import plain, use_language
from models import Base, Role
from models.db import session_factory
from tests.auxil.town import Town, add_person, make_town, settle

SAMPLES = ["12月3日 14時から", "来週水曜 10:00-11:30", "毎週火曜 10時から11時半", "5", "０",
           "-1", "100000", "はい", "いいえ", "公民館", "ふれあい食事会", "中止", "x" * 300,
           "<b>太字</b>", "&amp;", "2026-12-03", "明日 9時", "東地区", "テスト市 北地区"]
TEXTS = st.one_of(
    st.sampled_from(SAMPLES),
    st.integers(-10**6, 10**6).map(str),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n"),
            min_size=1, max_size=80).filter(lambda t: t.strip() != ""),
)
COMMAND_NAMES = [c.name for c in COMMANDS if c.private and c.name != "forget"]
_people = itertools.count(880_000)
LEAVING = ["/help", "/cancel", "やめる", "キャンセル。", "/activities"]


async def stored_anywhere(engine: AsyncEngine, words: str) -> list[str]:
    """Return the tables where some text or JSON column holds ``words``."""
    found = []
    async with session_factory(engine)() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            count = await session.scalar(select(func.count()).select_from(table).where(
                or_(*(cast(c, Text).contains(words) for c in columns))))
            if count:
                found.append(table.name)
    return found


def callback_prefixes(application: OtagaiApplication) -> list[str]:
    """Return the prefix of every registered button route (``handlers.router``)."""
    return sorted(router_of(application).routes)


@pytest.fixture
async def town(engine: AsyncEngine) -> Town:
    return await make_town(engine)


def _bot_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["from"].get("is_bot")]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=st.sampled_from(COMMAND_NAMES), texts=st.lists(TEXTS, max_size=3),
       presses=st.lists(st.integers(0, 50), max_size=3), leaving=st.sampled_from(LEAVING),
       forged=st.lists(st.tuples(st.integers(0, 1000), st.text(
           st.characters(min_codepoint=33, max_codepoint=126), max_size=30)), max_size=3))
# Steps left while they wait for typed words, every time the property runs:
@example(command="newactivity", texts=[], presses=[], forged=[], leaving="/activities")
@example(command="broadcast", texts=[], presses=[], forged=[], leaving="/help")
@example(command="episode", texts=[], presses=[], forged=[], leaving="キャンセル。")
async def test_nothing_people_type_or_press_crashes_a_handler(  # noqa: PLR0917
    bot: OtagaiApplication, sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine,
    town: Town, caplog: pytest.LogCaptureFixture, command: str, texts: list[str],
    presses: list[int], forged: list[tuple[int, str]], leaving: str,
) -> None:
    caplog.set_level(logging.WARNING)
    caplog.clear()
    person = next(_people)
    sandbox.ensure_user(person, "試験", started=True)
    await add_person(engine, person, "試験 太郎", town.east, roles=(
        (Role.DISTRICT_COORDINATOR, town.east), (Role.MUNICIPAL_COORDINATOR, town.city),
        (Role.SUPPORTER, town.east), (Role.COUNCIL_MEMBER, town.east)))
    prefixes = callback_prefixes(bot)
    await sb.send_text(person, f"/{command}")
    await settle(sb)
    for text in texts:
        await sb.send_text(person, text)
        await settle(sb)
    for choice in presses:
        shown = [m for m in _bot_messages(await sb.messages(person)) if SandboxClient.buttons(m)]
        if not shown:
            break
        message = shown[choice % len(shown)]
        buttons = [b for row in SandboxClient.buttons(message) for b in row
                   if "callback_data" in b]
        if buttons:
            await sb.press(person, message, data=buttons[choice % len(buttons)]["callback_data"])
            await settle(sb)
    messages = _bot_messages(await sb.messages(person))
    for index, suffix in forged:
        if not messages:
            break
        data = f"{prefixes[index % len(prefixes)]}:{suffix}"[:64]
        await sb.press(person, messages[-1], data=data, forge=True)
    await settle(sb)
    await sb.send_text(person, leaving)
    await settle(sb)
    left_behind = f"left behind {person}"  # typed after leaving: attached to nothing
    await sb.send_text(person, left_behind)
    await settle(sb)

    with use_language("ja"):
        apology = plain("error.generic")
    said = [str(r["params"].get("text", "")) for r in await sb.requests()
            if int(r["params"].get("chat_id") or 0) == person
            or r["method"].lower() == "answercallbackquery"]
    assert not any(apology in text for text in said), said
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert await stored_anywhere(engine, left_behind) == []
