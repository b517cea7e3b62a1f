"""Administrative tasks behind the command line: areas import and listing, first admins."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot import exports
from bot.identity import ensure_person_of
from bot.runner import StartupError, prepare_database
from bot.settings import Settings
from locales.i18n import N_, current_language, format_datetime, plain, use_language
from models import Area, Council, OutboxStatus, Role
from models.activities import registry
from models.areas import all_areas, find_area, import_areas
from models.clock import utcnow
from models.db import create_engine, session_factory
from models.digests import iso_week_name, parse_iso_week
from models.outbox import counts_by_status, oldest_waiting
from models.roles import grant_role

Say = Callable[[str], None]


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncSession]:
    """Yield a session on the (migrated, for SQLite) database; the engine closes after."""
    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()


def read_file(path: Path) -> bytes:
    """Return the file's bytes, or raise ``StartupError`` saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StartupError("areas.import.unreadable", path=path, reason=exc.strerror) from None


async def import_areas_file(settings: Settings, data: bytes, say: Say) -> bool:
    """Import districts from CSV bytes; return False (having said why) if nothing was added."""
    async with database(settings) as session:
        result = await import_areas(session, data)
        if result.problems:
            await session.rollback()
        else:
            await session.commit()
    for problem in result.problems:
        say(plain("areas.import.problem", line=problem.line, problem=plain(problem.key)))
    if result.problems:
        say(plain("areas.import.nothing_added"))
        return False
    say(plain("areas.import.done", created=result.created, existing=result.existing))
    return True


async def list_areas(settings: Settings, say: Say) -> None:
    """Print every municipality with its districts."""
    async with database(settings) as session:
        areas = await all_areas(session)
    if not areas:
        say(plain("areas.empty"))
    for area in areas:
        say(area.name if area.parent_id is None else f"  {area.name}")


THRESHOLD_FIELDS = ("watch_alert_hours", "watch_contact_hours", "need_resend_hours")


async def set_thresholds(settings: Settings, municipality: str, values: dict[str, int | None],
                         say: Say) -> bool:
    """Set (or show) a municipality's own watching and needs thresholds, in hours."""
    async with database(settings) as session:
        area = await find_area(session, municipality)
        if area is None:
            say(plain("areas.thresholds.unknown", name=municipality))
            return False
        for field, value in values.items():
            if value is not None:
                if not 1 <= value <= 720:
                    say(plain("areas.thresholds.out_of_range", value=value))
                    return False
                setattr(area, field, value)
        await session.commit()
        shown = {field: getattr(area, field) for field in THRESHOLD_FIELDS}
    default = plain("areas.thresholds.default")
    say(plain("areas.thresholds.current", name=municipality,
              alert=shown["watch_alert_hours"] or default,
              contact=shown["watch_contact_hours"] or default,
              resend=shown["need_resend_hours"] or default))
    return True


async def grant_admin(settings: Settings, telegram_id: int, say: Say) -> None:
    """Make the person with this Telegram id an administrator everywhere."""
    async with database(settings) as session:
        person = await ensure_person_of(session, telegram_id)
        await grant_role(session, person, Role.ADMIN, None)
        await session.commit()
    say(plain("admin.granted", telegram_id=telegram_id))


async def outbox_summary(settings: Settings, say: Say) -> None:
    """Print how many outbox messages are in each state, and the oldest waiting one."""
    async with database(settings) as session:
        counts = await counts_by_status(session)
        oldest = await oldest_waiting(session)
    for status, count in counts.items():
        say(plain("outbox.count_line", status=plain(OUTBOX_STATUS_LABELS[status]), count=count))
    if oldest is not None:
        with use_language(current_language(), settings.zone):
            say(plain("outbox.oldest", when=format_datetime(oldest.due_at),
                      attempts=oldest.attempts, error=oldest.last_error or "-"))


OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: N_("outbox.status.pending"),
    OutboxStatus.SENDING: N_("outbox.status.sending"),
    OutboxStatus.SENT: N_("outbox.status.sent"),
    OutboxStatus.FAILED: N_("outbox.status.failed"),
    OutboxStatus.BLOCKED: N_("outbox.status.blocked"),
    OutboxStatus.CANCELLED: N_("outbox.status.cancelled"),
}


