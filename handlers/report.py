"""/report: the outcome indicators (成果指標) of the current quarter, for municipal
coordinators, in a private chat: the text and the workbook, exact counts.

Residents, council members, district coordinators and the coordinators of another
municipality are refused (``Action.SEE_REPORT`` in the municipality).
"""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.context import OtagaiContext
from handlers.common import private_only, refuse
from models.areas import all_areas
from models.clock import utcnow
from models.permissions import Action
from scheduler.indicators import build_report, quarter_of
from scheduler.outcomes import render_report


async def report_command(update: Update, context: OtagaiContext) -> None:
    """/report: this quarter's indicators of each municipality the person coordinates."""
    message = update.effective_message
    if not await private_only(update, context) or message is None:
        return
    person = context.person
    permissions = await context.permissions()
    cities = [a for a in await all_areas(context.session) if a.parent_id is None]
    mine = [city for city in cities if permissions.may(Action.SEE_REPORT, city)]
    if person is None or not person.has_consented or not mine:
        await refuse(update, "report.not_allowed")
        return
    settings = context.settings
    now = utcnow()
    period = quarter_of(now.astimezone(settings.zone).date())
    for city in mine:
        report = await build_report(context.session, city, period, settings.zone, now=now,
                                    threshold=settings.digest_threshold, exact=True)
        files = await asyncio.to_thread(render_report, report)  # keeps the language
        await message.reply_text(files.text)
        await message.reply_document(InputFile(files.workbook, filename=files.workbook_name),
                                     caption=files.workbook_caption)


def register(application: Application) -> None:
    """Attach /report."""
    application.add_handler(CommandHandler("report", report_command))
