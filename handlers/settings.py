"""/settings: when the bot may write on its own (quiet hours), in the person's own time."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from bot.context import OtagaiContext
from handlers.common import (
    button,
    callback_data,
    edit_or_keep,
    private_only,
)
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.router import Int, Press, router_of
from locales.i18n import N_, _, plain
from models import Person
from models.people import set_quiet_hours

PREFIX = "st"
CHECKIN_SETTINGS = "cs"  # handled in handlers/checkins.py
FROM, UNTIL, OFF = "f", "u", "off"
FROM_CHOICES = (19, 20, 21, 22, 23)
UNTIL_CHOICES = (6, 7, 8, 9, 10)


def _summary(person: Person) -> str:
    start, end = person.quiet_hours
    if start == end:
        return _("settings.quiet_off")
    return _("settings.quiet", start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))


def _keyboard() -> InlineKeyboardMarkup:
    # Each button says what it sets (「21時から」「8時まで」): no header rows to press in vain.
    def hour_row(step: str, key: str, hours: tuple[int, ...]) -> list[InlineKeyboardButton]:
        return [InlineKeyboardButton(plain(key, hour=h),
                                     callback_data=callback_data(PREFIX, step, h)) for h in hours]

    return InlineKeyboardMarkup([
        hour_row(FROM, N_("settings.hour_from"), FROM_CHOICES),
        hour_row(UNTIL, N_("settings.hour_until"), UNTIL_CHOICES),
        [button("settings.button.off", callback_data(PREFIX, OFF))],
        [button("settings.button.checkin", callback_data(CHECKIN_SETTINGS, "show"))],
    ])


async def show_settings(update: Update, context: OtagaiContext) -> None:
    """Show the quiet hours with buttons to change them."""
    if not await private_only(update, context):
        return
    person = await context.ensure_person()
    message = update.effective_message
    text, markup = _summary(person) + "\n\n" + _("settings.explain"), _keyboard()
    if message is None:
        return
    sent = await message.reply_text(text, reply_markup=markup)
    await asked(context, "settings.quiet", sent, text, markup)  # 「22時から」 typed


async def on_button(press: Press) -> None:
    """Change the start or end of the quiet hours, or turn them off."""
    update, context, query = press.update, press.context, press.query
    step, hour = press.step, press.value(0)
    person = await context.ensure_person()
    if step == OFF:
        await set_quiet_hours(context.session, person, 0, 0)
    elif step == FROM and hour in FROM_CHOICES:
        start, end = person.quiet_hours
        await set_quiet_hours(context.session, person, hour, end.hour if start != end else 8)
    elif step == UNTIL and hour in UNTIL_CHOICES:
        start, end = person.quiet_hours
        await set_quiet_hours(context.session, person, start.hour if start != end else 21, hour)
    else:
        await stale_button(update, context)
        return
    await query.answer()
    text, markup = _summary(person) + "\n\n" + _("settings.explain"), _keyboard()
    await edit_or_keep(query, text, markup)
    await asked(context, "settings.quiet", query.message, text, markup)


def register(application: Application) -> None:
    """Attach /settings and its buttons."""
    application.add_handler(CommandHandler("settings", show_settings))
    router = router_of(application)
    router.route(PREFIX, on_button, steps=OFF)
    router.route(PREFIX, on_button, Int(digits=2), steps=(FROM, UNTIL))  # an hour
