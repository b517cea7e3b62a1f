"""Telegram-facing code, one module per capability. No SQL here: handlers call ``models``."""

from __future__ import annotations

from telegram.ext import Application

from handlers import errors, fallback, language, start


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach every handler; groups run in order and the fallbacks must come last."""
    start.register(application)
    language.register(application)
    # Group 100: anything no capability claimed gets a polite pointer to /help.
    fallback.register(application, group=100)
    application.add_error_handler(errors.on_error)
