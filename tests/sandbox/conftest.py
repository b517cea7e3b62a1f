"""Fixtures of the sandbox tests: a running emulator and a real PTB Bot pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.sandbox import SandboxClient, SandboxServer


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """Yield a started sandbox on a free port."""
    async with SandboxServer(port=0) as sandbox:
        yield sandbox


@pytest.fixture
async def tg(server: SandboxServer) -> AsyncIterator[Bot]:
    """Yield an initialised PTB Bot talking to the sandbox over HTTP."""
    async with Bot(
        token="123:ABC", base_url=server.bot_api_url, base_file_url=server.bot_file_url
    ) as bot:
        yield bot


@pytest.fixture
async def sb(server: SandboxServer) -> AsyncIterator[SandboxClient]:
    """Yield a SandboxClient on the running sandbox."""
    async with SandboxClient(server.url) as client:
        yield client
