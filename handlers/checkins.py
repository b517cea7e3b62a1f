"""The resident's side of check-ins: answering, telling a worry, and when to be asked.

The weekly question arrives from the scheduler (``scheduler/checkins.py``); its buttons carry
the round, so an answer to an old question counts for that week. "少し困っている" and
"話を聞いてほしい" lead to a need, which reaches the district coordinator privately.
"""

from __future__ import annotations

from functools import partial

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
)

from bot.context import OtagaiContext
from bot.notices import as_reply
from handlers.common import (
    Pressed,
    button,
    callback_data,
    edit_or_keep,
    private_only,
    refuse,
)
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.offers import category_rows
from handlers.router import ID, Choice, Int, Press, router_of
from handlers.typed_input import TypedInput
from locales.i18n import N_, _, plain
from models import CheckinRound, Need, Person
from models.checkins import (
    CheckinPreference,
    Level,
    answer,
    preference_of,
    round_for_answer,
    set_time,
    toggle_paused,
    toggle_skip_holidays,
)
from models.clock import utcnow
from models.needs import (
    Category,
    NeedStatus,
    draft_awaiting_note,
    leave_need_draft,
    need_of_round,
    raise_need,
    set_note,
    start_need,
    toggle_category,
    wait_for_note,
    waiting_for_note,
)
from scheduler.checkins import PREFIX, question
from scheduler.needs import CATEGORY_LABELS, tell_coordinators

NEED_PREFIX = "nq"  # the resident choosing what a need is about
SETTINGS_PREFIX = "cs"  # when to be asked
WEEKDAYS = (N_("checkin.weekday.0"), N_("checkin.weekday.1"), N_("checkin.weekday.2"),
            N_("checkin.weekday.3"), N_("checkin.weekday.4"), N_("checkin.weekday.5"),
            N_("checkin.weekday.6"))
HOURS = (8, 9, 10, 11, 13, 14, 15, 16)
THANKS = {
    Level.FINE: N_("checkin.thanks.fine"),
    Level.SO_SO: N_("checkin.thanks.so_so"),
}


async def _consenting(update: Update, context: OtagaiContext) -> Person | None:
    """Return the person if they are registered; otherwise tell them how to register."""
    person = context.person
    if person is None or not person.has_consented:
        await refuse(update, "checkin.not_registered")
        return None
    return person


# -- answering -------------------------------------------------------------------------------

async def checkin_command(update: Update, context: OtagaiContext) -> None:
    """/checkin: answer this week's question now."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = await _consenting(update, context)
    if person is None:
        return
    record = await round_for_answer(context.session, person, utcnow())
    text, markup = as_reply(question(record.id))  # the same words the scheduler sends
    sent = await update.effective_message.reply_text(text, reply_markup=markup)
    await asked(context, "checkin.answer", sent, text, markup, target_id=record.id)


async def own_round(press: Press) -> CheckinRound | None:
    """The check-in round a button answers, if it is the person's own."""
    record = await press.context.session.get(CheckinRound, press.values[0])
    person = press.context.person
    return record if record is not None and person is not None \
        and record.person_id == person.id else None


async def own_need(press: Press) -> Need | None:
    """The need a resident's button is about, if it is the person's own."""
    need = await press.context.session.get(Need, press.values[0])
    person = press.context.person
    return need if need is not None and person is not None \
        and need.person_id == person.id else None


async def on_answer(press: Press) -> None:
    """Record a tapped (or typed) answer for the round the question belonged to."""
    update, context, query = press.update, press.context, press.query
    record, level, person = press.target, Level(press.values[1]), context.person
    assert person is not None
    if not person.has_consented:
        await refuse(update, "checkin.not_registered")
        return
    await query.answer()
    answer(record, level, utcnow())
    if level in THANKS:
        await edit_or_keep(query, _(THANKS[level]))
        return
    already = await need_of_round(context.session, record.id)
    if already is not None and already.status is not NeedStatus.DRAFT:
        await edit_or_keep(query, _("need.already_sent"))
        return
    if level is Level.WANT_TO_TALK:
        need = await start_need(context.session, person, record.id, Category.TALK)
        await _ask_note(context, query, need)
        return
    need = await start_need(context.session, person, record.id)
    await _ask_categories(context, query, need)


async def _ask_categories(context: OtagaiContext, query: Pressed | CallbackQuery,
                          need: Need) -> None:
    markup = _category_keyboard(need)
    await edit_or_keep(query, _("need.choose"), markup)
    await asked(context, "need.category", query.message, _("need.choose"), markup,
                target_id=need.id)


def _category_keyboard(need: Need) -> InlineKeyboardMarkup:
    rows = category_rows(need.categories, NEED_PREFIX, need.id)
    rows.append([button("need.button.next", callback_data(NEED_PREFIX, need.id, "next"))])
    rows.append([button("need.button.cancel", callback_data(NEED_PREFIX, need.id, "cancel"))])
    return InlineKeyboardMarkup(rows)


async def _ask_note(context: OtagaiContext, query: Pressed | CallbackQuery, need: Need
                    ) -> None:
    wait_for_note(need)
    markup = InlineKeyboardMarkup([
        [button("need.button.send_without_note", callback_data(NEED_PREFIX, need.id, "send"))],
        [button("need.button.cancel", callback_data(NEED_PREFIX, need.id, "cancel"))]])
    await edit_or_keep(query, _("need.ask_note"), markup)
    await asked(context, "need.note", query.message, _("need.ask_note"), markup,
                target_id=need.id, typed=True)


