"""The weekly digest on demand (/digest) and the episodes coordinators mark for it (/episode).

Council members read only their own councils' digests, with small counts hidden;
coordinators read the councils of the areas they cover, exactly.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
)

from bot.context import OtagaiContext
from handlers.common import (
    button,
    callback_data,
    private_only,
    refuse,
)
from handlers.fallback import stale_button
from handlers.router import ID, Int, Press, router_of
from handlers.typed_input import TypedInput
from locales.i18n import N_, _, format_date, format_long_date
from models import Area, Council, Episode
from models.clock import utcnow
from models.digests import (
    EPISODE_LENGTH,
    councils_for,
    episode_area,
    episode_draft_of,
    finish_episode,
    last_full_week,
    leave_episode,
    start_episode,
    waiting_for_episode,
    week_of,
)
from models.permissions import Action
from scheduler.digests.aggregate import build_digest
from scheduler.digests.delivery import render_files
from scheduler.digests.render import Reader

PREFIX = "dg"
EARLIER_WEEKS = 8  # weeks offered as buttons under a digest
OLDEST = timedelta(weeks=104)


async def _readable(context: OtagaiContext) -> list[tuple[Council, bool]]:
    person = context.person
    if person is None or not person.has_consented:
        return []
    return await councils_for(context.session, await context.permissions())


async def digest_command(update: Update, context: OtagaiContext) -> None:
    """/digest: the latest weekly digest, or a choice of councils first."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    readable = await _readable(context)
    if not readable:
        await refuse(update, "digest.not_allowed")
        return
    if len(readable) == 1:
        council, exact = readable[0]
        await _send(update, context, council, exact, None)
        return
    rows = [[button("digest.button.council", callback_data(PREFIX, council.id, 0),
                    name=council.name)] for council, _exact in readable]
    await update.effective_message.reply_text(_("digest.choose_council"),
                                              reply_markup=InlineKeyboardMarkup(rows))


async def on_digest_button(press: Press) -> None:
    """A council or an earlier week was chosen."""
    update, context, query = press.update, press.context, press.query
    council_id, ordinal = press.values
    chosen = [(c, exact) for c, exact in await _readable(context) if c.id == council_id]
    if not chosen:
        await refuse(update, "digest.not_allowed")
        return
    latest = last_full_week(utcnow(), context.settings.zone)
    week = None
    if ordinal:
        week = date.fromordinal(ordinal)
        if week.weekday() != 0 or not latest - OLDEST <= week <= latest:
            await stale_button(update, context)
            return
    await query.answer()
    council, exact = chosen[0]
    await _send(update, context, council, exact, week)


async def _send(update: Update, context: OtagaiContext, council: Council, exact: bool,
                week: date | None) -> None:
    message = update.effective_message
    assert message is not None
    zone = context.settings.zone
    latest = last_full_week(utcnow(), zone)
    week = week or latest
    digest = await build_digest(context.session, council, week, zone)
    reader = Reader(exact, context.settings.digest_threshold)
    files = await asyncio.to_thread(render_files, digest, reader)  # keeps the language
    earlier = [latest - timedelta(weeks=i) for i in range(EARLIER_WEEKS + 1)]
    rows = [[button("digest.button.week", callback_data(PREFIX, council.id, monday.toordinal()),
                    date=format_date(monday))] for monday in earlier if monday != week]
    await message.reply_text(files.text, reply_markup=InlineKeyboardMarkup(rows))
    await message.reply_photo(InputFile(files.chart, filename=files.chart_name),
                              caption=files.chart_caption)
    await message.reply_document(InputFile(files.workbook, filename=files.workbook_name),
                                 caption=files.workbook_caption)


async def episode_command(update: Update, context: OtagaiContext) -> None:
    """/episode: a coordinator writes a short note for this week's digest (no names)."""
    message = update.effective_message
    if not await private_only(update, context) or message is None:
        return
    permissions = await context.permissions()
    person = context.person
    if person is None or not permissions.may(Action.FOLLOW_NEEDS):
        await refuse(update, "episode.not_allowed")
        return
    area_id = episode_area(permissions)
    if area_id is None:
        await refuse(update, "episode.no_area")
        return
    week = week_of(utcnow(), context.settings.zone)
    typed = " ".join(context.args or [])
    if typed:
        episode = Episode(area_id=area_id, week=week, author_id=person.id, awaiting=False)
        if finish_episode(episode, typed, week):
            context.session.add(episode)
            await message.reply_text(await _saved(context, episode))
            return
    await start_episode(context.session, person.id, area_id, week)
    await message.reply_text(_("episode.ask", limit=EPISODE_LENGTH))


async def _saved(context: OtagaiContext, episode: Episode) -> str:
    area = await context.session.get(Area, episode.area_id)
    return _("episode.saved", area=area.name if area else "-",
             week=format_long_date(episode.week))


async def capture_episode(update: Update, context: OtagaiContext) -> None:
    """Take the typed text of an episode the coordinator started with /episode."""
    message, person = update.effective_message, context.person
    if message is None or person is None or not message.text:
        return
    draft = await episode_draft_of(context.session, person.id)
    if draft is None:
        return
    if finish_episode(draft, message.text, week_of(utcnow(), context.settings.zone)):
        await message.reply_text(await _saved(context, draft))
    else:
        await message.reply_text(_("episode.ask", limit=EPISODE_LENGTH))
    raise ApplicationHandlerStop  # the text was the episode


def register(application: Application) -> None:
    """Attach /digest, /episode, the digest's buttons and typed episodes."""
    application.add_handler(CommandHandler("digest", digest_command))
    application.add_handler(CommandHandler("episode", episode_command))
    router_of(application).route(PREFIX, on_digest_button, ID, Int(digits=7))  # a week's day


# Typed text while this capability waits for it (see handlers.typed_input).
TYPED = TypedInput(waiting_for_episode, capture_episode, leave_episode,
                   N_("conversation.what.episode"), (PREFIX,))
