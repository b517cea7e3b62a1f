"""Benchmark 1: update throughput, the bot against a bare PTB echo bot, on the same sandbox.

    python -m tests.bench.throughput [--people 300] [--databases sqlite,postgresql]

A generated city (36 districts, 600 activities, the residents below, two meetings per
district) and a mixed stream of realistic updates, five per resident, interleaved:
/activities (browsing), a tap on the weekly check-in question (check-in answer), /events,
a tap on 参加する under a meeting notice (sign-up), and /checkin. The updates are queued in
the sandbox (running in its own process) before the bot starts polling; the time runs from
the start of polling until the last update has been handled (for the bot: committed). The
echo bot gets the same stream from the same sandbox and answers each message with its text
and each button with an answer. Both handle updates one at a time, as the bot does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot.app import build_application
from bot.identity import CHANNEL
from bot.notices import telegram
from bot.sandbox import SandboxClient
from bot.settings import load_settings
from models import Identity, Person
from models.checkins import open_due_rounds
from models.db import create_engine, session_factory
from scheduler.checkins import question as checkin_question
from tests.bench.dataset import TOKYO, City, bench_database, generate, monday_ten
from tests.bench.sandboxproc import sandbox_process

TOKEN = "123456:BENCH"
VERBOSE = bool(os.environ.get("OTAGAI_BENCH_VERBOSE"))
STEPS = 5
PROFILE = os.environ.get("OTAGAI_BENCH_PROFILE")  # a file for cProfile stats of the bot


class CountingApplication(Application):
    """A PTB application that counts handled updates (for the echo bot)."""


TIMES: dict[str, list[float]] = {}
COUNTS: dict[str, list[int]] = {}
STATEMENTS = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count_statement(*_args: object) -> None:
    STATEMENTS[0] += 1


def _kind(update: object) -> str:
    if not isinstance(update, Update):
        return "other"
    if update.callback_query is not None:
        return f"button {(update.callback_query.data or '').split(':')[0]}"
    return (update.effective_message.text or "") if update.effective_message else "other"


def counting(application: Any, total: int) -> asyncio.Event:
    """Make ``application`` set the returned event once ``total`` updates were handled."""
    done = asyncio.Event()
    handled = 0
    original: Callable[[object], Awaitable[None]] = application.process_update

    async def process_update(update: object) -> None:
        nonlocal handled
        started, statements = time.perf_counter(), STATEMENTS[0]
        await original(update)
        TIMES.setdefault(_kind(update), []).append(time.perf_counter() - started)
        COUNTS.setdefault(_kind(update), []).append(STATEMENTS[0] - statements)
        handled += 1
        if handled >= total:
            done.set()

    application.process_update = process_update
    return done


async def echo_text(update: Update, _context: Any) -> None:
    """Answer a message with its own text."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "-")


async def echo_button(update: Update, _context: Any) -> None:
    """Answer a pressed button."""
    assert update.callback_query is not None
    await update.callback_query.answer(update.callback_query.data)


def echo_bot(api_url: str) -> Application:
    """Return the bare PTB echo bot."""
    application = (ApplicationBuilder().application_class(CountingApplication).token(TOKEN)
                   .base_url(api_url).build())
    application.add_handler(MessageHandler(tg_filters.TEXT, echo_text))
    application.add_handler(CallbackQueryHandler(echo_button))
    return application


async def prepare_chats(database_url: str, city: City, api_url: str
                        ) -> dict[int, tuple[int, int, int]]:
    """Send each resident the check-in question and a meeting notice, as the outbox would;
    return their message ids per Telegram id."""
    engine = create_engine(database_url)
    messages: dict[int, tuple[int, int, int]] = {}
    try:
        async with session_factory(engine)() as session, session.begin():
            rounds = await open_due_rounds(session, monday_ten(), TOKYO)
            meetings = dict(zip(city.districts, city.meeting_ids[::2], strict=True))
            people = [(person, int(telegram_id)) for person, telegram_id in await session.execute(
                select(Person, Identity.external_id)
                .join(Identity, Identity.person_id == Person.id)
                .where(Identity.channel == CHANNEL))]
            districts = {telegram_id: p.district_id for p, telegram_id in people}
            chats = {p.id: telegram_id for p, telegram_id in people}
        async with Bot(TOKEN, base_url=api_url) as bot:
            for due in rounds:
                telegram_id = chats[due.person.person_id]
                _text, answers = telegram(checkin_question(due.round_id))
                buttons = InlineKeyboardMarkup([[InlineKeyboardButton(**b) for b in row]
                                                for row in answers or []])
                question = await bot.send_message(telegram_id, "今週の調子はいかがですか？",
                                                  reply_markup=buttons)
                meeting = meetings[districts[telegram_id]]
                join = InlineKeyboardMarkup([[InlineKeyboardButton(
                    "参加する", callback_data=f"mj:j:{meeting}")]])
                notice = await bot.send_message(telegram_id, "ご近所ケア会議のお知らせ",
                                                reply_markup=join)
                messages[telegram_id] = (question.message_id, notice.message_id,
                                         due.round_id)
    finally:
        await engine.dispose()
    return messages


