"""Small helpers shared by handlers: callback data, safe edits, the person's chat."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

SEPARATOR = ":"


def callback_data(prefix: str, *values: object) -> str:
    """Return button data ``prefix:value:…``; Telegram allows 64 bytes."""
    data = SEPARATOR.join([prefix, *(str(v) for v in values)])
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return data


def callback_pattern(prefix: str) -> str:
    """Return the regex matching button data made by ``callback_data(prefix, …)``."""
    return rf"^{prefix}(?:{SEPARATOR}|$)"


def callback_values(query: CallbackQuery) -> list[str]:
    """Return the values after the prefix of a pressed button's data."""
    return (query.data or "").split(SEPARATOR)[1:]


async def edit_or_keep(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | bool | None:
    """Edit the message under a pressed button; pressing the same choice twice is harmless."""
    try:
        return await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return None
        raise
