"""An outbox row's words as its recipient reads them (a notice is rendered when sent)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from bot.i18n import Language, use_language
from bot.notices import telegram
from models import OutboxMessage, Person
from models.notices import Notice

TOKYO = ZoneInfo("Asia/Tokyo")


def words_of(message: OutboxMessage, language: Language = "ja", zone: ZoneInfo = TOKYO) -> str:
    """Return the Telegram HTML the row is (or was to be) sent as."""
    if message.notice is None:
        return message.text
    with use_language(language, zone):
        return telegram(Notice.from_row(message.notice, message.params, message.choices))[0]


def recipient_chat() -> ColumnElement[int]:
    """The Telegram chat a row goes to, in SQL: its own, or its person's (the channel finds
    a person's chat when it sends)."""
    return func.coalesce(OutboxMessage.chat_id, select(Person.telegram_id).where(
        Person.id == OutboxMessage.person_id).scalar_subquery())
