"""Small helpers shared by handlers: callback data, safe edits, private chats, deep links."""

from __future__ import annotations

import re
from typing import Any, Protocol

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.helpers import create_deep_linked_url

from bot.commands import publish_chat_commands
from bot.context import OtagaiContext
from locales.i18n import N_, _, current_language, format_datetime, plain
from models.clock import utcnow
from models.outbox import quiet_until

SEPARATOR = ":"


def callback_data(prefix: str, *values: object) -> str:
    """Return button data ``prefix:value:…`` (``prefix:step:value:…``); Telegram allows 64
    bytes. Each prefix's data is parsed by the shape its route declares (``handlers.router``),
    which is checked against the 64 bytes when the application is built."""
    data = SEPARATOR.join([prefix, *(str(v) for v in values)])
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return data


class Pressed(Protocol):
    """What a button's handler uses of the press: a ``CallbackQuery``, or the same answer
    typed as words (``handlers.conversation.TypedPress``)."""

    @property
    def data(self) -> str | None: ...

    @property
    def message(self) -> Any: ...

    async def answer(self, text: str | None = None,
                     show_alert: bool | None = None) -> bool: ...

    async def edit_message_text(self, text: str, *,
                                reply_markup: InlineKeyboardMarkup | None = None
                                ) -> Message | bool: ...


def callback_values(query: Pressed | CallbackQuery) -> list[str]:
    """Return the values after the prefix of a pressed button's data."""
    return (query.data or "").split(SEPARATOR)[1:]


def int_value(values: list[str], index: int) -> int | None:
    """Return ``values[index]`` as an int, or None when missing or forged."""
    try:
        return int(values[index])
    except (IndexError, ValueError):
        return None


def person_name(user: User | None) -> str:
    """Return a Telegram user's name as people would write it: a Japanese name family name
    first (佐藤 花子), any other name as Telegram gives it (first name first)."""
    if user is None:
        return "-"
    if user.last_name and _JAPANESE.search(user.first_name + user.last_name):
        return f"{user.last_name} {user.first_name}"
    return user.full_name


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")  # kana and kanji


def chosen(label: str, on: bool = True) -> str:
    """Return a choice's label marked as chosen (one mark everywhere: ✅), or as it is."""
    return plain("common.chosen", label=label) if on else label


def button(label_key: str, data: str, **params: object) -> InlineKeyboardButton:
    """Return an inline button with a translated label."""
    return InlineKeyboardButton(plain(label_key, **params), callback_data=data)


async def edit_or_keep(
    query: Pressed | CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | bool | None:
    """Edit the message under a pressed button; pressing the same choice twice is harmless."""
    try:
        return await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return None
        raise


def group_quiet_note(context: OtagaiContext) -> str:
    """Return a line saying when group posts go out, if it is the groups' quiet hours now."""
    settings = context.settings
    until = quiet_until(utcnow().astimezone(settings.zone), settings.group_quiet)
    return "" if until is None else "\n" + _("groups.held_until", when=format_datetime(until))


def is_private(update: Update) -> bool:
    """True in a private chat with the bot."""
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def deep_link(context: OtagaiContext, payload: str | None = None) -> str:
    """Return a t.me link that opens the private chat with the bot (and sends /start)."""
    return create_deep_linked_url(context.bot.username, payload)


async def private_only(update: Update, context: OtagaiContext) -> bool:
    """Return True in a private chat; in a group, offer the private chat and return False.

    Personal data is never shown in a group, so these commands only work one to one.
    """
    if is_private(update):
        return True
    if update.effective_message:
        await update.effective_message.reply_text(
            _("common.private_only"),
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                plain("common.open_private_chat"), url=deep_link(context))]]),
        )
    return False


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer the update's message, or the message under a pressed button."""
    if update.callback_query:
        await update.callback_query.answer()
    if update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def refuse(update: Update, key: str = N_("common.not_allowed")) -> None:
    """Tell the person, politely, that this is not theirs to do."""
    if update.callback_query:
        await update.callback_query.answer(plain(key), show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(_(key))


async def refresh_menu(context: OtagaiContext) -> None:
    """Show the sender's private chat a command menu that matches their roles."""
    context.scope.forget_permissions()
    if context.person is not None and context.scope.user_id is not None:
        await publish_chat_commands(context.bot, context.scope.user_id,
                                    current_language(), await context.permissions())
