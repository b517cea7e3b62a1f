"""Test databases: SQLite by default, PostgreSQL when OTAGAI_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import delete
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import load_settings
from models.base import Base
from models.db import upgrade

TEST_DATABASE_ENV = "OTAGAI_TEST_DATABASE_URL"


def _normalized(url: str) -> str:
    # Accept the plain postgresql:// form CI uses; the settings map it to asyncpg.
    return load_settings(_env_file=None, database_url=url).database_url


async def _admin(url: str, statement: str) -> None:
    target = make_url(url)
    connection = await asyncpg.connect(
        host=target.host, port=target.port or 5432, user=target.username,
        password=target.password, database=target.database,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def migrated_database(tmp_dir: Path, revision: str = "head") -> Iterator[str]:
    """Yield the URL of a fresh database at the newest schema (or at ``revision``), dropped
    afterwards."""
    server = os.environ.get(TEST_DATABASE_ENV)
    if not server:
        url = f"sqlite+aiosqlite:///{tmp_dir / 'otagai-test.db'}"
        upgrade(url, revision)
        yield url
        return
    server = _normalized(server)
    name = f"otagai_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url, revision)
        yield url
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def empty_all_tables(engine: AsyncEngine) -> None:
    """Delete every row, so each test starts from an empty schema."""
    tables = list(reversed(Base.metadata.sorted_tables))
    if engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    async with engine.connect() as connection:
        # Self-references (a district's municipality) defeat any delete order; SQLite only
        # honours this pragma outside a transaction, which is where it runs here.
        await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in tables:
            await connection.execute(delete(table))
        await connection.commit()
        await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
