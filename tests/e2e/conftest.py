"""End-to-end fixtures: the sandbox Bot API over HTTP and the real bot polling it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication, build_application
from bot.runner import running
from bot.sandbox import SandboxClient, SandboxServer
from bot.settings import Settings, load_settings

# Tasks that were still waiting after the test's teardown cancelled them (see below).
STUCK: list[str] = []
STUCK_PATIENCE = 20.0


@pytest.fixture(autouse=True)
async def _no_task_ignores_cancellation(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After every other fixture has stopped, cancel what is left and let it finish.

    Closing the test's event loop waits, with no limit, for every task still pending to
    finish after being cancelled. A task that ignores its cancellation would hang the run
    (it hung a CI run once, 80 minutes, with no clue which task). Here it is waited for
    ``STUCK_PATIENCE`` seconds, then reported with its stack at the end of the run and
    released, so the loop closes and the run goes on.
    """
    yield
    current = asyncio.current_task()
    left = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    for task in left:
        task.cancel()
    if not left:
        return
    _done, stuck = await asyncio.wait(left, timeout=STUCK_PATIENCE)
    for task in stuck:
        stack = io.StringIO()
        task.print_stack(file=stack)
        STUCK.append(f"{request.node.nodeid}: {task.get_name()}\n{stack.getvalue()}")
        asyncio.tasks._unregister_task(task)  # the loop no longer waits for it


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the tasks that ignored their cancellation, for whoever reads the run."""
    if STUCK:
        terminalreporter.section("tasks that ignored cancellation (released)")
        for report in STUCK:
            terminalreporter.write_line(report)


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
