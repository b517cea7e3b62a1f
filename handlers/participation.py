"""How many came: one tap after each session, typed numbers, and /myactivities corrections."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
)

from bot.context import OtagaiContext
from bot.notices import as_reply
from handlers.activity_views import coordinates, may_manage
from handlers.common import (
    Pressed,
    callback_data,
    edit_or_keep,
    int_value,
    private_only,
    refuse,
)
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.router import ID, Choice, Int, OneOf, Press, router_of
from handlers.typed_input import TypedInput
from locales.i18n import N_, _, current_zone, format_datetime, plain
from models import Activity, ActivitySession, ActivityStatus
from models.activities import (
    CORRECTION_DAYS,
    MAX_PARTICIPANTS,
    SessionStatus,
    awaiting_count_of,
    ended_sessions,
    leave_count,
    open_session,
    recent_sessions,
    record_count,
    session_at,
    sessions_since,
    waiting_for_count,
)
from models.clock import utcnow
from models.numbers import parse_count
from scheduler.participation import PREFIX, question

SESSIONS = "ps"  # from the activity card: choose a past session to record
RECORDABLE = (ActivityStatus.ACTIVE, ActivityStatus.PAUSED, ActivityStatus.ENDED)


async def _may_report(context: OtagaiContext, activity: Activity, record: ActivitySession
                      ) -> bool:
    """The organiser, within 14 days; or a coordinator of the activity's district."""
    if context.person is None or not await may_manage(context, activity):
        return False
    recent = record.starts_at >= utcnow() - timedelta(days=CORRECTION_DAYS)
    return recent or await coordinates(context, activity)


def _state(record: ActivitySession | None) -> str:
    if record is None or record.status is SessionStatus.ASKED:
        return plain("participation.state.waiting")
    if record.status is SessionStatus.CANCELLED:
        return plain("participation.state.cancelled")
    return plain("participation.people", count=record.participants)


def _answer(activity: Activity, record: ActivitySession) -> str:
    if record.status is SessionStatus.CANCELLED:
        return _("participation.recorded_cancelled", name=activity.name or "-",
                 when=format_datetime(record.starts_at))
    return _("participation.recorded", name=activity.name or "-", count=record.participants,
             when=format_datetime(record.starts_at))


async def on_count_button(press: Press) -> None:
    """Record the tapped number, "cancelled", or wait for a typed number."""
    update, context, query = press.update, press.context, press.query
    record = await context.session.get(ActivitySession, press.values[0])
    activity = await context.session.get(Activity, record.activity_id) if record else None
    choice = press.raw[1]
    if record is None or activity is None or not (choice in ("t", "x") or choice.isdigit()):
        await stale_button(update, context)
        return
    if not await _may_report(context, activity, record):
        await refuse(update, "participation.not_yours")
        return
    person = await context.ensure_person()
    await query.answer()
    if choice == "t":
        record.awaiting_count, record.reported_by_id = True, person.id
        ask = _("participation.type_number", limit=MAX_PARTICIPANTS)
        await edit_or_keep(query, ask)
        await asked(context, "count.number", query.message, ask, target_id=record.id,
                    typed=True)
        return
    record_count(record, person.id, None if choice == "x" else int(choice))
    await edit_or_keep(query, _answer(activity, record))


async def capture_count(update: Update, context: OtagaiContext) -> None:
    """Take a typed number for the session the person chose to type for."""
    message, person = update.effective_message, context.person
    if message is None or person is None or not message.text:
        return
    record = await awaiting_count_of(context.session, person.id)
    if record is None:
        return
    activity = await context.session.get(Activity, record.activity_id)
    count = parse_count(message.text)
    if activity is None or count is None or not 0 <= count <= MAX_PARTICIPANTS:
        await message.reply_text(_("participation.bad_number", limit=MAX_PARTICIPANTS))
    else:
        record_count(record, person.id, count)
        await message.reply_text(_answer(activity, record))
    raise ApplicationHandlerStop  # the number was the answer


