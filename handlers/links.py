"""Links to the bot pasted as text: a forwarded invite works as if it had been pressed.

An invite, a meeting or an emergency-contact link travels by LINE, e-mail or on paper and
is often pasted into the chat instead of being opened. A private message holding our own
``t.me/<bot>?start=<payload>`` link is handled as ``/start <payload>``, before any step
that waits for typed text (the person is following the link, not answering). Links to
other bots, and text around a link, change nothing else.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, MessageHandler, filters

from bot.context import OtagaiContext
from handlers import start

# Before the typed answers (group -1) and the commands (group 0).
PASTED_LINK_GROUP = -2
# https://t.me/<bot>?start=<payload>, with or without the scheme, telegram.me as well.
LINK = re.compile(r"(?:https?://)?(?:t|telegram)\.me/(?P<bot>\w{3,64})/?"
                  r"\?start=(?P<payload>[\w-]{1,64})", re.IGNORECASE)


def pasted_payload(text: str, bot_username: str) -> str | None:
    """Return the start payload of the first link to this bot in ``text``, or None."""
    for match in LINK.finditer(text):
        if match["bot"].lower() == bot_username.lower():
            return match["payload"]
    return None


async def follow_pasted_link(update: Update, context: OtagaiContext) -> None:
    """Treat a pasted link to this bot as the /start it stands for."""
    message = update.effective_message
    if message is None or not message.text:
        return
    payload = pasted_payload(message.text, context.bot.username or "")
    if payload is None:
        return
    context.args = [payload]
    await start.start(update, context)
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    """Attach the pasted-link reader, ahead of typed answers and commands."""
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
                       & filters.Regex(LINK), follow_pasted_link),
        group=PASTED_LINK_GROUP)
