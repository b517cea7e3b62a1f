"""Run modes: start the application against a Bot API and keep it running until stopped."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.app import OtagaiApplication, build_application
from bot.jobs import schedule
from bot.sandbox import SandboxServer
from bot.sandbox.town import SANDBOX_TOKEN, seed_town
from bot.settings import Settings
from bot.webhook import WebhookServer
from models.db import create_engine, current_revision, head_revision, is_sqlite, upgrade_async

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start; ``key`` and ``params`` name a catalog message for the operator."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key, self.params = key, params


async def prepare_database(settings: Settings) -> str:
    """Return the schema revision after migrating SQLite, or fail if PostgreSQL lags behind.

    PostgreSQL is shared by several processes, so its migrations are run once, by hand
    (``otagai db upgrade``), never by each process at start.
    """
    url = settings.database_url
    _check_sqlite_directory(url)
    engine = create_engine(url)
    try:
        current = await current_revision(engine)
    except (OSError, SQLAlchemyError) as exc:
        raise StartupError("cli.db.unreachable", url=_safe_url(url), reason=_reason(exc)) from None
    finally:
        await engine.dispose()
    head = head_revision() or ""
    if current == head:
        return head
    if is_sqlite(url):
        await upgrade_async(url)
        return head
    raise StartupError("cli.db.behind", current=current or "-", head=head)


async def upgrade_database(settings: Settings) -> str:
    """Return the schema revision after migrating the database to the newest one."""
    _check_sqlite_directory(settings.database_url)
    try:
        await upgrade_async(settings.database_url)
    except (OSError, SQLAlchemyError) as exc:
        url = _safe_url(settings.database_url)
        raise StartupError("cli.db.unreachable", url=url, reason=_reason(exc)) from None
    return head_revision() or ""


def _check_sqlite_directory(url: str) -> None:
    """Fail early and clearly when a SQLite file's folder is missing.

    Letting the driver find out instead leaves its worker thread reporting to a closed loop.
    """
    database = make_url(url).database
    if is_sqlite(url) and database and database != ":memory:":
        folder = Path(database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StartupError("cli.db.no_folder", folder=folder)


def _reason(exc: Exception) -> str:
    """Return the driver's own first line, without SQLAlchemy's wrapping and links."""
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@asynccontextmanager
async def running(application: OtagaiApplication, *, poll: bool = True
                  ) -> AsyncIterator[OtagaiApplication]:
    """Run ``application`` inside the block, as ``run_polling`` would.

    ``poll=False`` leaves out long polling: updates come from elsewhere (a webhook).
    """
    try:
        await application.initialize()
    except InvalidToken:
        raise StartupError("cli.bot_api.bad_token") from None
    except NetworkError as exc:
        url = application.services.settings.bot_api_url
        raise StartupError("cli.bot_api.unreachable", url=url, reason=exc) from None
    try:
        if application.post_init:
            await application.post_init(application)
        assert application.updater is not None  # built with one by ApplicationBuilder
        if poll:
            await application.updater.start_polling(poll_interval=0.0, timeout=20,
                                                     allowed_updates=None)
        await application.start()
        # The periodic jobs are added once the scheduler runs: added before, a job whose
        # first run time passed while the bot was starting (setting its commands on a slow
        # Bot API, say) would have APScheduler skip that run for a whole interval.
        schedule(application, application.services.settings.jobs_delay)
        try:
            yield application
        finally:
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


async def wait_for_stop_signal() -> None:
    """Return when the process gets SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


Announce = Callable[[OtagaiApplication], None]


async def run_polling(settings: Settings, announce: Announce) -> None:
    """Run against the Bot API in ``settings`` (Telegram by default) until stopped."""
    token = settings.require_token()
    await prepare_database(settings)
    application = build_application(settings, token)
    async with running(application):
        announce(application)
        await wait_for_stop_signal()


async def run_webhook(settings: Settings, announce: Callable[[str], None], *,
                      host: str | None = None, port: int | None = None) -> None:
    """Serve Telegram's webhook calls (one of several processes) until stopped."""
    token = settings.require_token()
    settings.require_webhook()
    await prepare_database(settings)
    application = build_application(settings, token)
    async with running(application, poll=False):
        server = WebhookServer(application, host=host or settings.webhook_host,
                               port=settings.webhook_port if port is None else port)
        try:
            await server.start()
        except OSError:
            raise StartupError("cli.port_in_use", port=server._requested_port) from None
        try:
            announce(server.url)
            await wait_for_stop_signal()
        finally:
            await server.stop()


async def set_webhook(settings: Settings) -> str:
    """Register the webhook address and secret with the Bot API; return the address."""
    token = settings.require_token()
    url = settings.require_webhook_url()
    _path, secret = settings.require_webhook()
    bot = Bot(token, base_url=settings.bot_api_url, base_file_url=settings.file_url)
    try:
        async with bot:
            await bot.set_webhook(url, secret_token=secret,
                                  max_connections=settings.update_concurrency)
    except InvalidToken:
        raise StartupError("cli.bot_api.bad_token") from None
    except TelegramError as exc:
        raise StartupError("cli.bot_api.unreachable", url=settings.bot_api_url,
                           reason=exc) from None
    return url


async def run_dispatcher(settings: Settings, announce: Callable[[], None]) -> None:
    """Only send the outbox, without taking updates: a worker beside webhook processes."""
    token = settings.require_token()
    await prepare_database(settings)
    application = build_application(settings, token)
    try:
        await application.initialize()
    except InvalidToken:
        raise StartupError("cli.bot_api.bad_token") from None
    except NetworkError as exc:
        raise StartupError("cli.bot_api.unreachable", url=settings.bot_api_url,
                           reason=exc) from None
    services = application.services
    try:
        await services.open()
        services.start_dispatcher(application.bot)
        announce()
        await wait_for_stop_signal()
    finally:
        await services.stop_dispatcher()
        await application.shutdown()
        await services.close()


async def run_sandbox(
    settings: Settings, *, host: str, port: int, flood_limits: bool, state_path: Path,
    announce: Callable[[str], None],
) -> None:
    """Start the sandbox Bot API with the demo town and the bot on it, until stopped."""
    await prepare_database(settings)
    server = SandboxServer(host=host, port=port, state_path=state_path, flood_limits=flood_limits)
    server.state.time_zone = settings.time_zone  # the page shows times as the bot says them
    try:
        await server.start()
    except OSError:
        raise StartupError("cli.port_in_use", port=port) from None
    try:
        await seed_town(settings.database_url, server)
        settings = settings.model_copy(
            update={"bot_api_url": server.bot_api_url, "bot_file_url": server.bot_file_url}
        )
        async with running(build_application(settings, SANDBOX_TOKEN)):
            announce(f"{server.url}/")
            await wait_for_stop_signal()
    finally:
        await server.stop()
