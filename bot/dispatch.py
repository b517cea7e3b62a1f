"""The dispatcher: claims due outbox rows, sends them under Telegram's limits, records outcomes.

Runs as one long-lived task per process (``Dispatcher.run``). Each message's outcome is
committed right after its own send, so a crash repeats at most the messages in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, time, timedelta, tzinfo
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.identity import chat_of_group, person_and_chat
from bot.notices import telegram, telegram_choices
from locales.i18n import FALLBACK, Language, normalize_language, use_language
from models import GroupChat, OutboxMessage, OutboxStatus, Person
from models.clock import utcnow
from models.conversation import Asked, asked_by_outbox
from models.db import database_unreachable
from models.notices import Notice
from models.outbox import (
    CLAIM_TIMEOUT,
    DEFAULT_QUIET,
    Attachment,
    claim_due,
    mark_final,
    mark_retry,
    mark_sent,
    new_claimer,
    quiet_until,
    stop_sending_to,
)
from scheduler.once import once
from scheduler.reports import report_finished_broadcasts

log = logging.getLogger(__name__)

# What is sent: to which chat, Telegram HTML, and the inline buttons (as dicts) if any.
Content = tuple[int, str, list[list[dict[str, Any]]] | None]


@dataclass(frozen=True)
class Recipient:
    """Whom a row goes to, read once per message: the person (None for a group) and their
    Telegram chat (None if they have none: the row cannot be sent)."""

    person: Person | None
    chat: int | None


@dataclass
class DispatchConfig:
    """How the dispatcher paces itself; tests shorten the waits."""

    batch: int = 30
    concurrency: int = 10
    # Messages a second, evenly spaced: a little under Telegram's 30, so that no burst crosses
    # its one-second window (each 429 would hold every send back for a second).
    rate: float = 29.0
    idle: float = 1.0
    retry_base: timedelta | None = None  # None: the outbox's own backoff
    group_quiet: tuple[time, time] = DEFAULT_QUIET
    # A claim older than this is taken to be from a process that died. It must outlast the
    # rate limiter's longest wait (a group may get only 20 messages a minute).
    claim_timeout: timedelta = CLAIM_TIMEOUT


class Dispatcher:
    """Sends what the outbox holds, for one process."""

    def __init__(
        self, bot: Bot, sessions: async_sessionmaker[AsyncSession], zone: tzinfo,
        config: DispatchConfig | None = None, *, group_language: Language = FALLBACK,
    ) -> None:
        self.bot, self.sessions, self.zone = bot, sessions, zone
        self.group_language = group_language  # a group's buttons are worded in it
        self.config = config or DispatchConfig()
        self.claimer = new_claimer()
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(self.config.concurrency)
        self._pace = AsyncLimiter(1, 1 / self.config.rate)
        self._stopping = False

    def wake(self) -> None:
        """Look at the outbox now rather than at the next idle tick."""
        self._wake.set()

    def stop(self) -> None:
        """Let :meth:`run` return once the batch in hand is sent and recorded."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Dispatch until :meth:`stop` (or until cancelled)."""
        while not self._stopping:
            try:
                sent = await self.tick()
            except (OSError, TelegramError, ConnectionError) as exc:
                log.warning("dispatch tick failed, will retry: %s", exc)
                sent = 0
            except Exception as exc:
                if database_unreachable(exc):
                    log.warning("dispatch tick failed: the database is unreachable: %s",
                                str(getattr(exc, "orig", exc)).strip().splitlines()[:1])
                else:
                    log.exception("dispatch tick failed")
                sent = 0
            if sent == 0 and not self._stopping:
                self._wake.clear()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation
                # that arrives just as the event is set, and this loop would never end.
                with suppress(TimeoutError):
                    async with asyncio.timeout(self.config.idle):
                        await self._wake.wait()

    async def tick(self) -> int:
        """Claim and handle one batch; return how many rows were handled."""
        async with self.sessions() as session:
            claimed = await claim_due(session, self.claimer, limit=self.config.batch,
                                      now=utcnow(), claim_timeout=self.config.claim_timeout)
        if claimed:
            await asyncio.gather(*(self._handle(message) for message in claimed))
        await once(self.sessions, "broadcast-reports", report_finished_broadcasts)
        return len(claimed)

    async def _handle(self, message: OutboxMessage) -> None:
        async with self._limit:
            recipient = await self._recipient(message)
            if not message.urgent and await self._defer_for_quiet_hours(message,
                                                                       recipient.person):
                return
            content = await self._content(message, recipient)
            if content is None:
                return
            try:
                sent = await self._send(message, content)
            except RetryAfter as exc:
                wait = exc.retry_after
                wait = wait if isinstance(wait, timedelta) else timedelta(seconds=wait)
                reason = str(exc)
                change: Callable[[OutboxMessage], None] = lambda m: mark_retry(  # noqa: E731
                    m, reason, utcnow(), wait, counts=False)
            except Forbidden as exc:
                await self._blocked(message, str(exc))
                return
            except BadRequest as exc:
                reason = str(exc)
                change = lambda m: mark_final(m, OutboxStatus.FAILED, reason)  # noqa: E731
            except TelegramError as exc:
                reason = str(exc)
                change = lambda m: mark_retry(m, reason, utcnow(), self._retry_wait(m))  # noqa: E731
            else:
                await self._record(message, lambda m: mark_sent(m, sent.message_id, utcnow()))
                await self._asked(message, sent, content)
                return
            await self._record(message, change)

    async def _recipient(self, message: OutboxMessage) -> Recipient:
        """Return whom the row goes to (read once: quiet hours, chat, language)."""
        async with self.sessions() as session:
            if message.person_id is not None:
                return Recipient(*await person_and_chat(session, message.person_id))
            if message.group_id is not None:
                return Recipient(None, await chat_of_group(session, message.group_id))
        return Recipient(None, None)

    async def _content(self, message: OutboxMessage, recipient: Recipient) -> Content | None:
        """Return the chat, words and buttons to send: a notice rendered now, in its
        recipient's language and zone, or the row's own text with its choices. None if that
        cannot be (the recipient is gone or has no Telegram chat, or the catalog does not fit
        the notice's parameters): recorded."""
        person, chat = recipient.person, recipient.chat
        if chat is None:
            reason = "recipient gone" if message.group_id is None and person is None \
                else "recipient not on Telegram"
            await self._record(message, lambda m: mark_final(m, OutboxStatus.CANCELLED, reason))
            return None
        language = normalize_language(person.language) if person is not None \
            else self.group_language
        try:
            with use_language(language, self.zone):
                if message.notice is None:
                    return chat, message.text, telegram_choices(message.choices)
                notice = Notice.from_row(message.notice, message.params, message.choices)
                text, buttons = telegram(notice)
        except (KeyError, ValueError, IndexError) as exc:
            log.exception("outbox %s: notice %s cannot be rendered", message.id, message.notice)
            reason = f"notice cannot be rendered: {exc!r}"
            await self._record(message, lambda m: mark_final(m, OutboxStatus.FAILED, reason))
            return None
        return chat, text, buttons

    async def _asked(self, message: OutboxMessage, sent: Message, content: Content) -> None:
        """A question the scheduler sent (``models.conversation.SENT_QUESTIONS``) becomes the
        person's open question, so that its buttons' words typed answer it. Its own
        transaction: a question a handler records for the person meanwhile wins."""
        _chat, text, buttons = content
        if message.person_id is None or not buttons:
            return
        shown = Asked(shown_in=str(sent.chat_id), shown_as=str(sent.message_id), text=text,
                      answers=[[[offered["text"], offered["callback_data"]] for offered in row]
                               for row in buttons])
        try:
            async with self.sessions() as session, session.begin():
                await asked_by_outbox(session, message.person_id, message.idempotency_key,
                                      shown)
        except IntegrityError:
            log.info("outbox %s: another question was recorded meanwhile", message.id)

    def _retry_wait(self, message: OutboxMessage) -> timedelta | None:
        base = self.config.retry_base
        return None if base is None else base * 2 ** message.attempts

    async def _send(self, message: OutboxMessage, content: Content) -> Message:
        async with self._pace:
            return await self._send_now(message, content)

    async def _send_now(self, message: OutboxMessage, content: Content) -> Message:
        chat_id, text, buttons = content
        markup = None
        if buttons:
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(**button) for button in row] for row in buttons])
        if message.attachment is not None:
            upload = InputFile(message.attachment, filename=message.attachment_name)
            if message.attachment_kind == Attachment.PHOTO:
                return await self.bot.send_photo(chat_id, upload, caption=text,
                                                 reply_markup=markup)
            return await self.bot.send_document(chat_id, upload, caption=text,
                                                reply_markup=markup)
        return await self.bot.send_message(chat_id, text, reply_markup=markup)

    async def _record(self, message: OutboxMessage, change: Callable[[OutboxMessage], None]
                      ) -> None:
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, message.id)
            if row is None or row.claimed_by != self.claimer or row.status != OutboxStatus.SENDING:
                return  # another process took it over after our claim went stale
            change(row)

    async def _blocked(self, message: OutboxMessage, reason: str) -> None:
        """They blocked the bot or removed it: stop writing to them, and remember."""
        await self._record(message, lambda m: mark_final(m, OutboxStatus.BLOCKED, reason))
        async with self.sessions() as session, session.begin():
            await stop_sending_to(session, reason, person_id=message.person_id,
                                  group_id=message.group_id)
            if message.person_id is not None:
                await session.execute(update(Person).where(Person.id == message.person_id)
                                      .values(active=False))
            if message.group_id is not None:
                await session.execute(update(GroupChat).where(GroupChat.id == message.group_id)
                                      .values(active=False))

    async def _defer_for_quiet_hours(self, message: OutboxMessage, person: Person | None
                                     ) -> bool:
        """Hold a message that would arrive in its recipient's quiet hours; True if held."""
        if person is not None:
            quiet = person.quiet_hours
        elif message.group_id is not None:
            quiet = self.config.group_quiet
        else:
            return False
        until = quiet_until(utcnow().astimezone(self.zone), quiet)
        if until is None:
            return False
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, message.id)
            if row is not None and row.claimed_by == self.claimer:
                row.status = OutboxStatus.PENDING
                row.due_at = until.astimezone(UTC)
        return True