async def on_need_button(press: Press) -> None:
    """Choose categories, go on to the note, send, or cancel a draft need (pressed or
    typed)."""
    update, context, query = press.update, press.context, press.query
    need, person, step = press.target, context.person, press.values[1]
    assert person is not None
    if need.status is not NeedStatus.DRAFT:
        await query.answer()
        await edit_or_keep(query, _("need.already_sent") if need.status is not
                           NeedStatus.WITHDRAWN else _("need.cancelled"))
        return
    if not person.has_consented:
        await refuse(update, "checkin.not_registered")
        return
    category = next((c for c in Category if c.value == step), None)
    if category is not None:
        await query.answer()
        toggle_category(need, category)
        await _ask_categories(context, query, need)
    elif step == "next":
        if not need.categories:
            await query.answer(plain("need.choose_one"), show_alert=True)
            return
        await query.answer()
        await _ask_note(context, query, need)
    elif step == "send":
        await query.answer()
        await _send(context, need)
        await edit_or_keep(query, _("need.sent", categories=_categories(need)))
    elif step == "cancel":
        await query.answer()
        need.status, need.awaiting_note = NeedStatus.WITHDRAWN, False
        await edit_or_keep(query, _("need.cancelled"))
    else:
        await stale_button(update, context)


def _categories(need: Need) -> str:
    return plain("need.list_separator").join(plain(CATEGORY_LABELS[c])
                                             for c in need.category_list)


async def _send(context: OtagaiContext, need: Need) -> None:
    if raise_need(need, utcnow()):
        await context.session.flush()
        await tell_coordinators(context.session, need)


async def capture_note(update: Update, context: OtagaiContext) -> None:
    """A typed short note for a need: store it and send the need."""
    message, person = update.effective_message, context.person
    if message is None or person is None or not message.text:
        return
    need = await draft_awaiting_note(context.session, person.id)
    if need is None:
        return
    set_note(need, message.text)
    await _send(context, need)
    await message.reply_text(_("need.sent_with_note", categories=_categories(need)))
    raise ApplicationHandlerStop


# -- when to be asked ------------------------------------------------------------------------

def _settings_text(preference: CheckinPreference) -> str:
    if preference.paused:
        state = _("checkin.settings.paused")
    else:
        state = _("checkin.settings.when", weekday=plain(WEEKDAYS[preference.weekday]),
                  hour=preference.hour)
    holidays = _(N_("checkin.settings.skip_holidays") if preference.skip_holidays
                 else N_("checkin.settings.on_holidays"))
    return "\n".join([_("checkin.settings.title"), state, holidays])


def _settings_keyboard(preference: CheckinPreference) -> InlineKeyboardMarkup:
    day_rows = [[button(WEEKDAYS[d], callback_data(SETTINGS_PREFIX, "d", d))
                 for d in range(i, min(i + 4, 7))] for i in (0, 4)]
    hour_rows = [[button("checkin.settings.hour", callback_data(SETTINGS_PREFIX, "h", h),
                         hour=h) for h in HOURS[i:i + 4]] for i in (0, 4)]
    return InlineKeyboardMarkup([
        *day_rows, *hour_rows,
        [button(N_("checkin.settings.button.resume") if preference.paused
                else N_("checkin.settings.button.pause"),
                callback_data(SETTINGS_PREFIX, "p"))],
        [button(N_("checkin.settings.button.on_holidays") if preference.skip_holidays
                else N_("checkin.settings.button.skip_holidays"),
                callback_data(SETTINGS_PREFIX, "o"))],
    ])


async def show_checkin_settings(update: Update, context: OtagaiContext,
                                query: Pressed | CallbackQuery) -> None:
    """The /settings button: show when the weekly question comes, with buttons."""
    person = await _consenting(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    await query.answer()
    if query.message is not None:
        text, markup = _settings_text(preference), _settings_keyboard(preference)
        sent = await query.message.reply_text(text, reply_markup=markup)
        await asked(context, "checkin.settings", sent, text, markup)  # 「月曜」 typed


async def on_settings_button(press: Press) -> None:
    """Change the day or hour, pause or resume, skip holidays or not."""
    update, context, query = press.update, press.context, press.query
    step, number = press.step, press.value(0)
    if step == "show":
        await show_checkin_settings(update, context, query)
        return
    person = await _consenting(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    if step == "d" and number is not None and 0 <= number <= 6:
        set_time(preference, number, preference.hour)
    elif step == "h" and number in HOURS:
        set_time(preference, preference.weekday, number)
    elif step == "p":
        toggle_paused(preference)
    elif step == "o":
        toggle_skip_holidays(preference)
    else:
        await stale_button(update, context)
        return
    await query.answer(plain("checkin.settings.saved"))
    text, markup = _settings_text(preference), _settings_keyboard(preference)
    await edit_or_keep(query, text, markup)
    await asked(context, "checkin.settings", query.message, text, markup)


def register(application: Application) -> None:
    """Attach /checkin, the answer and need buttons, typed notes and the check-in settings."""
    application.add_handler(CommandHandler("checkin", checkin_command))
    router = router_of(application)  # 「元気です」 typed is the button too
    router.route(PREFIX, on_answer, ID, Choice(*Level), load=own_round)
    router.route(NEED_PREFIX, on_need_button, ID,
                 Choice(*Category, "next", "send", "cancel"), load=own_need)
    settings = partial(router.route, SETTINGS_PREFIX, on_settings_button)
    settings(steps=("show", "p", "o"))
    settings(Int(digits=1), steps="d")
    settings(Int(digits=2), steps="h")


# Typed text while this capability waits for it (see handlers.typed_input).
TYPED = TypedInput(waiting_for_note, capture_note, leave_need_draft, N_("conversation.what.need"),
                   (PREFIX, NEED_PREFIX), left=N_("conversation.need_not_sent"))
