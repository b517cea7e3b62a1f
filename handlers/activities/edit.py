"""Changing an activity: its name, place and schedule typed, its kind and meanings with
buttons, and pausing, resuming or ending it."""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import OtagaiContext
from handlers.activities.propose import UNCLEAR_SCHEDULE, schedule_question
from handlers.activities.shared import BROWSE, CHANGE_SCHEDULE
from handlers.activity_views import may_manage
from handlers.common import (
    button,
    callback_data,
    chosen,
    edit_or_keep,
    int_value,
    refuse,
)
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.router import Choice, Int, Press, Router, Text
from locales.activity_text import KIND_LABELS, MEANING_LABELS
from locales.i18n import N_, _, current_zone, plain
from models import Activity, ActivityKind, ActivityStatus, Meaning, Person
from models.activities import (
    NAME_LENGTH,
    PLACE_LENGTH,
    VISIBLE,
    change_status,
    choose_kind,
    interested_people,
    meanings_mask,
    meanings_of_mask,
    rename,
    set_meanings,
    set_place,
    set_schedule,
    start_edit,
    stop_edit,
)
from models.clock import utcnow
from models.notices import Notice
from models.notices import schedule as notice_schedule
from models.outbox import enqueue
from models.schedule import Schedule, Unclear, afternoon, read_schedule


async def take_change(message: Message, context: OtagaiContext, activity: Activity,
                       text: str) -> None:
    """Apply a typed new name, place or schedule; a new place or time is announced to
    everyone who marked interest."""
    if activity.status not in VISIBLE:  # ended while the person was typing
        stop_edit(activity)
        await message.reply_text(_("activity.cannot_change"))
        return
    if activity.awaiting == "name":
        if rename(activity, text) is not None:
            await message.reply_text(_("activity.bad_name", limit=NAME_LENGTH))
            return
        stop_edit(activity)
        await message.reply_text(_("activity.edited", name=text))
        return
    if activity.awaiting == "place":
        if set_place(activity, text) is not None:
            await message.reply_text(_("activity.bad_place", limit=PLACE_LENGTH))
            return
    else:  # asked about and read back with its next dates; はい saves it
        schedule = read_schedule(text, utcnow().astimezone(current_zone()).date(),
                                 activity.name)
        if isinstance(schedule, Unclear):
            await message.reply_text(_(UNCLEAR_SCHEDULE[schedule.why], text=schedule.text))
            return
        question, keyboard, _step = schedule_question(CHANGE_SCHEDULE, activity.id, schedule,
                                                      carry=True)
        sent = await message.reply_text(question, reply_markup=keyboard)
        await asked(context, "activity.change_schedule", sent, question, keyboard,
                    target_id=activity.id, typed=True)  # a schedule typed again replaces it
        return
    await _changed(context, activity)
    await message.reply_text(_("activity.changed", name=activity.name or "-"))


async def _changed(context: OtagaiContext, activity: Activity) -> None:
    """The change is made: the edit ends and everyone interested is told."""
    stop_edit(activity)
    change_id = utcnow().timestamp()
    notice = Notice(N_("activity.change_notice"), {
        "name": activity.name or "-", "place": activity.place or "-",
        "schedule": notice_schedule(activity.schedule)})
    for person_id in await interested_people(context.session, activity.id):
        person = await context.session.get(Person, person_id)
        if person is None or not person.active:
            continue
        enqueue(context.session, key=f"activity-change:{activity.id}:{change_id}:{person.id}",
                notice=notice, person_id=person.id)


def register_buttons(router: Router) -> None:
    """A changed schedule's questions: the schedule travels in the buttons until はい
    (``Schedule.to_code``, at most 37 characters, after the activity's id: the id is given
    12 digits, not a BigInteger's 19, to stay within Telegram's 64 bytes)."""
    activity_id, code = Int(digits=12), Text(CODE_BYTES, optional=True)
    router.route(CHANGE_SCHEDULE, on_change_schedule_button, activity_id, code,
                 Choice("0", "1", optional=True), steps="yy")  # then whether the hour is open
    router.route(CHANGE_SCHEDULE, on_change_schedule_button, activity_id, code,
                 steps=("ha", "hp", "sy", "rs"))


CODE_BYTES = 37  # the longest Schedule.to_code


