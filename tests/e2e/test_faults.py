"""Faults: a Bot API failing at random, and a database gone for a few seconds.

(A dispatcher killed with SIGKILL mid-broadcast: ``test_delivery_processes.py``.)
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application
from bot.dispatch import DispatchConfig
from bot.runner import running
from bot.sandbox import SandboxClient, SandboxServer
from bot.settings import Settings
from models import OutboxStatus
from models.db import is_sqlite
from tests.auxil.delivery import broadcast_to_residents, register_people, until_settled
from tests.auxil.town import make_town
from tests.auxil.webhook import webhook_bot, webhook_settings

TEXT = "断水のお知らせです"
ON_POSTGRESQL = not is_sqlite(os.environ.get("OTAGAI_TEST_DATABASE_URL") or "sqlite://")


@pytest.fixture
async def chaotic_bot(settings: Settings, engine: AsyncEngine) -> AsyncIterator[None]:
    """The bot with a dispatcher that retries after a fraction of a second."""
    application = build_application(settings, "123456:TEST", retry_backoff=0.01,
                                    dispatch=DispatchConfig(retry_base=timedelta(seconds=0.3)),
                                    read_timeout=1.0)
    async with running(application):
        yield


async def test_a_bot_api_failing_at_random_loses_no_message(
    chaotic_bot: None, sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine
) -> None:
    town = await make_town(engine)
    people = await register_people(sandbox, engine, town.east, 150)
    # One call in five fails: 429, 500, 502, 503, or no answer within the client's time
    # (the message is delivered all the same, as happens with Telegram).
    await sb.set_chaos(0.2, outcomes=[429, 500, 502, 503, "timeout"], seed=7,
                       timeout_seconds=1.5)
    await broadcast_to_residents(engine, town.east, TEXT)
    counts = await until_settled(engine)
    done = await sb.clear_chaos()
    assert counts[OutboxStatus.SENT] == 150
    assert counts[OutboxStatus.FAILED] == 0
    assert sum(done["count"].values()) >= 20  # the chaos really happened
    received = Counter(int(r["params"]["chat_id"]) for r in await sb.requests("sendMessage")
                       if r["status"] == 200 and r["params"].get("text") == TEXT)
    assert set(received) == set(people)  # nothing lost
    # Only a message whose answer never came can arrive twice.
    assert sum(n - 1 for n in received.values()) <= done["count"].get("timeout", 0)


async def _admin_connection() -> asyncpg.Connection:
    server = make_url(os.environ["OTAGAI_TEST_DATABASE_URL"])
    return await asyncpg.connect(host=server.host, port=server.port or 5432,
                                 user=server.username, password=server.password,
                                 database=server.database)


async def _ready(port: int) -> int:
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{port}/readyz") as response:
        return response.status


@pytest.mark.postgres  # cuts PostgreSQL's connections
async def test_the_bot_waits_out_a_postgresql_outage_and_loses_no_update(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, database_url: str
) -> None:
    name = make_url(database_url).database
    async with webhook_bot(webhook_settings(sandbox, database_url)) as (_app, server):
        person = await sb.create_user(first_name="花子")
        admin = await _admin_connection()
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
            assert await _ready(server.port) == 503
            sent = await sb.send_text(person["id"], "/start")
            await asyncio.sleep(3)  # the outage: a few seconds
            assert await sb.messages(person["id"], after=sent["message_id"]) == []
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await admin.close()
        reply = await sb.wait_for_message(person["id"], after=sent["message_id"], timeout=20)
        assert reply["text"].startswith("こんにちは。")
        assert await _ready(server.port) == 200
        later = await sb.send_text(person["id"], "/help")
        assert (await sb.wait_for_message(person["id"], after=later["message_id"])
                )["text"].startswith("使い方")


@pytest.mark.skipif(ON_POSTGRESQL, reason="locks the SQLite file")
async def test_the_bot_waits_out_a_locked_sqlite_database_and_loses_no_update(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, database_url: str
) -> None:
    async with webhook_bot(webhook_settings(sandbox, database_url)):
        person = await sb.create_user(first_name="花子")
        # Another program holds the write lock longer than the bot's 5 s busy timeout. It
        # waits for the lock in a thread: the bot shares this event loop, and may be in the
        # middle of a transaction that needs the loop to finish (its dispatcher's first tick).
        holder = sqlite3.connect(make_url(database_url).database, isolation_level=None,
                                 timeout=30, check_same_thread=False)
        try:
            await asyncio.to_thread(holder.execute, "BEGIN EXCLUSIVE")
            sent = await sb.send_text(person["id"], "/start")
            await asyncio.sleep(6.5)
            assert await sb.messages(person["id"], after=sent["message_id"]) == []
        finally:
            if holder.in_transaction:
                holder.execute("COMMIT")
            holder.close()
        reply = await sb.wait_for_message(person["id"], after=sent["message_id"], timeout=20)
        assert reply["text"].startswith("こんにちは。")
