"""Two ``otagai webhook`` processes on PostgreSQL behind a round-robin proxy.

The sandbox posts a stream of updates to the proxy, which alternates between the processes
and now and then hands the same update to both (a Telegram redelivery). Each update must be
handled exactly once: every message gets exactly one answer. Meanwhile both processes run
the weekly digest job (due at once), and each council's digest goes out once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.sandbox import SandboxClient, SandboxServer
from models.db import session_factory
from models.updates import ProcessedUpdate
from tests.auxil.delivery import until_settled
from tests.auxil.digest_readers import (
    check_everyone_got_their_digests,
    digest_councils,
    digest_runs,
    queued_digest_sends,
    sends,
)
from tests.auxil.forwarder import forwarding
from tests.auxil.webhook import PATH, SECRET

OTAGAI = Path(sys.executable).with_name("otagai")
PEOPLE, MESSAGES = 12, 4

# Several webhook processes at once: SQLite has one writer.
pytestmark = [pytest.mark.postgres, pytest.mark.processes]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def webhook_process(sandbox: SandboxServer, database_url: str, workdir: Path
                          ) -> AsyncIterator[str]:
    """Run ``otagai webhook`` on a free port; yield its base URL once it is ready."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTAGAI_")}
    env |= {"OTAGAI_TELEGRAM_TOKEN": "123:TEST", "OTAGAI_BOT_API_URL": sandbox.bot_api_url,
            "OTAGAI_DATABASE_URL": database_url, "OTAGAI_WEBHOOK_PATH": PATH,
            "OTAGAI_WEBHOOK_SECRET": SECRET, "OTAGAI_WEBHOOK_PORT": str(port),
            "OTAGAI_GROUP_QUIET_HOURS": "0-0", "OTAGAI_JOBS_DELAY": "1",
            "OTAGAI_DIGEST_WEEKDAY": "0", "OTAGAI_DIGEST_HOUR": "0"}
    process = await asyncio.create_subprocess_exec(
        str(OTAGAI), "webhook", cwd=workdir, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with asyncio.timeout(30), aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(f"{base}/readyz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert process.returncode is None, await process.stdout.read()
                await asyncio.sleep(0.2)
        yield base
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                await process.communicate()


async def test_two_webhook_processes_handle_each_update_once(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, database_url: str,
    tmp_path: Path
) -> None:
    councils = await digest_councils(sandbox, engine)
    async with AsyncExitStack() as stack:
        backends = [await stack.enter_async_context(
            webhook_process(sandbox, database_url, tmp_path)) for _ in range(2)]
        proxy = await stack.enter_async_context(forwarding(backends, twice=5))
        async with Bot("123:TEST", base_url=sandbox.bot_api_url) as bot:
            await bot.set_webhook(f"http://127.0.0.1:{proxy.port}{PATH}", secret_token=SECRET)
        people = [await sb.create_user(first_name=f"住民{n}") for n in range(PEOPLE)]
        for _ in range(MESSAGES):
            for person in people:
                await sb.send_text(person["id"], "/help")
        async with asyncio.timeout(60):
            for person in people:
                while True:
                    answers = [m for m in await sb.messages(person["id"])
                               if m["from"].get("is_bot")]
                    if len(answers) >= MESSAGES:
                        break
                    await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # time for a duplicate answer to show, were there one
        for person in people:
            answers = [m for m in await sb.messages(person["id"]) if m["from"].get("is_bot")]
            assert len(answers) == MESSAGES
            assert all(a["text"].startswith("使い方") for a in answers)
        async with asyncio.timeout(60):
            while len(await digest_runs(engine)) < len(councils):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        await until_settled(engine)
    async with session_factory(engine)() as session:
        handled = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    assert handled == PEOPLE * MESSAGES
    # Each council's digest was built, claimed and sent once, by one process or the other.
    assert await digest_runs(engine) == [(c, len(p)) for c, p in sorted(councils.items())]
    readers = set().union(*councils.values())
    received = Counter({send: n for send, n in sends(await sb.requests()).items()
                        if send[1] in readers})  # not the answers to /help
    check_everyone_got_their_digests(await queued_digest_sends(engine), received, councils)
    assert set(received.values()) == {1}
    statuses = {entry["status"] for entry in sandbox.webhook.log}
    assert statuses == {200}
