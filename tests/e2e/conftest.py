"""End-to-end fixtures: the sandbox Bot API over HTTP and the real bot polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication, build_application
from bot.runner import running
from bot.sandbox import SandboxClient, SandboxServer
from bot.settings import Settings, load_settings


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """A fresh sandbox Bot API on a free port."""
    async with SandboxServer(port=0) as server:
        yield server


@pytest.fixture
async def sb(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    """A client that acts as people in the sandbox."""
    async with SandboxClient(sandbox.url) as client:
        yield client


@pytest.fixture
def settings(sandbox: SandboxServer, database_url: str) -> Settings:
    """Settings pointing the bot at the sandbox and the test database."""
    return load_settings(
        _env_file=None, database_url=database_url,
        bot_api_url=sandbox.bot_api_url, bot_file_url=sandbox.bot_file_url,
        group_quiet_hours="0-0",  # tests run at any hour of the day
        # One update at a time: the walks act as one person after another reads a reply
        # (sent before its update commits). Several at once: tests/e2e/test_concurrency.py.
        update_concurrency=1,
    )


@pytest.fixture
async def bot(settings: Settings, engine: AsyncEngine) -> AsyncIterator[OtagaiApplication]:
    """The real application, polling the sandbox, with fast retries."""
    application = build_application(settings, "123456:TEST", retry_backoff=0.01)
    async with running(application):
        yield application
