"""Notices (``models.notices``) in words: the parameters as text, and the Telegram form.

Rendering happens when a notice is sent, inside ``use_language`` for its recipient, so it is
in their language and zone at that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from locales.activity_text import describe_schedule
from locales.i18n import _, format_datetime, plain
from locales.meeting_text import span_label
from models.notices import Choice, Notice, Param
from models.schedule import Schedule


def param_text(value: Param) -> str | int:
    """Return one parameter as plain text in the current language and zone."""
    if not isinstance(value, dict):
        return value
    if "at" in value:
        return format_datetime(datetime.fromisoformat(value["at"]))
    if "from" in value:
        end = datetime.fromisoformat(value["to"]) if value["to"] else None
        return span_label(datetime.fromisoformat(value["from"]), end)
    if "label" in value:
        return plain(value["label"], **value.get("params", {}))
    if "schedule" in value:
        return describe_schedule(Schedule.from_json(value["schedule"]))
    if "labels" in value:
        words = [plain(key) for key in value["labels"]]
        return plain(value["joiner"]).join(words) if words else value["empty"]
    raise ValueError(f"unknown notice parameter {sorted(value)}")


def params_text(notice: Notice) -> dict[str, str | int]:
    """Return every parameter of ``notice`` as plain text."""
    return {name: param_text(value) for name, value in notice.params.items()}


def telegram(notice: Notice) -> tuple[str, list[list[dict[str, Any]]] | None]:
    """Return the notice as Telegram HTML (parameters escaped) and inline buttons."""
    return _(notice.key, **params_text(notice)), buttons_of(notice.choices)


def buttons_of(choices: tuple[tuple[Choice, ...], ...]) -> list[list[dict[str, Any]]] | None:
    """Return choices as inline buttons, whose callback data is the action's parts joined by
    colons (what ``handlers.router`` reads)."""
    buttons = [[{"text": plain(choice.label, **{name: param_text(value)
                                                  for name, value in choice.params.items()}),
                 "callback_data": ":".join(str(part) for part in choice.action)}
                for choice in row] for row in choices]
    return buttons or None


def telegram_choices(stored: list[list[dict[str, Any]]] | None
                     ) -> list[list[dict[str, Any]]] | None:
    """Return the choices an outbox row keeps (as JSON) as inline buttons."""
    return buttons_of(tuple(tuple(Choice.from_json(c) for c in row) for row in stored or []))


def as_reply(notice: Notice) -> tuple[str, InlineKeyboardMarkup]:
    """Return the notice as a handler replies with it: the text and its inline keyboard
    (the same words the outbox sends)."""
    text, buttons = telegram(notice)
    return text, InlineKeyboardMarkup([[InlineKeyboardButton(**button) for button in row]
                                       for row in buttons or []])
