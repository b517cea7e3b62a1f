"""Housekeeping: drop the ids of updates handled long enough ago that no redelivery can come."""

from __future__ import annotations

import logging

from telegram.ext import CallbackContext

from models.updates import forget_old_updates
from scheduler.once import once

log = logging.getLogger(__name__)


async def forget_handled_updates(context: CallbackContext) -> None:
    """Delete remembered update ids older than two days."""
    sessions = context.application.services.sessions  # type: ignore[attr-defined]  # set by bot.app, unknown to PTB's types
    if sessions is None:
        return
    removed = await once(sessions, "housekeeping", forget_old_updates)
    if removed:
        log.info("forgot %d handled update ids", removed)
