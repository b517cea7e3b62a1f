"""An outbox row's words as its recipient reads them (a notice is rendered when sent).

Where a row goes, in Telegram's terms, is ``tests.auxil.people.recipient_chat``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.notices import telegram
from locales.i18n import Language, use_language
from models import OutboxMessage
from models.notices import Notice

TOKYO = ZoneInfo("Asia/Tokyo")


def words_of(message: OutboxMessage, language: Language = "ja", zone: ZoneInfo = TOKYO) -> str:
    """Return the Telegram HTML the row is (or was to be) sent as."""
    if message.notice is None:
        return message.text
    with use_language(language, zone):
        return telegram(Notice.from_row(message.notice, message.params, message.choices))[0]
