"""Administrative tasks behind the command line: areas import and listing, first admins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.i18n import plain
from bot.runner import StartupError, prepare_database
from bot.settings import Settings
from models import Role
from models.areas import all_areas, import_areas
from models.db import create_engine, session_factory
from models.people import ensure_person
from models.roles import grant_role

Say = Callable[[str], None]


def read_file(path: Path) -> bytes:
    """Return the file's bytes, or raise ``StartupError`` saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StartupError("areas.import.unreadable", path=path, reason=exc.strerror) from None


async def import_areas_file(settings: Settings, data: bytes, say: Say) -> bool:
    """Import districts from CSV bytes; return False (having said why) if nothing was added."""
    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            result = await import_areas(session, data)
            if result.problems:
                await session.rollback()
    finally:
        await engine.dispose()
    for problem in result.problems:
        say(plain("areas.import.problem", line=problem.line, problem=plain(problem.key)))
    if result.problems:
        say(plain("areas.import.nothing_added"))
        return False
    say(plain("areas.import.done", created=result.created, existing=result.existing))
    return True


async def list_areas(settings: Settings, say: Say) -> None:
    """Print every municipality with its districts."""
    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            areas = await all_areas(session)
    finally:
        await engine.dispose()
    if not areas:
        say(plain("areas.empty"))
    for area in areas:
        say(area.name if area.parent_id is None else f"  {area.name}")


async def grant_admin(settings: Settings, telegram_id: int, say: Say) -> None:
    """Make the person with this Telegram id an administrator everywhere."""
    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            person = await ensure_person(session, telegram_id)
            await grant_role(session, person, Role.ADMIN, None)
    finally:
        await engine.dispose()
    say(plain("admin.granted", telegram_id=telegram_id))
