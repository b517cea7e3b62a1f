"""What the bot says when nothing else understood the person: never silence, never a trace."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import OtagaiContext
from locales.i18n import _, plain

log = logging.getLogger(__name__)


def _is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def _addressed_to_us(update: Update, context: OtagaiContext) -> bool:
    """In a group, a bare /command may be meant for another bot; /command@us is ours."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    command = message.text.split()[0]
    return command.lower().endswith(f"@{(context.bot.username or '').lower()}")


async def unknown_command(update: Update, context: OtagaiContext) -> None:
    """Say the command does not exist and point to /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    if not _is_private(update) and not _addressed_to_us(update, context):
        return
    command = message.text.split()[0].split("@")[0]
    await message.reply_text(_("fallback.unknown_command", command=command))


async def plain_text(update: Update, _context: OtagaiContext) -> None:
    """In a private chat, explain that buttons and commands are the way to talk."""
    if _is_private(update) and update.effective_message:
        await update.effective_message.reply_text(_("fallback.text"))


async def stale_button(update: Update, _context: OtagaiContext) -> None:
    """Answer a button the bot no longer knows: old, from a removed feature, or forged (an
    unknown prefix here; a garbled value or a refused target in ``handlers.router``)."""
    query = update.callback_query
    if query is None:
        return
    log.info("update %s: unknown button data %r", update.update_id, query.data)
    await query.answer(plain("fallback.stale_button"), show_alert=True)


def register(application: Application) -> None:
    """Attach the fallbacks; call this after every capability has registered."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, plain_text)
    )
    application.add_handler(CallbackQueryHandler(stale_button))
