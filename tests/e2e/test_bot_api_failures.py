"""When the Bot API fails or throttles, the bot retries; when our code fails, it apologises."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import OtagaiApplication, build_application
from bot.context import OtagaiContext
from bot.identity import person_of
from bot.runner import running
from bot.sandbox import SandboxClient
from bot.settings import Settings
from models.clock import utcnow
from models.db import session_factory
from models.people import set_language
from scheduler import JOBS


async def _sends(sb: SandboxClient) -> list[dict]:
    return await sb.requests(method="sendMessage")


async def test_429_is_waited_out_and_the_reply_arrives(
    sb: SandboxClient, bot: OtagaiApplication
) -> None:
    person = await sb.create_user(first_name="花子")
    await sb.add_fault("sendMessage", 429, retry_after=1, times=1)
    sent = await sb.send_text(person["id"], "/help")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"], timeout=15)
    assert reply["text"].startswith("使い方")
    statuses = [r["status"] for r in await _sends(sb)]
    assert statuses == [429, 200]


async def test_500_is_retried_and_the_reply_arrives(
    sb: SandboxClient, bot: OtagaiApplication
) -> None:
    person = await sb.create_user(first_name="花子")
    await sb.add_fault("sendMessage", 500, times=2)
    sent = await sb.send_text(person["id"], "/help")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("使い方")
    assert [r["status"] for r in await _sends(sb)] == [500, 500, 200]


async def test_polling_survives_a_failing_get_updates(
    sb: SandboxClient, bot: OtagaiApplication
) -> None:
    person = await sb.create_user(first_name="花子")
    await sb.add_fault("getUpdates", 500, times=2)
    sent = await sb.send_text(person["id"], "/start")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("こんにちは。")


async def test_a_bot_api_that_keeps_failing_is_logged_without_traceback_and_survived(
    sb: SandboxClient, bot: OtagaiApplication, caplog: pytest.LogCaptureFixture
) -> None:
    person = await sb.create_user(first_name="花子")
    # The reply and then the apology each get 1 try + 3 retries, all answered 500.
    await sb.add_fault("sendMessage", 500, times=8)
    caplog.set_level(logging.WARNING)
    await sb.send_text(person["id"], "/help")
    # Updates are handled one after another, so this answer comes after the first gave up.
    sent = await sb.send_text(person["id"], "/help")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("使い方")
    assert [r["status"] for r in await _sends(sb)] == [500] * 8 + [200]
    assert "the Bot API failed" in caplog.text
    assert "could not apologise" in caplog.text
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_failing_handler_apologises_and_changes_nothing(
    sb: SandboxClient, bot: OtagaiApplication, engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(update: Update, context: OtagaiContext) -> None:
        assert update.effective_user is not None
        set_language(await context.ensure_person(), "en")  # a person and her identity, flushed
        await context.session.flush()
        raise RuntimeError("a bug in a handler")

    bot.add_handler(CommandHandler("broken", broken), group=-1)
    person = await sb.create_user(first_name="花子")
    sent = await sb.send_text(person["id"], "/broken")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("申し訳ありません。うまく処理できませんでした。")
    assert "a bug in a handler" in caplog.text  # a real bug keeps its traceback for us
    async with session_factory(engine)() as session:
        assert await person_of(session, person["id"]) is None  # rolled back


async def test_the_jobs_first_run_counts_from_the_start_however_slow_the_start(
    sb: SandboxClient, engine: AsyncEngine, settings: Settings
) -> None:
    # Setting the command menus is held up for 2 s by a 429, longer than the jobs' delay.
    await sb.add_fault("setMyCommands", 429, retry_after=2, times=1)
    application = build_application(settings.model_copy(update={"jobs_delay": 1}),
                                    "123456:TEST", retry_backoff=0.01)
    async with running(application):
        started = utcnow()  # the application's clock is on real time, as the scheduler's
        assert application.job_queue is not None
        jobs = application.job_queue.jobs()
        assert len(jobs) == len(JOBS)
        for job in jobs:
            assert job.next_t is not None
            # Not an interval later: a first run skipped would leave the bot idle for up to
            # an hour after a slow start.
            assert job.next_t - started < timedelta(seconds=2), job.name
    statuses = [r["status"] for r in await sb.requests(method="setMyCommands")]
    assert statuses[:2] == [429, 200]  # the start really was held up
