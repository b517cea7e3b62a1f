"""Last month's participants in person (参加者実人数): one tap or a typed number, then how
many were aged 65 or more (optional), and a button to correct it.

Asked in the first days of each month (``scheduler.monthly_count``); the organiser or a
coordinator of the district can also give or correct it from the activity's card
(「先月の参加者数（実人数）」). Nobody else may answer, whatever button they send.
"""

from __future__ import annotations

from datetime import date

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, ApplicationHandlerStop

from bot.context import OtagaiContext
from bot.notices import as_reply
from handlers.activity_views import may_manage
from handlers.common import (
    Pressed,
    button,
    callback_data,
    edit_or_keep,
    int_value,
    refuse,
)
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.router import ID, Choice, Int, OneOf, Press, router_of
from handlers.typed_input import TypedInput
from locales.i18n import N_, _, current_zone
from models import Activity, ActivityStatus
from models.clock import utcnow
from models.numbers import parse_count
from models.participants import (
    MAX_PEOPLE,
    MonthlyParticipants,
    count_of,
    previous_month,
    record,
    stop_waiting,
    wait_for_number,
    waiting_for_number,
    waiting_number,
)
from scheduler.monthly_count import (
    PREFIX,
    month_code,
    month_label,
    month_of_code,
    question,
)

RECORDABLE = (ActivityStatus.ACTIVE, ActivityStatus.PAUSED, ActivityStatus.ENDED)
CORRECTION_MONTHS = 24  # a count may be given or corrected up to two years back


def _keyboard(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(**b) for b in row] for row in rows])


def _data(activity: Activity, month: date, choice: str) -> str:
    return callback_data(PREFIX, activity.id, month_code(month), choice)


def _aged_question(activity: Activity, month: date, people: int
                   ) -> tuple[str, InlineKeyboardMarkup]:
    text = _("monthly.recorded_ask_aged", name=activity.name or "-",
             month=month_label(month), count=people)
    return text, InlineKeyboardMarkup([
        [button("monthly.button.all_aged", _data(activity, month, "all"))],
        [button("monthly.button.type_aged", _data(activity, month, "at"))],
        [button("monthly.button.unknown_aged", _data(activity, month, "end"))]])


def _done(activity: Activity, month: date, row: MonthlyParticipants
          ) -> tuple[str, InlineKeyboardMarkup]:
    if row.aged_65_plus is None:
        text = _("monthly.recorded", name=activity.name or "-", month=month_label(month),
                 count=row.people)
    else:
        text = _("monthly.recorded_with_aged", name=activity.name or "-",
                 month=month_label(month), count=row.people, aged=row.aged_65_plus)
    return text, InlineKeyboardMarkup([[button("monthly.button.correct",
                                               _data(activity, month, "fix"))]])


def _months_back(month: date, today: date) -> int:
    return (today.year - month.year) * 12 + today.month - month.month


async def _target(update: Update, context: OtagaiContext, values: list[str]
                  ) -> tuple[Activity, date] | None:
    """Return the activity and month a button is about, after the checks; None when the
    person was told why not."""
    activity_id = int_value(values, 0)
    month = month_of_code(values[1]) if len(values) > 1 else None
    activity = await context.session.get(Activity, activity_id) if activity_id else None
    today = utcnow().astimezone(current_zone()).date()
    if activity is None or month is None or activity.status not in RECORDABLE \
            or not 1 <= _months_back(month, today) <= CORRECTION_MONTHS:
        await stale_button(update, context)
        return None
    if context.person is None or not await may_manage(context, activity):
        await refuse(update, "monthly.not_yours")
        return None
    return activity, month


