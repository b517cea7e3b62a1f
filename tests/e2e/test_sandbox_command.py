"""`otagai sandbox` as the README says: one command, a page, the town, kept across restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox import SandboxClient
from bot.sandbox.town import GROUP_CHAT_ID, HOME_DISTRICT, MEETING_TITLE, PERSONAS
from tests.auxil.town import sign_up

OTAGAI = Path(sys.executable).with_name("otagai")
pytestmark = pytest.mark.processes  # starts the `otagai` command
HANAKO = PERSONAS[0].telegram_id


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def otagai_sandbox(workdir: Path, port: int) -> AsyncIterator[str]:
    """Run ``otagai sandbox --port PORT`` in ``workdir``; yield the URL it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTAGAI_")}
    process = await asyncio.create_subprocess_exec(
        str(OTAGAI), "sandbox", "--port", str(port), cwd=workdir, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    output: list[str] = []
    url = f"http://127.0.0.1:{port}/"
    try:
        async with asyncio.timeout(60):
            while url not in "".join(output):
                line = await process.stdout.readline()
                assert line, "otagai sandbox exited early:\n" + "".join(output)
                output.append(line.decode())
        yield url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(30):
                rest, _ = await process.communicate()
            output.append(rest.decode())
    assert process.returncode == 0, "".join(output)
    assert "Traceback" not in "".join(output), "".join(output)


async def test_sandbox_serves_the_town_and_keeps_what_was_stored(tmp_path: Path) -> None:
    port = _free_port()
    async with otagai_sandbox(tmp_path, port) as url:
        async with aiohttp.ClientSession() as http, http.get(url) as page:
            assert page.status == 200
            assert "<html" in (await page.text()).lower()
        async with SandboxClient(url.rstrip("/")) as sb:
            state = await sb.state()
            user_ids = {user["id"] for user in state["users"]}
            assert {p.telegram_id for p in PERSONAS} <= user_ids
            assert GROUP_CHAT_ID in {chat["id"] for chat in state["chats"]}

            done = await sign_up(sb, HANAKO, HOME_DISTRICT)
            assert f"「{HOME_DISTRICT}」の住民として登録しました。" in done["text"]
            sent = await sb.send_text(HANAKO, "/events")
            _heading, demo = await sb.wait_for_messages(HANAKO, after=sent["message_id"],
                                                        count=2)
            assert MEETING_TITLE in demo["text"]
            assert "参加予定 1/10名・キャンセル待ち 0名" in demo["text"]
            sent = await sb.send_text(HANAKO, "/language")
            question = await sb.wait_for_message(HANAKO, after=sent["message_id"])
            await sb.press(HANAKO, question, text="English")
            await sb.wait_for_edit(HANAKO, question["message_id"])

    assert (tmp_path / "otagai.db").exists()
    async with otagai_sandbox(tmp_path, port) as url, SandboxClient(url.rstrip("/")) as sb:
        history = await sb.messages(HANAKO)
        assert any("住民として登録しました" in m.get("text", "") for m in history)
        sent = await sb.send_text(HANAKO, "/start")
        greeting = await sb.wait_for_message(HANAKO, after=sent["message_id"])
        assert greeting["text"].startswith("Hello, this is Otagai")