async def queue_stream(url: str, city: City, messages: dict[int, tuple[int, int, int]]) -> int:
    """Queue the mixed stream in the sandbox; return how many updates it holds."""
    count = 0
    async with SandboxClient(url) as sb:
        for step in range(STEPS):
            for telegram_id in city.people:
                question, notice, round_id = messages[telegram_id]
                chat = {"chat": {"id": telegram_id}}
                if step == 0:
                    await sb.send_text(telegram_id, "/activities")
                elif step == 1:
                    await sb.press(telegram_id, {**chat, "message_id": question},
                                   data=f"ci:{round_id}:fine")
                elif step == 2:
                    await sb.send_text(telegram_id, "/events")
                elif step == 3:
                    await sb.press(telegram_id, {**chat, "message_id": notice}, text="参加する")
                else:
                    await sb.send_text(telegram_id, "/checkin")
                count += 1
    return count


async def timed(application: Any, total: int, before: Callable[[], Awaitable[None]] | None
                ) -> float:
    """Return the seconds ``application`` takes to handle ``total`` queued updates."""
    done = counting(application, total)
    await application.initialize()
    if before is not None:
        await before()
    await application.start()
    profiler = None
    if PROFILE and before is not None:
        import cProfile  # noqa: PLC0415
        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    await application.updater.start_polling(poll_interval=0.0, timeout=10)
    async with asyncio.timeout(900):
        await done.wait()
    elapsed = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(PROFILE)
    if VERBOSE:
        print(f"{type(application).__name__}: {elapsed:.2f}s wall, "
              f"{time.process_time() - cpu:.2f}s CPU", file=sys.stderr)
        for kind, times in sorted(TIMES.items()):
            print(f"  {kind:<14} {len(times):>5} x {1000 * sum(times) / len(times):6.1f} ms, "
                  f"{sum(COUNTS[kind]) / len(times):4.1f} statements", file=sys.stderr)
    TIMES.clear()
    COUNTS.clear()
    await application.updater.stop()
    await application.stop()
    return elapsed


async def run(database_url: str, people: int) -> tuple[float, float, int]:
    """Return (echo updates/s, bot updates/s, updates) on one database."""
    engine = create_engine(database_url)
    try:
        city = await generate(engine, residents=people, activities=600)
    finally:
        await engine.dispose()
    with sandbox_process([city.coordinator, *city.people]) as url:
        api_url = f"{url}/bot"
        messages = await prepare_chats(database_url, city, api_url)
        total = await queue_stream(url, city, messages)
        echo = echo_bot(api_url)
        echo_seconds = await timed(echo, total, None)
        await echo.shutdown()

        await queue_stream(url, city, messages)
        settings = load_settings(_env_file=None, database_url=database_url,
                                 bot_api_url=api_url, group_quiet_hours="0-0")
        application = build_application(settings, TOKEN)

        async def post_init() -> None:
            await application.post_init(application)

        async with SandboxClient(url) as sb:
            before = len(await sb.requests())
        bot_seconds = await timed(application, total, post_init)
        async with SandboxClient(url) as sb:
            calls = (await sb.requests())[before:]
        if VERBOSE:
            from collections import Counter  # noqa: PLC0415
            print(Counter(c["method"] for c in calls), file=sys.stderr)
        await application.services.stop_dispatcher()
        await application.shutdown()
        await application.services.close()
    return total / echo_seconds, total / bot_seconds, total


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.databases.split(","):
            with bench_database(kind, Path(folder)) as database_url:
                echo, ours, total = asyncio.run(run(database_url, args.people))
            rows.append((kind, total, echo, ours, ours / echo))
    print(f"{'database':<11} {'updates':>7} {'echo bot/s':>10} {'otagai/s':>9} {'ratio':>6}")
    for kind, total, echo, ours, ratio in rows:
        print(f"{kind:<11} {total:>7} {echo:>10.1f} {ours:>9.1f} {ratio:>6.0%}")


if __name__ == "__main__":
    main()
