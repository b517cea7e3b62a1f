"""Builds the PTB ``Application``: resources, one database session per update, handlers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
)

from bot.commands import publish_commands
from bot.context import OtagaiContext, Services, UpdateScope, bind
from bot.dispatch import DispatchConfig
from bot.flood import FloodGuard
from bot.identity import CHANNEL, person_of
from bot.request import RetryingRequest
from bot.settings import Settings
from bot.updates import ChatOrderedUpdates
from handlers import register
from locales import i18n
from models.db import database_unreachable, is_sqlite
from models.updates import first_delivery

log = logging.getLogger(__name__)


class OtagaiApplication(Application):
    """PTB's ``Application`` that wraps every update in one database session and a language.

    Overriding ``process_update`` serves polling, webhooks and the sandbox alike.
    """

    services: Services
    flood_guard: FloodGuard

    async def process_update(self, update: object) -> None:
        """Handle ``update`` inside its own session; commit unless a handler failed.

        When the database cannot be reached, the update is tried again with growing pauses
        (for up to ``DATABASE_PATIENCE``), so a short outage delays updates but loses none.
        """
        sessions = self.services.sessions
        if not isinstance(update, Update) or sessions is None:
            await super().process_update(update)
            return
        loop = asyncio.get_running_loop()
        give_up = loop.time() + DATABASE_PATIENCE.total_seconds()
        pause = 0.2
        while True:
            try:
                await self._process_in_session(update)
                return
            except Exception as exc:
                if not database_unreachable(exc) or loop.time() + pause > give_up:
                    raise
                log.warning("update %s: the database is unreachable (%s); trying again in "
                            "%.1fs", update.update_id, _first_line(exc), pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 5.0)

    async def _process_in_session(self, update: Update) -> None:
        sessions = self.services.sessions
        assert sessions is not None
        settings = self.services.settings
        async with sessions() as session:
            if not await first_delivery(session, CHANNEL, update.update_id):
                log.info("update %s was delivered again; already handled", update.update_id)
                return
            user = update.effective_user
            person = await person_of(session, user.id) if user else None
            if person is not None and not person.active and _in_private_chat(update):
                person.active = True  # they wrote to us again, so they unblocked the bot
            language = i18n.normalize_language(
                person.language if person else None, settings.default_language
            )
            if user is not None:
                self.flood_guard.remember_language(user.id, language)
            scope = UpdateScope(
                session=session, person=person, user_id=user.id if user else None,
                settings_admin=user is not None and user.id in settings.admin_ids,
            )
            with bind(scope), i18n.use_language(language, settings.zone):
                await super().process_update(update)
            if scope.failed:
                await session.rollback()
            else:
                await session.commit()

    async def slow_down(self, update: Update) -> None:
        """Tell a person the flood guard stopped, once, in their language: an alert on a
        pressed button, a message in a private chat; nothing in a group."""
        user = update.effective_user
        if user is None:
            return
        language = i18n.normalize_language(self.flood_guard.language_of(user.id),
                                           self.services.settings.default_language)
        with i18n.use_language(language, self.services.settings.zone):
            text = i18n.plain("flood.slow_down")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(text, show_alert=True)
            elif _in_private_chat(update):
                await self.bot.send_message(user.id, text)
        except TelegramError as exc:
            log.info("could not ask user %s to slow down: %s", user.id, exc)


DATABASE_PATIENCE = timedelta(seconds=60)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _in_private_chat(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == "private"


async def _post_init(application: Application) -> None:
    services: Services = application.services  # type: ignore[attr-defined]  # set in build_application
    await services.open()
    services.start_dispatcher(application.bot)
    await publish_commands(application.bot, services.settings.default_language)
    log.info("otagai is up as @%s", application.bot.username)


async def _post_stop(application: Application) -> None:
    # Before shutdown closes the bot's HTTP client, which the dispatcher sends with.
    await application.services.stop_dispatcher()  # type: ignore[attr-defined]  # set in build_application


async def _post_shutdown(application: Application) -> None:
    await application.services.close()  # type: ignore[attr-defined]  # set in build_application


def concurrency(settings: Settings) -> int:
    """How many updates one process handles at once.

    SQLite has a single writer and every update writes first (its id, see
    ``models.updates``), so there updates run one at a time; PostgreSQL takes
    ``update_concurrency`` at once, each chat's in order.
    """
    return 1 if is_sqlite(settings.database_url) else settings.update_concurrency


def build_application(
    settings: Settings, token: str, *, retry_backoff: float = 0.5,
    dispatch: DispatchConfig | None = None, read_timeout: float = 5.0,
) -> OtagaiApplication:
    """Return the application, wired to the Bot API in ``settings`` and ready to start."""
    # Long polling holds its connection open; replies get their own pool.
    requests = RetryingRequest(connection_pool_size=16, backoff=retry_backoff,
                               read_timeout=read_timeout)
    updates = RetryingRequest(connection_pool_size=2, read_timeout=40, backoff=retry_backoff)
    flood_guard = FloodGuard(settings.flood_updates, settings.flood_seconds)
    processor = ChatOrderedUpdates(concurrency(settings), flood_guard)
    application = (
        ApplicationBuilder()
        .application_class(OtagaiApplication)
        .context_types(ContextTypes(context=OtagaiContext))
        .token(token)
        .base_url(settings.bot_api_url)
        .base_file_url(settings.file_url)
        .request(requests)
        .get_updates_request(updates)
        .concurrent_updates(processor)
        # Replies are not held to 30 a second (Telegram answers 429 if it minds, and that is
        # waited out); group chats keep their 20 a minute. The dispatcher paces what the bot
        # sends on its own initiative to 30 a second itself.
        .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=3))
        .defaults(Defaults(tzinfo=settings.zone, parse_mode="HTML"))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    dispatch = dispatch or DispatchConfig(
        claim_timeout=timedelta(seconds=settings.dispatch_claim_timeout),
        group_quiet=settings.group_quiet)
    application.services = Services(settings, dispatch=dispatch)
    application.flood_guard = flood_guard  # type: ignore[attr-defined]  # an OtagaiApplication
    processor.on_flood = application.slow_down  # type: ignore[attr-defined]  # likewise
    register(application)
    return application  # type: ignore[return-value]  # built with OtagaiApplication