async def export_activities(settings: Settings, folder: Path, say: Say) -> list[Path]:
    """Write the activity registry as CSV and XLSX into ``folder``; return the files."""
    async with database(settings) as session:
        found = await registry(session)
    with use_language(current_language(), settings.zone):
        rows = [exports.row(activity, district, count) for activity, district, count in found]
        files = {folder / plain("export.file_csv"): exports.to_csv(rows),
                 folder / plain("export.file_xlsx"): exports.to_xlsx(rows)}
    for path, data in files.items():
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise StartupError("export.unwritable", path=path, reason=exc.strerror) from None
    say(plain("export.done", count=len(rows), files=", ".join(str(p) for p in files)))
    return list(files)


DIGEST_FORMATS = ("text", "png", "xlsx")


def html_to_text(text: str) -> str:
    """Return Telegram HTML as plain text (for a terminal or a .txt file)."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))


async def council_digest(settings: Settings, council_id: int, week_name: str, *, form: str,
                         out: Path | None, exact: bool, say: Say) -> Path | None:
    """Print a council's digest of an ISO week, or write it (text, PNG or XLSX) into ``out``.

    PNG and XLSX always go to a file (``out``, or the current folder); text goes to the
    terminal unless ``out`` is given. Counts are suppressed as for councils unless ``exact``.
    """
    from scheduler.digests.aggregate import build_digest  # noqa: PLC0415 - matplotlib is slow
    from scheduler.digests.delivery import render_files  # noqa: PLC0415
    from scheduler.digests.render import Reader  # noqa: PLC0415

    try:
        week = parse_iso_week(week_name)
    except ValueError:
        raise StartupError("digest.cli.bad_week", week=week_name) from None
    async with database(settings) as session:
        council = await session.get(Council, council_id)
        if council is None:
            raise StartupError("digest.cli.no_council", council=council_id)
        digest = await build_digest(session, council, week, settings.zone)
    with use_language(current_language(), settings.zone):
        files = render_files(digest, Reader(exact, settings.digest_threshold))
    text = html_to_text(files.text)
    if form == "text" and out is None:
        say(text)
        return None
    data = {"text": text.encode("utf-8"), "png": files.chart, "xlsx": files.workbook}[form]
    suffix = {"text": "txt", "png": "png", "xlsx": "xlsx"}[form]
    path = (out or Path.cwd()) / f"digest-{council.id}-{iso_week_name(week)}.{suffix}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise StartupError("export.unwritable", path=path, reason=exc.strerror) from None
    say(plain("digest.cli.written", path=path))
    return path


async def kayoinoba_survey(settings: Settings, fiscal_year: int, out: Path, *,
                           month: str | None = None, area_id: int | None = None,
                           exact: bool = False, say: Say) -> Path:
    """Write the 通いの場 survey of a fiscal year as XLSX into the folder ``out``; return the
    file. Raise StartupError for a fiscal year without places, a bad month or folder.

    Counts under the digest's threshold are hidden (with what would give them back) unless
    ``exact``: the exact file is the one to file with the survey, the other to share."""
    from scheduler.digests.survey_workbook import Hidden, survey_workbook  # noqa: PLC0415
    from scheduler.survey import (  # noqa: PLC0415
        SurveyError,
        build_survey,
        hidden_counts,
        parse_month,
    )

    _check_folder(out)
    say(plain("survey.cli.reading", year=fiscal_year))
    try:
        chosen = parse_month(month) if month else None
        async with database(settings) as session:
            survey = await build_survey(session, fiscal_year, settings.zone, month=chosen,
                                        area_id=area_id)
    except SurveyError as exc:
        raise StartupError(exc.key, **exc.params) from None
    say(plain("survey.cli.writing", count=len(survey.places)))
    with use_language(current_language(), settings.zone):
        threshold = settings.digest_threshold
        hidden = None if exact else Hidden(hidden_counts(survey, threshold), threshold)
        data = survey_workbook(survey, utcnow().astimezone(settings.zone).date(), hidden)
        name = N_("survey.file") if exact else N_("survey.file_shared")
        path = out / plain(name, year=fiscal_year)
    _write_into(out, path, data)
    missing = sum(1 for place in survey.places if place.missing())
    say(plain("survey.cli.done", path=path, count=len(survey.places), missing=missing,
              year=survey.month.year, month=survey.month.month))
    return path


def _check_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise StartupError("survey.cli.bad_out", path=out)


def _write_into(out: Path, path: Path, data: bytes) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise StartupError("survey.cli.unwritable", path=path, reason=exc.strerror) from None


# -- population and outcome indicators ---------------------------------------------------

POPULATION_PROBLEMS = (  # the keys models.population names its problems with
    N_("population.import.not_text"), N_("population.import.bad_csv"),
    N_("population.import.bad_header"), N_("population.import.empty"),
    N_("population.import.unknown_district"), N_("population.import.ambiguous"),
    N_("population.import.not_number"), N_("population.import.negative"),
    N_("population.import.too_big"), N_("population.import.older_than_65"),
    N_("population.import.bad_date"), N_("population.import.twice"))


async def import_population_file(settings: Settings, data: bytes, say: Say) -> bool:
    """Store districts' population from CSV bytes; return False (having said why every bad
    line is bad) if anything was wrong, and then nothing is changed."""
    from models.population import import_population  # noqa: PLC0415

    async with database(settings) as session:
        today = utcnow().astimezone(settings.zone).date()
        result = await import_population(session, data, today)
        if result.problems:
            await session.rollback()
        else:
            await session.commit()
    for problem in result.problems:
        if problem.column:
            say(plain("population.import.problem", line=problem.line, column=problem.column,
                      problem=plain(problem.key)))
        else:
            say(plain("population.import.line_problem", line=problem.line,
                      problem=plain(problem.key)))
    if result.problems:
        say(plain("population.import.nothing_changed"))
        return False
    say(plain("population.import.done", count=result.stored))
    return True


REPORT_FORMATS = ("text", "png", "xlsx")


async def outcome_report(settings: Settings, fiscal_year: int, quarter: int | None, *,
                         area_id: int | None, form: str, out: Path | None, exact: bool,
                         say: Say) -> Path | None:
    """Print the outcome indicators of a period, or write them (text, PNG or XLSX) to ``out``
    (a file, or a folder for the usual name). Counts are suppressed unless ``exact``."""
    from scheduler.indicators import Period, build_report  # noqa: PLC0415
    from scheduler.outcomes import report_chart, report_text, report_workbook  # noqa: PLC0415

    if quarter is not None and not 1 <= quarter <= 4:
        raise StartupError("report.cli.bad_quarter", quarter=quarter)
    period = Period(fiscal_year, quarter)
    async with database(settings) as session:
        if area_id is None:
            cities = [a for a in await all_areas(session) if a.parent_id is None]
            if len(cities) != 1:
                raise StartupError("report.cli.choose_area")
            area = cities[0]
        else:
            found = await session.get(Area, area_id)
            if found is None:
                raise StartupError("report.cli.no_area", area=area_id)
            area = found
        report = await build_report(session, area, period, settings.zone, now=utcnow(),
                                    threshold=settings.digest_threshold, exact=exact)
    with use_language(current_language(), settings.zone):
        if form == "png":
            data = report_chart(report)
        elif form == "xlsx":
            data = report_workbook(report)
        else:
            text = html_to_text(report_text(report))
            if out is None:
                say(text)
                return None
            data = text.encode("utf-8")
    suffix = {"text": "txt", "png": "png", "xlsx": "xlsx"}[form]
    name = f"report-{area.id}-{period.name}.{suffix}"
    path = out or Path.cwd() / name
    if path.is_dir():
        path = path / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise StartupError("export.unwritable", path=path, reason=exc.strerror) from None
    say(plain("report.cli.written", path=path))
    return path
