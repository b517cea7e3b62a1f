"""Telegram-facing code, one module per capability. No SQL here: handlers call ``models``."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    activities,
    areas,
    broadcast,
    checkins,
    digests,
    errors,
    fallback,
    groups,
    invites,
    language,
    meetings,
    mydata,
    needs,
    onboarding,
    participation,
    roles,
    settings,
    start,
    watching,
)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach every handler, all in PTB's group 0, where only the first match runs.

    The fallbacks are registered last so they answer only what no capability claimed.
    """
    start.register(application)
    onboarding.register(application)
    groups.register(application)
    invites.register(application)
    roles.register(application)
    mydata.register(application)
    activities.register(application)
    participation.register(application)
    checkins.register(application)
    needs.register(application)
    watching.register(application)
    meetings.register(application)
    areas.register(application)
    broadcast.register(application)
    digests.register(application)
    settings.register(application)
    language.register(application)
    fallback.register(application)
    application.add_error_handler(errors.on_error)
