"""Engines, sessions and Alembic migrations."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExceptionContext, make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def is_sqlite(url: str) -> bool:
    """Return True for a SQLite database URL."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets readers work while one writer writes.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def database_unreachable(exc: BaseException) -> bool:
    """True for a lost or refused database connection (worth trying again), not for a bug."""
    if isinstance(exc, IntegrityError | DataError):
        return False
    if isinstance(exc, DBAPIError):
        return True  # SQLAlchemy's wrapping of the driver's connection and lock errors
    return isinstance(exc, OSError | TimeoutError | ConnectionError)


# C0 and C1 control characters but tab and newline, and lone surrogates: PostgreSQL refuses
# NUL and surrogates, and none of them has a place in what people type or are shown.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Return ``value`` without control characters (newline and tab stay)."""
    return _UNWANTED.sub("", value)


def _clean(parameters: Any) -> Any:
    if isinstance(parameters, dict):
        return {key: clean_text(value) if isinstance(value, str) else value
                for key, value in parameters.items()}
    if isinstance(parameters, list | tuple):
        return type(parameters)(clean_text(value) if isinstance(value, str) else value
                                for value in parameters)
    return parameters


def _clean_parameters(_connection: Any, _cursor: Any, statement: str, parameters: Any,
                      _context: Any, executemany: bool) -> tuple[str, Any]:
    # Every text a statement carries, whichever model or statement it comes from: names,
    # typed answers, notes, titles, imported files.
    if executemany:
        return statement, [_clean(one) for one in parameters]
    return statement, _clean(parameters)


def _drop_row_details(context: ExceptionContext) -> None:
    # PostgreSQL's DETAIL names the values of a failing row ("Key (parent_id, name)=(1, …)
    # already exists"); asyncpg puts it in the text of its error, and so in every traceback.
    seen: BaseException | None = context.original_exception
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(getattr(seen, "detail", None), str):
            seen.detail = None  # type: ignore[attr-defined]  # asyncpg's errors have it
        seen = seen.__cause__ or seen.__context__


def _json(value: Any) -> str:
    # JSON writes a control character as an escape ("\\u0000"), which the cleaning of text
    # parameters would not see: the strings inside are cleaned before.
    return json.dumps(_deep_clean(value))


def _deep_clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _deep_clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_deep_clean(item) for item in value]
    return value


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Return an async engine for ``url`` with the settings this project relies on.

    Text parameters, and the texts inside JSON values, lose their control characters
    (``clean_text``) on their way to the database; errors and logs never show parameters
    (they hold personal data).
    """
    engine = create_async_engine(url, pool_pre_ping=not is_sqlite(url), hide_parameters=True,
                                 json_serializer=_json, **kwargs)
    event.listen(engine.sync_engine, "before_cursor_execute", _clean_parameters, retval=True)
    event.listen(engine.sync_engine, "handle_error", _drop_row_details)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory: one session per update, objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """Return an Alembic configuration pointing at ``url`` and our migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (blocking; run it in a thread from async)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` without blocking the event loop."""
    await asyncio.to_thread(upgrade, url, revision)


def head_revision() -> str | None:
    """Return the newest migration's revision id."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    """Return the revision the database is at, or None for an empty database."""

    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)
