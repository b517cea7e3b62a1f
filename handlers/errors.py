"""The error handler: log the failure with its update, apologise to the person, roll back."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError

from bot.context import OtagaiContext, mark_failed
from locales.i18n import _, plain

log = logging.getLogger(__name__)


async def on_error(update: object, context: OtagaiContext) -> None:
    """Log ``context.error`` and tell the waiting person, if any, that something went wrong."""
    mark_failed()
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        # The person blocked the bot or it was removed from a group: nobody to apologise to.
        log.warning("update %s: %s", update_id, error)
        return
    if isinstance(error, NetworkError | RetryAfter):
        # The Bot API failed even after retries; not a bug in our code, so no traceback.
        log.error("update %s: the Bot API failed: %s", update_id, error)
    else:
        log.error("update %s failed", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(plain("error.generic"), show_alert=True)
        elif update.effective_message and update.effective_chat:
            await update.effective_message.reply_text(_("error.generic"))
    except TelegramError as exc:
        log.warning("update %s: could not apologise: %s", update_id, exc)