async def my_activities(update: Update, context: OtagaiContext) -> None:
    """List the person's sessions of the last 14 days, each with a button to correct it."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = context.person
    since = utcnow() - timedelta(days=CORRECTION_DAYS)
    rows = await recent_sessions(context.session, person.id, since) if person else []
    if not rows:
        await update.effective_message.reply_text(_("participation.none_recent"))
        return
    lines, keyboard = [_("participation.recent_heading", days=CORRECTION_DAYS)], []
    for record, activity in rows[:10]:
        lines.append(_("participation.recent_line", name=activity.name or "-",
                       when=format_datetime(record.starts_at), state=_state(record)))
        keyboard.append([InlineKeyboardButton(
            plain("participation.button.correct", name=activity.name or "-",
                  when=format_datetime(record.starts_at)),
            callback_data=f"{PREFIX}:{record.id}:ask")])
    text, markup = "\n".join(lines), InlineKeyboardMarkup(keyboard)
    sent = await update.effective_message.reply_text(text, reply_markup=markup)
    await asked(context, "count.sessions", sent, text, markup)


async def _ask_count(context: OtagaiContext, query: Pressed | CallbackQuery,
                     activity: Activity, record: ActivitySession, *, edit: bool) -> None:
    """Show the count question (in place of the last, or below it) as the open question: the
    words the scheduler's question has."""
    notice = question(activity, record)
    text, markup = as_reply(notice)
    if edit:
        await edit_or_keep(query, text, markup)
        shown = query.message
    elif query.message is not None:
        shown = await query.message.reply_text(text, reply_markup=markup)
    else:
        return
    await asked(context, "count.ask", shown, text, markup, target_id=record.id)


async def on_correct_button(press: Press) -> None:
    """Show the count question again for one session."""
    update, context, query = press.update, press.context, press.query
    record = await context.session.get(ActivitySession, press.values[0])
    activity = await context.session.get(Activity, record.activity_id) if record else None
    if record is None or activity is None:
        await stale_button(update, context)
        return
    if not await _may_report(context, activity, record):
        await refuse(update, "participation.not_yours")
        return
    await query.answer()
    await _ask_count(context, query, activity, record, edit=False)


async def on_sessions_button(press: Press) -> None:
    """From the activity card, the organiser or a coordinator of the district records a count:
    first the sessions of the last 14 days (from the schedule), then the count buttons."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    activity = await context.session.get(Activity, press.values[0])
    if activity is None or activity.status not in RECORDABLE:
        await stale_button(update, context)
        return
    if context.person is None or not await may_manage(context, activity):
        await refuse(update, "participation.not_yours")
        return
    now = utcnow()
    since = now - timedelta(days=CORRECTION_DAYS)
    starts = ended_sessions(activity, since, now, current_zone())
    if len(values) < 2:
        await _list_sessions(query, context, activity, starts, since)
        return
    stamp = int_value(values, 1)
    start = next((s for s in starts if int(s.timestamp()) == stamp), None)
    if start is None:  # forged, or slipped out of the 14 days
        await stale_button(update, context)
        return
    record = (await open_session(context.session, activity.id, start)
              or await session_at(context.session, activity.id, start))
    if record is None:
        await stale_button(update, context)
        return
    await query.answer()
    await _ask_count(context, query, activity, record, edit=True)


async def _list_sessions(query: Pressed | CallbackQuery, context: OtagaiContext,
                         activity: Activity, starts: list[datetime], since: datetime) -> None:
    await query.answer()
    if query.message is None:
        return
    if not starts:
        await query.message.reply_text(_("participation.none_recent"))
        return
    known = {record.starts_at: record
             for record in await sessions_since(context.session, activity.id, since)}
    keyboard = [[InlineKeyboardButton(
        plain("participation.button.session", when=format_datetime(start),
              state=_state(known.get(start))),
        callback_data=callback_data(SESSIONS, activity.id, int(start.timestamp())))]
        for start in reversed(starts)]
    text = _("participation.choose_session", name=activity.name or "-", days=CORRECTION_DAYS)
    markup = InlineKeyboardMarkup(keyboard)
    sent = await query.message.reply_text(text, reply_markup=markup)
    await asked(context, "count.sessions", sent, text, markup)


def register(application: Application) -> None:
    """Attach /myactivities, the count buttons and typed counts."""
    application.add_handler(CommandHandler("myactivities", my_activities))
    router = router_of(application)
    router.route(PREFIX, _on_session_button, ID, OneOf(Choice("ask", "t", "x"), COUNT))
    router.route(SESSIONS, on_sessions_button, ID, Int(digits=12, optional=True))  # a start


COUNT = Int(digits=4)  # a count on a button


async def _on_session_button(press: Press) -> None:
    """「訂正する」 asks again; a number, 「中止」 or 「数字で入力」 answers."""
    await (on_correct_button if press.values[1] == "ask" else on_count_button)(press)


# Typed text while this capability waits for it (see handlers.typed_input).
TYPED = TypedInput(waiting_for_count, capture_count, leave_count, N_("conversation.what.count"),
                   (PREFIX, SESSIONS))
