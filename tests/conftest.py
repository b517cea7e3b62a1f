"""Fixtures shared by every test: a migrated database and sessions on it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models import clock
from models.db import create_engine, is_sqlite, session_factory
from tests.auxil.database import TEST_DATABASE_ENV, empty_all_tables, migrated_database

# Tests act as people far faster than people do: a walk through a conversation sends dozens
# of updates from one person in a few seconds. The flood guard (models/limits.py) would stop
# them, so it is raised for every bot the suite starts, in this process or as a process of
# its own; the tests about it set it themselves (tests/e2e/test_limits.py). Set
# OTAGAI_FLOOD_UPDATES before running the suite to run it with another limit.
os.environ.setdefault("OTAGAI_FLOOD_UPDATES", "10000")

ON_POSTGRESQL = not is_sqlite(os.environ.get(TEST_DATABASE_ENV) or "sqlite://")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the end-to-end tests as such, and skip PostgreSQL's own tests on SQLite."""
    needs_postgresql = pytest.mark.skip(reason=f"needs PostgreSQL: set {TEST_DATABASE_ENV}")
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)
        if item.get_closest_marker("postgres") and not ON_POSTGRESQL:
            item.add_marker(needs_postgresql)


@pytest.fixture(autouse=True)
def _clock_back_on_time() -> Iterator[None]:
    """Whatever a test did to the application's clock, the next one starts on real time."""
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of this test run's database, migrated once."""
    with migrated_database(tmp_path_factory.mktemp("database")) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, emptied before the test."""
    engine = create_engine(database_url)
    await empty_all_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session on the emptied test database; the test decides when to commit."""
    async with session_factory(engine)() as session:
        yield session