async def on_monthly_button(press: Press) -> None:
    """A number tapped, "type it", the 65+ answers, or the question again to correct."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    choice = values[2]
    found = await _target(update, context, values)
    if found is None:
        return
    activity, month = found
    person = await context.ensure_person()
    row = await count_of(context.session, activity.id, month)
    if choice in ("all", "at", "end") and row is None:
        await stale_button(update, context)
        return
    await query.answer()
    if choice in ("ask", "fix"):  # from the card (a new message) or 直す (in its place)
        await _ask(context, query, activity, month, person.id, below=choice == "ask")
    elif choice == "t":
        await wait_for_number(context.session, person.id, activity.id, month, "people")
        await edit_or_keep(query, _("monthly.type_number", limit=MAX_PEOPLE))
    elif choice == "at" and row is not None:
        await wait_for_number(context.session, person.id, activity.id, month, "aged")
        await edit_or_keep(query, _("monthly.type_aged", count=row.people))
    elif choice.isdigit():
        people = int(choice)
        if people > MAX_PEOPLE:
            await stale_button(update, context)
            return
        await record(context.session, activity.id, month, people, reporter_id=person.id)
        await stop_waiting(context.session, person.id, drop=False)
        text, markup = _aged_question(activity, month, people)
        await edit_or_keep(query, text, markup)
        await asked(context, "monthly.aged", query.message, text, markup,
                    target_id=activity.id)
    elif row is not None:
        aged = row.people if choice == "all" else None
        row = await record(context.session, activity.id, month, row.people,
                           reporter_id=person.id, aged_65_plus=aged)
        await edit_or_keep(query, *_done(activity, month, row))


async def _ask(context: OtagaiContext, query: Pressed | CallbackQuery, activity: Activity,
               month: date, person_id: int, *, below: bool) -> None:
    """Ask the month's question with its numbers; a number typed answers it too."""
    notice = question(activity, month)  # the words the scheduler asks with
    text, markup = as_reply(notice)
    if below and query.message is not None:
        shown = await query.message.reply_text(text, reply_markup=markup)
    else:
        await edit_or_keep(query, text, markup)
        shown = query.message
    await wait_for_number(context.session, person_id, activity.id, month, "people")
    await asked(context, "monthly.people", shown, text, markup, target_id=activity.id,
                typed=True)


async def capture_number(update: Update, context: OtagaiContext) -> None:
    """Take the typed number of people (or of those aged 65+) the person chose to type."""
    message, person = update.effective_message, context.person
    if message is None or person is None or not message.text:
        return
    waiting = await waiting_number(context.session, person.id)
    if waiting is None:
        return
    activity = await context.session.get(Activity, waiting.activity_id)
    if activity is None or not await may_manage(context, activity):
        await stop_waiting(context.session, person.id)
        return
    number = parse_count(message.text)
    row = await count_of(context.session, activity.id, waiting.month)
    if waiting.step == "aged" and row is not None:
        await _take_aged(message, context, activity, row, number)
    elif number is None or not 0 <= number <= MAX_PEOPLE:
        await message.reply_text(_("monthly.bad_number", limit=MAX_PEOPLE))
    else:
        month = waiting.month
        await stop_waiting(context.session, person.id)
        await record(context.session, activity.id, month, number, reporter_id=person.id)
        text, markup = _aged_question(activity, month, number)
        sent = await message.reply_text(text, reply_markup=markup)
        await asked(context, "monthly.aged", sent, text, markup, target_id=activity.id)
    raise ApplicationHandlerStop  # the number was the answer


async def _take_aged(message: Message, context: OtagaiContext, activity: Activity,
                     row: MonthlyParticipants, number: int | None) -> None:
    assert context.person is not None
    if number is None or not 0 <= number <= row.people:
        await message.reply_text(_("monthly.bad_aged", count=row.people))
        return
    await stop_waiting(context.session, context.person.id)
    row = await record(context.session, activity.id, row.month, row.people,
                       reporter_id=context.person.id, aged_65_plus=number)
    text, markup = _done(activity, row.month, row)
    await message.reply_text(text, reply_markup=markup)


def card_button(activity: Activity) -> InlineKeyboardButton:
    """Return the card's button to give or correct last month's count."""
    last = previous_month(utcnow().astimezone(current_zone()).date())
    return button("monthly.button.card", _data(activity, last, "ask"))


def register(application: Application) -> None:
    """Attach the monthly count's buttons (typed numbers: ``TYPED``)."""
    router_of(application).route(PREFIX, on_monthly_button, ID, Int(digits=6), OneOf(
        Choice("t", "all", "at", "end", "ask", "fix"), Int(digits=4)))  # 202611: the month


# Typed numbers while this capability waits for them (see handlers.typed_input).
TYPED = TypedInput(waiting_for_number, capture_number, stop_waiting,
                   N_("conversation.what.monthly_count"), (PREFIX,))