async def on_change_schedule_button(press: Press) -> None:
    """A changed schedule: 午前/午後, はい at the read-back, or type again. The schedule
    travels in the buttons until はい."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    step, activity = press.step or "", await context.session.get(Activity, press.values[0])
    schedule = Schedule.from_code(values[2]) if len(values) > 2 else None
    person = context.person
    if (activity is None or person is None or activity.awaiting != "schedule"
            or activity.editing_by_id != person.id or step not in ("yy", "ha", "hp", "sy", "rs")
            or (step != "rs" and schedule is None)):
        await stale_button(update, context)
        return
    if activity.status not in VISIBLE or not await may_manage(context, activity):
        stop_edit(activity)
        await refuse(update, "activity.cannot_change")
        return
    await query.answer()
    if step == "rs" or schedule is None:
        await edit_or_keep(query, _("activity.ask_schedule"))
        await asked(context, "activity.change_schedule", query.message,
                    _("activity.ask_schedule"), target_id=activity.id, typed=True)
        return
    if step == "sy":
        set_schedule(activity, schedule)
        await _changed(context, activity)
        await edit_or_keep(query, _("activity.changed", name=activity.name or "-"))
        return
    if step == "yy":  # next year's date; then the hour, if open too
        schedule = replace(schedule, ambiguous_hour=values[-1:] == ["1"])
    question, keyboard, _step = schedule_question(
        CHANGE_SCHEDULE, activity.id, afternoon(schedule) if step == "hp" else schedule,
        carry=True)
    await edit_or_keep(query, question, keyboard)
    await asked(context, "activity.change_schedule", query.message, question, keyboard,
                target_id=activity.id, typed=True)


STATUS_DONE = {
    ActivityStatus.ACTIVE: N_("activity.resumed"),
    ActivityStatus.PAUSED: N_("activity.paused"),
    ActivityStatus.ENDED: N_("activity.ended"),
}


async def start_change(update: Update, context: OtagaiContext, activity: Activity,
                        field: str) -> None:
    """Wait for a typed new place or schedule from the organiser or coordinator."""
    query = update.callback_query
    assert query is not None
    if not await may_manage(context, activity):
        await refuse(update, "activity.manage_not_allowed")
        return
    await start_edit(context.session, activity, (await context.ensure_person()).id, field)
    await query.answer()
    if query.message is None:
        return
    if field == "name":
        await query.message.reply_text(_("activity.ask_new_name", name=activity.name or "-",
                                         limit=NAME_LENGTH))
    elif field == "place":
        await query.message.reply_text(_("activity.ask_place", limit=PLACE_LENGTH))
    else:
        await query.message.reply_text(_("activity.ask_schedule"))


def _edit_kind_keyboard(activity: Activity) -> InlineKeyboardMarkup:
    kinds = list(KIND_LABELS.items())
    rows = [[InlineKeyboardButton(
        chosen(plain(label), kind == activity.kind),
        callback_data=callback_data(BROWSE, "ek", activity.id, kind))
        for kind, label in kinds[i:i + 2]] for i in range(0, len(kinds), 2)]
    return InlineKeyboardMarkup(rows)


def _edit_meanings_keyboard(activity: Activity, mask: int) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(
        chosen(plain(MEANING_LABELS[meaning]), bool(mask & (1 << i))),
        callback_data=callback_data(BROWSE, "et", activity.id, mask ^ (1 << i)))]
        for i, meaning in enumerate(Meaning)]
    rows.append([button("activity.button.save", callback_data(BROWSE, "es", activity.id, mask))])
    return InlineKeyboardMarkup(rows)


async def edit_by_button(update: Update, context: OtagaiContext, activity: Activity,
                          step: str, rest: list[str]) -> None:
    """Kind and meanings are chosen with buttons: nothing is saved until the last press."""
    query = update.callback_query
    assert query is not None
    if not await may_manage(context, activity):
        await refuse(update, "activity.manage_not_allowed")
        return
    name = activity.name or "-"
    if step == "ek" and not rest:  # from the card: choose the new kind
        await query.answer()
        if query.message is not None:
            await query.message.reply_text(_("activity.edit_kind", name=name),
                                           reply_markup=_edit_kind_keyboard(activity))
    elif step == "ek" and rest[0] in set(ActivityKind):
        choose_kind(activity, ActivityKind(rest[0]))
        await query.answer()
        await edit_or_keep(query, _("activity.edited", name=name))
    elif step == "em" and not rest:  # from the card: the meanings as they are
        await query.answer()
        if query.message is not None:
            await query.message.reply_text(
                _("activity.edit_meanings", name=name),
                reply_markup=_edit_meanings_keyboard(activity, meanings_mask(
                    activity.meanings or [])))
    elif step in ("et", "es") and rest and (mask := int_value(rest, 0)) is not None \
            and (chosen := meanings_of_mask(mask)) is not None:
        await query.answer()
        if step == "et":
            await edit_or_keep(query, _("activity.edit_meanings", name=name),
                               _edit_meanings_keyboard(activity, mask))
        else:
            set_meanings(activity, chosen)
            await edit_or_keep(query, _("activity.edited", name=name))
    else:
        await stale_button(update, context)


async def set_status(update: Update, context: OtagaiContext, activity: Activity,
                         value: str) -> None:
    """Pause, resume or end, by the organiser or a coordinator of the district."""
    query = update.callback_query
    assert query is not None
    if not await may_manage(context, activity):
        await refuse(update, "activity.manage_not_allowed")
        return
    try:
        new = ActivityStatus(value)
        change_status(activity, new)
    except ValueError:
        await query.answer(plain("activity.cannot_change"), show_alert=True)
        return
    await query.answer()
    await edit_or_keep(query, _(STATUS_DONE[new], name=activity.name or "-"))
