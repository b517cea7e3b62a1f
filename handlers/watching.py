"""Watching (見守り): opting in, going away for a while, and coordinators resolving alerts.

Before opting in the person reads exactly who is told when they stay silent: their district
coordinator, nobody else.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import OtagaiContext
from bot.i18n import _, current_zone, format_date, format_datetime, plain
from handlers.common import (
    button,
    callback_data,
    callback_pattern,
    callback_values,
    edit_or_keep,
    int_value,
    private_only,
    refuse,
)
from handlers.fallback import stale_button
from models import Area, Person, WatchAlert
from models.base import utcnow
from models.checkins import WATCH_CHOICES, is_away, preference_of, set_watching
from models.permissions import Action
from models.when import parse_date
from scheduler.checkins import ALERT_PREFIX

PREFIX = "wt"
AWAY_PREFIX = "aw"
AWAY_CHOICES = (3, 7, 14, 30)  # days
AWAY_LIMIT = timedelta(days=183)


async def _registered(update: Update, context: OtagaiContext) -> Person | None:
    person = context.person
    if person is None or not person.has_consented:
        await refuse(update, "checkin.not_registered")
        return None
    return person


def _watch_text(preference) -> str:  # type: ignore[no-untyped-def]
    state = _("watch.on", hours=preference.watch_hours) if preference.watching \
        else _("watch.off")
    return "\n\n".join([_("watch.explain"), state])


def _watch_keyboard(preference) -> InlineKeyboardMarkup:  # type: ignore[no-untyped-def]
    rows = [[button("watch.button.hours", callback_data(PREFIX, "on", hours), hours=hours)
             for hours in WATCH_CHOICES]]
    if preference.watching:
        rows.append([button("watch.button.stop", callback_data(PREFIX, "off"))])
    return InlineKeyboardMarkup(rows)


async def watch_command(update: Update, context: OtagaiContext) -> None:
    """/watch: what watching means, and buttons to start (with a window) or stop it."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = await _registered(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    await update.effective_message.reply_text(_watch_text(preference),
                                              reply_markup=_watch_keyboard(preference))


async def on_watch_button(update: Update, context: OtagaiContext) -> None:
    """Start watching with the chosen window, or stop."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    step, hours = (values[0] if values else ""), int_value(values, 1)
    person = await _registered(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    if step == "on" and hours in WATCH_CHOICES:
        set_watching(preference, True, hours)
        if preference.paused:  # watching needs the weekly question
            preference.paused = False
    elif step == "off":
        set_watching(preference, False)
    else:
        await stale_button(update, context)
        return
    await query.answer(plain("checkin.settings.saved"))
    await edit_or_keep(query, _watch_text(preference), _watch_keyboard(preference))


def _away_keyboard(away: bool) -> InlineKeyboardMarkup:
    rows = [[button("away.button.days", callback_data(AWAY_PREFIX, days), days=days)
             for days in AWAY_CHOICES]]
    if away:
        rows.append([button("away.button.back", callback_data(AWAY_PREFIX, "back"))])
    return InlineKeyboardMarkup(rows)


async def away_command(update: Update, context: OtagaiContext) -> None:
    """/away [date]: no check-ins and no watching alerts until a date (travel, hospital)."""
    message = update.effective_message
    if not await private_only(update, context) or message is None:
        return
    person = await _registered(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    today = utcnow().astimezone(current_zone()).date()
    typed = " ".join(context.args or []).strip()
    if typed:
        until = parse_date(typed, utcnow().astimezone(current_zone()))
        if until is None or until < today or until - today > AWAY_LIMIT:
            await message.reply_text(_("away.bad_date", days=AWAY_LIMIT.days))
            return
        preference.away_until = until
        await message.reply_text(_("away.saved", date=format_date(until)))
        return
    away = is_away(preference, today)
    state = _("away.now", date=format_date(preference.away_until)) if away and \
        preference.away_until else _("away.not_away")
    await message.reply_text("\n\n".join([_("away.explain"), state]),
                             reply_markup=_away_keyboard(away))


async def on_away_button(update: Update, context: OtagaiContext) -> None:
    """Go away for some days, or say one is back."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    days = int_value(values, 0)
    person = await _registered(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    today = utcnow().astimezone(current_zone()).date()
    if values[:1] == ["back"]:
        preference.away_until = None
        text = _("away.back")
    elif days in AWAY_CHOICES:
        preference.away_until = today + timedelta(days=days)
        text = _("away.saved", date=format_date(preference.away_until))
    else:
        await stale_button(update, context)
        return
    await query.answer()
    await edit_or_keep(query, text)


async def on_alert_button(update: Update, context: OtagaiContext) -> None:
    """A coordinator contacted the person: the alert is resolved (once)."""
    query = update.callback_query
    assert query is not None
    alert_id = int_value(callback_values(query), 0)
    alert = await context.session.get(WatchAlert, alert_id) if alert_id else None
    if alert is None:
        await stale_button(update, context)
        return
    district = await context.session.get(Area, alert.district_id) if alert.district_id \
        else None
    if district is None or not (await context.permissions()).may(Action.FOLLOW_NEEDS, district):
        await refuse(update, "need.not_in_scope")
        return
    person = await context.session.get(Person, alert.person_id)
    name = person.display_name if person else "-"
    if alert.resolved_at is not None:
        resolver = await context.session.get(Person, alert.resolved_by_id) \
            if alert.resolved_by_id else None
        await query.answer(plain("watch.already_resolved",
                                 by=resolver.display_name if resolver else "-"),
                           show_alert=True)
        return
    me = await context.ensure_person()
    alert.resolved_at, alert.resolved_by_id = utcnow(), me.id
    await query.answer()
    await edit_or_keep(query, _("watch.resolved", name=name,
                                when=format_datetime(alert.resolved_at)))


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach /watch, /away and the alert button."""
    application.add_handler(CommandHandler("watch", watch_command))
    application.add_handler(CommandHandler("away", away_command))
    application.add_handler(CallbackQueryHandler(on_watch_button,
                                                 pattern=callback_pattern(PREFIX)))
    application.add_handler(CallbackQueryHandler(on_away_button,
                                                 pattern=callback_pattern(AWAY_PREFIX)))
    application.add_handler(CallbackQueryHandler(on_alert_button,
                                                 pattern=callback_pattern(ALERT_PREFIX)))
