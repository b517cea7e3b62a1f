"""`otagai run` talks to whatever Bot API the settings name, here an in-process sandbox."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.sandbox import SandboxClient, SandboxServer

OTAGAI = Path(sys.executable).with_name("otagai")
pytestmark = pytest.mark.processes  # starts the `otagai` command


async def test_run_polls_the_configured_bot_api_and_stops_cleanly(
    sandbox: SandboxServer, sb: SandboxClient, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTAGAI_")}
    env |= {"OTAGAI_TELEGRAM_TOKEN": "123456:REAL-LOOKING", "OTAGAI_BOT_API_URL":
            sandbox.bot_api_url, "OTAGAI_DEFAULT_LANGUAGE": "en"}
    process = await asyncio.create_subprocess_exec(
        str(OTAGAI), "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(30):
            ready = await process.stdout.readline()
        while b"Ctrl+C" not in ready:
            async with asyncio.timeout(30):
                ready += await process.stdout.readline()
        username = (await sb.state())["bot"]["username"]
        assert f"@{username}".encode() in ready

        person = await sb.create_user(first_name="Ken", language_code="en")
        sent = await sb.send_text(person["id"], "/start")
        reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
        assert reply["text"].startswith("Hello, this is Otagai")  # the default language
    finally:
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    assert b"Traceback" not in output
    assert (tmp_path / "otagai.db").exists()  # SQLite migrated on start
