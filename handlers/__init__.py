"""Telegram-facing code, one module per capability. No SQL here: handlers call ``models``."""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    activities,
    areas,
    broadcast,
    checkins,
    conversation,
    digests,
    errors,
    fallback,
    groups,
    invites,
    language,
    links,
    meetings,
    monthly_count,
    mydata,
    needs,
    offers,
    onboarding,
    participation,
    report,
    roles,
    settings,
    start,
    typed_input,
    watching,
)

# Typed answers go to the step waiting for them, before the commands and fallbacks; the
# order settles a person with two steps open at once (rare: one of them is stale).
TYPED_STEPS = (digests.TYPED, needs.TYPED, checkins.TYPED, meetings.TYPED, participation.TYPED,
               monthly_count.TYPED, broadcast.TYPED, activities.TYPED)


def register(application: Application) -> None:
    """Attach every handler in PTB's group 0, where only the first match runs, and the
    typed-answer handler before it (``handlers.typed_input``). Buttons register their routes
    with the one router (``handlers.router``), which refuses duplicates and data that could
    exceed 64 bytes here, when the application is built.

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
    monthly_count.register(application)
    checkins.register(application)
    needs.register(application)
    offers.register(application)
    watching.register(application)
    meetings.register(application)
    areas.register(application)
    broadcast.register(application)
    digests.register(application)
    report.register(application)
    settings.register(application)
    language.register(application)
    links.register(application)
    typed_input.register(application, TYPED_STEPS)
    # Before both: leaving (「やめる」, /cancel, another command or flow), lapses, and the
    # words of a button typed while its question is open (handlers.conversation).
    conversation.register(application, TYPED_STEPS)
    fallback.register(application)
    application.add_error_handler(errors.on_error)
