"""The ``otagai`` command: sandbox, run, db upgrade."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import tasks
from bot.runner import (
    StartupError,
    run_dispatcher,
    run_polling,
    run_sandbox,
    run_webhook,
    set_webhook,
    upgrade_database,
)
from bot.settings import Settings, SettingsError, load_settings
from locales.i18n import normalize_language, plain, use_language

SANDBOX_STATE = "otagai-sandbox.json"


def _say(text: str) -> None:
    print(text, flush=True)


def _sandbox(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(run_sandbox(
        settings, host=args.host, port=args.port, flood_limits=args.flood_limits,
        state_path=Path.cwd() / SANDBOX_STATE,
        announce=lambda url: _say(plain("cli.sandbox.ready", url=url)),
    ))


def _run(settings: Settings, _args: argparse.Namespace) -> None:
    asyncio.run(run_polling(
        settings, lambda app: _say(plain("cli.run.ready", username=app.bot.username))
    ))


def _webhook(settings: Settings, args: argparse.Namespace) -> None:
    if args.set:
        _say(plain("cli.webhook.registered", url=asyncio.run(set_webhook(settings))))
        return
    asyncio.run(run_webhook(
        settings, lambda url: _say(plain("cli.webhook.ready", url=url)),
        host=args.host, port=args.port))


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> None:
    _say(plain("cli.db.upgraded", revision=asyncio.run(upgrade_database(settings))))


def _areas_import(settings: Settings, args: argparse.Namespace) -> int:
    data = tasks.read_file(args.file)
    return 0 if asyncio.run(tasks.import_areas_file(settings, data, _say)) else 1


def _areas_population(settings: Settings, args: argparse.Namespace) -> int:
    data = tasks.read_file(args.file)
    return 0 if asyncio.run(tasks.import_population_file(settings, data, _say)) else 1


def _report(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(tasks.outcome_report(settings, args.fiscal_year, args.quarter,
                                     area_id=args.area, form=args.format, out=args.out,
                                     exact=args.exact, say=_say))


def _areas_list(settings: Settings, _args: argparse.Namespace) -> None:
    asyncio.run(tasks.list_areas(settings, _say))


def _areas_thresholds(settings: Settings, args: argparse.Namespace) -> int:
    values = {field: getattr(args, field) for field in tasks.THRESHOLD_FIELDS}
    return 0 if asyncio.run(tasks.set_thresholds(settings, args.municipality, values, _say)) \
        else 1


def _admin_grant(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(tasks.grant_admin(settings, args.telegram_id, _say))


def _outbox(settings: Settings, _args: argparse.Namespace) -> None:
    asyncio.run(tasks.outbox_summary(settings, _say))


def _dispatch(settings: Settings, _args: argparse.Namespace) -> None:
    asyncio.run(run_dispatcher(settings, lambda: _say(plain("cli.dispatch.ready"))))


def _activities_export(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(tasks.export_activities(settings, args.folder, _say))


def _digest(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(tasks.council_digest(settings, args.council, args.week, form=args.format,
                                     out=args.out, exact=args.exact, say=_say))


def _survey(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(tasks.kayoinoba_survey(settings, args.fiscal_year, args.out, month=args.month,
                                       area_id=args.area, exact=args.exact, say=_say))


def _add_survey(commands: Any) -> None:
    survey = commands.add_parser("survey", help=plain("cli.help.survey"))
    survey_commands = survey.add_subparsers(dest="survey_command", required=True)
    kayoinoba = survey_commands.add_parser("kayoinoba", help=plain("cli.help.survey_kayoinoba"))
    kayoinoba.add_argument("--fiscal-year", type=int, required=True,
                           help=plain("cli.help.fiscal_year"))
    kayoinoba.add_argument("--out", type=Path, required=True, help=plain("cli.help.survey_out"))
    kayoinoba.add_argument("--month", default=None, help=plain("cli.help.survey_month"))
    kayoinoba.add_argument("--area", type=int, default=None, help=plain("cli.help.survey_area"))
    kayoinoba.add_argument("--exact", action="store_true", help=plain("cli.help.survey_exact"))
    kayoinoba.set_defaults(func=_survey)


def _add_report(commands: Any) -> None:
    """``otagai report``: the outcome indicators of a quarter or fiscal year."""
    report = commands.add_parser("report", help=plain("cli.help.report"))
    report.add_argument("--fiscal-year", type=int, required=True,
                        help=plain("cli.help.fiscal_year"))
    report.add_argument("--quarter", type=int, default=None, help=plain("cli.help.quarter"))
    report.add_argument("--area", type=int, default=None, help=plain("cli.help.report_area"))
    report.add_argument("--format", choices=tasks.REPORT_FORMATS, default="text",
                        help=plain("cli.help.report_format"))
    report.add_argument("--out", type=Path, default=None, help=plain("cli.help.report_out"))
    report.add_argument("--exact", action="store_true", help=plain("cli.help.report_exact"))
    report.set_defaults(func=_report)


def _add_areas(commands: Any) -> None:
    """``otagai areas``: districts, their population and their alert thresholds."""
    areas = commands.add_parser("areas", help=plain("cli.help.areas"))
    area_commands = areas.add_subparsers(dest="areas_command", required=True)
    importer = area_commands.add_parser("import", help=plain("cli.help.areas_import"))
    importer.add_argument("file", type=Path, help=plain("cli.help.areas_file"))
    importer.set_defaults(func=_areas_import)
    population = area_commands.add_parser("population", help=plain("cli.help.areas_population"))
    population.add_argument("file", type=Path, help=plain("cli.help.population_file"))
    population.set_defaults(func=_areas_population)
    thresholds = area_commands.add_parser("thresholds", help=plain("cli.help.areas_thresholds"))
    thresholds.add_argument("municipality", help=plain("cli.help.municipality"))
    for field in tasks.THRESHOLD_FIELDS:
        thresholds.add_argument(f"--{field.replace('_', '-')}", dest=field, type=int,
                                help=plain("cli.help.hours"))
    thresholds.set_defaults(func=_areas_thresholds)
    area_commands.add_parser("list", help=plain("cli.help.areas_list")).set_defaults(
        func=_areas_list
    )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser, with help in the operator's language."""
    parser = argparse.ArgumentParser(prog="otagai", description=plain("cli.description"))
    commands = parser.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser("sandbox", help=plain("cli.help.sandbox"))
    sandbox.add_argument("--port", type=int, default=8080, help=plain("cli.help.port"))
    sandbox.add_argument("--host", default="127.0.0.1", help=plain("cli.help.host"))
    sandbox.add_argument("--flood-limits", action="store_true",
                         help=plain("cli.help.flood_limits"))
    sandbox.set_defaults(func=_sandbox)

    commands.add_parser("run", help=plain("cli.help.run")).set_defaults(func=_run)
    webhook = commands.add_parser("webhook", help=plain("cli.help.webhook"))
    webhook.add_argument("--set", action="store_true", help=plain("cli.help.webhook_set"))
    webhook.add_argument("--host", default=None, help=plain("cli.help.webhook_host"))
    webhook.add_argument("--port", type=int, default=None,
                         help=plain("cli.help.webhook_port"))
    webhook.set_defaults(func=_webhook)
    commands.add_parser("dispatch", help=plain("cli.help.dispatch")).set_defaults(
        func=_dispatch)
    commands.add_parser("outbox", help=plain("cli.help.outbox")).set_defaults(func=_outbox)

    db = commands.add_parser("db", help=plain("cli.help.db"))
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help=plain("cli.help.db_upgrade")).set_defaults(
        func=_db_upgrade
    )

    _add_areas(commands)

    activities = commands.add_parser("activities", help=plain("cli.help.activities"))
    activity_commands = activities.add_subparsers(dest="activities_command", required=True)
    exporter = activity_commands.add_parser("export", help=plain("cli.help.activities_export"))
    exporter.add_argument("--folder", type=Path, default=Path.cwd(),
                          help=plain("cli.help.export_folder"))
    exporter.set_defaults(func=_activities_export)

    digest = commands.add_parser("digest", help=plain("cli.help.digest"))
    digest.add_argument("--council", type=int, required=True, help=plain("cli.help.council"))
    digest.add_argument("--week", required=True, help=plain("cli.help.week"))
    digest.add_argument("--format", choices=tasks.DIGEST_FORMATS, default="text",
                        help=plain("cli.help.digest_format"))
    digest.add_argument("--out", type=Path, default=None, help=plain("cli.help.digest_out"))
    digest.add_argument("--exact", action="store_true", help=plain("cli.help.digest_exact"))
    digest.set_defaults(func=_digest)

    _add_survey(commands)
    _add_report(commands)

    admin = commands.add_parser("admin", help=plain("cli.help.admin"))
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    grant = admin_commands.add_parser("grant", help=plain("cli.help.admin_grant"))
    grant.add_argument("telegram_id", type=int, help=plain("cli.help.telegram_id"))
    grant.set_defaults(func=_admin_grant)
    return parser


def _configure_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("OTAGAI_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every Bot API call at INFO; that drowns what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters (personal data) at DEBUG.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``otagai`` command; return the process exit code."""
    language = normalize_language(os.environ.get("OTAGAI_DEFAULT_LANGUAGE"))
    with use_language(language):
        args = build_parser().parse_args(argv)
        _configure_logging()
        try:
            status = args.func(load_settings(), args)
        except SettingsError as exc:
            message = plain(exc.key, value=exc.value)
            print(plain("cli.setting_error", variable=exc.variable, message=message),
                  file=sys.stderr)
            return 2
        except StartupError as exc:
            print(plain(exc.key, **exc.params), file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
