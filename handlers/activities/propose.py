"""/newactivity: a resident or coordinator proposes an activity step by step (the draft
lives in the database); a coordinator of the district is asked to review it."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import OtagaiContext
from handlers.activities.shared import (
    PREFIX,
    REJECT_REASONS,
    REVIEW,
)
from handlers.activities.survey import UNKNOWN, choice_rows
from handlers.activity_views import card
from handlers.common import (
    Pressed,
    button,
    callback_data,
    chosen,
    edit_or_keep,
    private_only,
    refuse,
)
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.router import FLAG, ID, Choice, Handler, Press, Router, Value
from locales.activity_text import KIND_LABELS, MEANING_LABELS, describe_schedule, next_dates_label
from locales.i18n import (
    N_,
    _,
    current_zone,
    format_half_day,
    plain,
)
from models import Activity, ActivityKind, ActivityStatus, Area, Meaning
from models.activities import (
    CONTACT_LENGTH,
    DESCRIPTION_LENGTH,
    MAX_CAPACITY,
    NAME_LENGTH,
    PLACE_LENGTH,
    choose_kind,
    rename,
    set_details,
    set_place,
    set_schedule,
    start_draft,
    submit,
    toggle_meaning,
    wait_for,
)
from models.clock import utcnow
from models.kayoinoba import SurveyCategory, asks_category
from models.limits import PROPOSALS_WAITING, may_propose
from models.notices import Choice as Option
from models.notices import Notice, label
from models.notices import schedule as notice_schedule
from models.numbers import parse_count
from models.outbox import enqueue
from models.permissions import coordinates_activity
from models.roles import responsible_coordinators
from models.schedule import Schedule, Unclear, Why, afternoon, next_starts, read_schedule
from models.when import parse_time


async def begin(update: Update, context: OtagaiContext) -> None:
    """Start writing a new activity: first its name."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = context.person
    if person is None or not person.has_consented:
        await refuse(update, "activity.register_first")
        return
    if not await may_propose(context.session, person.id):
        await update.effective_message.reply_text(_("activity.too_many_waiting",
                                                    count=PROPOSALS_WAITING))
        return
    draft = await start_draft(context.session, person.id, person.district_id)
    question = _("activity.ask_name", limit=NAME_LENGTH)
    sent = await update.effective_message.reply_text(question)
    await asked(context, "activity.name", sent, question, target_id=draft.id, typed=True)


def _kind_keyboard(draft: Activity) -> InlineKeyboardMarkup:
    kinds = list(KIND_LABELS.items())
    rows = [[InlineKeyboardButton(plain(label), callback_data=callback_data(
        PREFIX, "k", draft.id, kind)) for kind, label in kinds[i:i + 2]]
        for i in range(0, len(kinds), 2)]
    return InlineKeyboardMarkup(rows)


def _meanings_keyboard(draft: Activity) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(
        chosen(plain(label), meaning.value in (draft.meanings or [])),
        callback_data=callback_data(PREFIX, "m", draft.id, meaning))]
        for meaning, label in MEANING_LABELS.items()]
    rows.append([button("activity.button.next", callback_data(PREFIX, "mn", draft.id))])
    return InlineKeyboardMarkup(rows)


async def take_draft_answer(message: Message, context: OtagaiContext, draft: Activity,
                             text: str) -> None:
    """Name, place, schedule, then the optional questions."""
    if draft.awaiting == "name":
        if rename(draft, text) is not None:
            await message.reply_text(_("activity.bad_name", limit=NAME_LENGTH))
        else:
            question, markup = _("activity.ask_kind", name=text), _kind_keyboard(draft)
            sent = await message.reply_text(question, reply_markup=markup)
            await asked(context, "activity.kind", sent, question, markup, target_id=draft.id)
    elif draft.awaiting == "place":
        if set_place(draft, text) is not None:
            await message.reply_text(_("activity.bad_place", limit=PLACE_LENGTH))
        else:
            await message.reply_text(_("activity.ask_schedule"))
    elif draft.awaiting in ("schedule", "schedule_check", "schedule_hour", "schedule_year"):
        # a schedule typed again, while asked about the last one, is read anew
        found = read_schedule(text, utcnow().astimezone(current_zone()).date(), draft.name)
        if isinstance(found, Unclear):
            await message.reply_text(_(UNCLEAR_SCHEDULE[found.why], text=found.text))
            return
        set_schedule(draft, found)
        await _after_schedule(message, context, draft, found)
    elif draft.awaiting == "schedule_end" and draft.schedule:
        schedule = Schedule.from_json(draft.schedule)
        end = parse_time(text)
        if end is not None and end <= schedule.start and schedule.start >= time(12) > end:
            end = end.replace(hour=end.hour + 12)  # 4時 after a start of 午後2時 is 16:00
        if end is None or end <= schedule.start:
            await message.reply_text(_("activity.bad_schedule_end",
                                       start=describe_schedule(schedule)))
            return
        schedule = replace(schedule, end=end)
        set_schedule(draft, schedule)
        await _after_schedule(message, context, draft, schedule)
    elif draft.awaiting in OPTIONAL_STEPS:
        await _take_optional(message, context, draft, text)


UNCLEAR_SCHEDULE = {Why.NOT_READ: N_("activity.bad_schedule"),
                    Why.WHICH_DAYS: N_("activity.schedule_which_days"),
                    Why.HOUR_IN_WORDS: N_("activity.schedule_hour_in_words"),
                    Why.EXTRA_TEXT: N_("activity.schedule_extra_text")}


def schedule_question(prefix: str, target_id: int, schedule: Schedule, *, carry: bool = False
                      ) -> tuple[str, InlineKeyboardMarkup | None, str]:
    """Ask 午前 or 午後 for a bare hour, then the end time when there is none (not for a
    carried one: a change), else read the schedule back with its next three dates.

    A one-off date that passed this year is asked about first (next year's?). Returns the
    question, its buttons and the step now open (``schedule_year``, ``schedule_hour``,
    ``schedule_end``, ``schedule`` when it is past, ``schedule_check``). A ``carry`` schedule
    travels in the buttons (``Schedule.to_code``) until はい saves it.
    """
    carried = (schedule.to_code(),) if carry else ()
    if schedule.past_date and schedule.on is not None:  # 11月1日 on 30 November
        on, hour = schedule.on, int(schedule.ambiguous_hour)
        return _("meeting.ask_next_year", year=on.year, month=on.month, day=on.day), \
            InlineKeyboardMarkup([
                [button("meeting.button.yes",
                        callback_data(prefix, "yy", target_id, *carried, hour))],
                [button("meeting.button.no_retype", callback_data(prefix, "rs", target_id))]]), \
            "schedule_year"
    if schedule.ambiguous_hour:
        morning = format_half_day(schedule.start, afternoon=False)
        evening = format_half_day(schedule.start, afternoon=True)
        return _("activity.ask_half_day", schedule=describe_schedule(schedule),
                 morning=morning, afternoon=evening), InlineKeyboardMarkup([[
                     InlineKeyboardButton(label, callback_data=callback_data(
                         prefix, step, target_id, *carried))
                     for label, step in ((morning, "ha"), (evening, "hp"))]]), "schedule_hour"
    if schedule.end is None and not carry:
        return _("activity.ask_schedule_end", schedule=describe_schedule(schedule)), None, \
            "schedule_end"
    starts = next_starts(schedule, utcnow(), current_zone())
    if not starts:
        return _("activity.schedule_past", schedule=describe_schedule(schedule)), None, \
            "schedule"
    keyboard = InlineKeyboardMarkup([
        [button("activity.button.schedule_yes", callback_data(prefix, "sy", target_id,
                                                              *carried))],
        [button("activity.button.retype_schedule", callback_data(prefix, "rs", target_id))]])
    return _("activity.confirm_schedule", schedule=describe_schedule(schedule),
             dates=next_dates_label(schedule, starts)), keyboard, "schedule_check"


async def _after_schedule(message: Message, context: OtagaiContext, draft: Activity,
                          schedule: Schedule, query: Pressed | CallbackQuery | None = None
                          ) -> None:
    """Ask 午前 or 午後 for a bare hour, the end time when there is none, else read the
    schedule back with its next three dates (saved only after はい); ``query``: shown in
    place of the question it answers."""
    question, keyboard, step = schedule_question(PREFIX, draft.id, schedule)
    wait_for(draft, step)
    if query is not None:
        await edit_or_keep(query, question, keyboard)
        sent = query.message
    else:
        sent = await message.reply_text(question, reply_markup=keyboard)
    # 「はい」「午後2時」 typed are the buttons; a schedule typed again is read anew.
    await asked(context, f"activity.{draft.awaiting}", sent, question, keyboard,
                target_id=draft.id, typed=True)


# The optional questions, in order, each with a "skip" button; then the summary.
OPTIONAL_STEPS = ("capacity", "contact", "description")


OPTIONAL_QUESTIONS = {"capacity": N_("activity.ask_capacity"),
                      "contact": N_("activity.ask_contact"),
                      "description": N_("activity.ask_description")}


async def _ask_next(message: Message, context: OtagaiContext, draft: Activity,
                    step: str | None) -> None:
    """Ask the optional question ``step``, or show the summary when there is none left."""
    wait_for(draft, step)
    if step is None:
        text, keyboard = await _summary(context, draft)
        await message.reply_text(text, reply_markup=keyboard)
        return
    keyboard = InlineKeyboardMarkup([[button("activity.button.skip",
                                             callback_data(PREFIX, "skip", draft.id))]])
    await message.reply_text(_(OPTIONAL_QUESTIONS[step], limit=LIMITS[step]),
                             reply_markup=keyboard)


LIMITS = {"capacity": MAX_CAPACITY, "contact": CONTACT_LENGTH,
          "description": DESCRIPTION_LENGTH}


def _following(step: str) -> str | None:
    index = OPTIONAL_STEPS.index(step) + 1
    return OPTIONAL_STEPS[index] if index < len(OPTIONAL_STEPS) else None


async def _take_optional(message: Message, context: OtagaiContext, draft: Activity,
                         text: str) -> None:
    step = draft.awaiting
    assert step in OPTIONAL_STEPS
    if step == "capacity":
        number = parse_count(text)
        if number is None or not 1 <= number <= MAX_CAPACITY:
            await message.reply_text(_("activity.bad_capacity", limit=MAX_CAPACITY))
            return
        set_details(draft, capacity=number)
    elif len(text) > LIMITS[step]:
        await message.reply_text(_("activity.too_long", limit=LIMITS[step]))
        return
    elif step == "contact":
        set_details(draft, contact=text)
    else:
        set_details(draft, description=text)
    await _ask_next(message, context, draft, _following(step))


async def _summary(context: OtagaiContext, draft: Activity) -> tuple[str, InlineKeyboardMarkup]:
    district = await context.session.get(Area, draft.district_id) if draft.district_id else None
    text = _("activity.confirm") + "\n\n" + card(draft, district.name if district else "-")
    keyboard = InlineKeyboardMarkup([
        [button("activity.button.submit", callback_data(PREFIX, "s", draft.id))],
        [button("activity.button.retype_schedule", callback_data(PREFIX, "rs", draft.id))],
        [button("activity.button.drop", callback_data(PREFIX, "x", draft.id))],
    ])
    return text, keyboard


async def own_draft(press: Press) -> Activity | None:
    """The draft a button is about, if it is still a draft and the person's own."""
    draft = await press.context.session.get(Activity, press.values[0])
    person = press.context.person
    if (draft is None or person is None or draft.organiser_id != person.id
            or draft.status != ActivityStatus.DRAFT):
        return None
    return draft


def register_buttons(router: Router) -> None:
    """The draft's buttons, one function per step (pressed, or their words typed:
    ``handlers.router``)."""
    def route(step: str, handler: Handler, *shape: Value) -> None:
        router.route(PREFIX, handler, ID, *shape, steps=step, load=own_draft)

    route("k", on_kind, Choice(*ActivityKind))
    route("kc", on_category, Choice(UNKNOWN, *SurveyCategory))
    route("m", on_meaning, Choice(*Meaning))
    route("mn", on_meanings_done)
    route("rs", on_retype_schedule)
    route("yy", on_schedule_year, FLAG)
    route(("ha", "hp"), on_schedule_hour)
    route("sy", on_schedule_confirmed)
    route("skip", on_skip)
    route("x", on_drop)
    route("s", on_submit)


async def on_kind(press: Press) -> None:
    await press.query.answer()
    choose_kind(press.target, ActivityKind(press.values[1]))
    await _after_kind(press.context, press.query, press.target, ask=True)


async def on_category(press: Press) -> None:
    """The survey's category chosen (or 「わからない」), then the meanings."""
    await press.query.answer()
    value = press.values[1]
    press.target.survey_category = None if value == UNKNOWN else SurveyCategory(value)
    await _after_kind(press.context, press.query, press.target, ask=False)


async def on_meaning(press: Press) -> None:
    await press.query.answer()
    toggle_meaning(press.target, Meaning(press.values[1]))
    await _ask_meanings(press.context, press.query, press.target)


async def on_meanings_done(press: Press) -> None:
    query, draft = press.query, press.target
    await query.answer()
    wait_for(draft, "place")
    question = _("activity.ask_place", limit=PLACE_LENGTH)
    await edit_or_keep(query, question)
    await asked(press.context, "activity.place", query.message, question, target_id=draft.id,
                typed=True)


async def on_retype_schedule(press: Press) -> None:
    query, draft = press.query, press.target
    await query.answer()
    wait_for(draft, "schedule")
    await edit_or_keep(query, _("activity.ask_schedule"))
    await asked(press.context, "activity.schedule", query.message, _("activity.ask_schedule"),
                target_id=draft.id, typed=True)


async def on_schedule_year(press: Press) -> None:
    """はい: next year's date; then the hour, if it is open too."""
    query, draft = press.query, press.target
    await query.answer()
    if not draft.schedule or draft.awaiting != "schedule_year" or query.message is None:
        await stale_button(press.update, press.context)
        return
    schedule = replace(Schedule.from_json(draft.schedule), ambiguous_hour=press.value(1) == "1")
    await _after_schedule(query.message, press.context, draft, schedule, query)


async def on_schedule_hour(press: Press) -> None:
    """午前 or 午後 for a bare hour."""
    query, draft = press.query, press.target
    await query.answer()
    if not draft.schedule or draft.awaiting != "schedule_hour" or query.message is None:
        await stale_button(press.update, press.context)
        return
    schedule = Schedule.from_json(draft.schedule)
    schedule = afternoon(schedule) if press.step == "hp" else schedule
    set_schedule(draft, schedule)
    await _after_schedule(query.message, press.context, draft, schedule, query)


async def on_schedule_confirmed(press: Press) -> None:
    query, draft = press.query, press.target
    await query.answer()
    if not draft.schedule or draft.awaiting != "schedule_check" or not query.message:
        await stale_button(press.update, press.context)
        return
    await edit_or_keep(query, _("activity.schedule_set", schedule=describe_schedule(
        Schedule.from_json(draft.schedule))))
    await _ask_next(query.message, press.context, draft, "capacity")


async def on_skip(press: Press) -> None:
    query, draft = press.query, press.target
    await query.answer()
    if draft.awaiting not in OPTIONAL_STEPS or query.message is None:
        await stale_button(press.update, press.context)
        return
    await edit_or_keep(query, _("activity.skipped"))
    await _ask_next(query.message, press.context, draft, _following(draft.awaiting))


async def on_drop(press: Press) -> None:
    await press.query.answer()
    await press.context.session.delete(press.target)
    await edit_or_keep(press.query, _("activity.dropped"))


async def on_submit(press: Press) -> None:
    query, draft = press.query, press.target
    await query.answer()
    if not (draft.name and draft.kind and draft.place and draft.schedule):
        await stale_button(press.update, press.context)
        return
    await _submit(press.update, query, press.context, draft)


async def _after_kind(context: OtagaiContext, query: Pressed | CallbackQuery, draft: Activity,
                      *, ask: bool) -> None:
    """After the kind: the survey's category where the kind does not say it, then the
    meanings."""
    if ask and asks_category(draft.kind) and draft.survey_category is None:
        await _ask_category(context, query, draft)
    else:
        await _ask_meanings(context, query, draft)


async def _ask_category(context: OtagaiContext, query: Pressed | CallbackQuery,
                        draft: Activity) -> None:
    """Ask what the gathering mainly does, in the national survey's words (skippable)."""
    markup = InlineKeyboardMarkup(choice_rows(
        SurveyCategory, None, lambda value: callback_data(PREFIX, "kc", draft.id, value)))
    question = _("activity.ask_category", name=draft.name or "-")
    await edit_or_keep(query, question, markup)
    await asked(context, "activity.category", query.message, question, markup,
                target_id=draft.id)


async def _ask_meanings(context: OtagaiContext, query: Pressed | CallbackQuery,
                        draft: Activity) -> None:
    question, markup = _("activity.ask_meanings", name=draft.name or "-"), \
        _meanings_keyboard(draft)
    await edit_or_keep(query, question, markup)
    await asked(context, "activity.meanings", query.message, question, markup,
                target_id=draft.id)


async def _submit(update: Update, query: Pressed | CallbackQuery, context: OtagaiContext,
                  draft: Activity) -> None:
    district = await context.session.get(Area, draft.district_id) if draft.district_id else None
    if district is None:
        await refuse(update, "activity.register_first")
        return
    coordinator = coordinates_activity(await context.permissions(), draft, district)
    if not coordinator and not await may_propose(context.session, draft.organiser_id or 0):
        # Kept as a draft, its summary and buttons too: it can be sent once a waiting
        # proposal has been reviewed.
        if query.message is not None:
            await query.message.reply_text(_("activity.too_many_waiting",
                                             count=PROPOSALS_WAITING))
        return
    submit(draft, approved=coordinator)
    if coordinator:
        await edit_or_keep(query, _("activity.registered", name=draft.name or "-"))
        return
    await edit_or_keep(query, _("activity.proposed", name=draft.name or "-"))
    await _ask_coordinators(context, draft, district)


async def _ask_coordinators(context: OtagaiContext, draft: Activity, district: Area) -> None:
    """Send the district's coordinators (its municipality's while it has none) the proposal, in
    each one's language, with buttons."""
    proposer = context.person.display_name if context.person else None
    choices = ((Option(N_("activity.button.approve"), (REVIEW, "a", draft.id)),),
               *((Option(N_("activity.button.reject"), (REVIEW, "r", draft.id, code),
                         {"reason": label(reason)}),)
                 for code, reason in REJECT_REASONS.items()))
    notice = Notice(N_("activity.review_request"), {
        "name": draft.name or "-", "proposer": proposer or "-",
        "kind": label(KIND_LABELS[draft.kind]) if draft.kind else "-",
        "place": draft.place or "-", "district": district.name,
        "schedule": notice_schedule(draft.schedule)}, choices)
    for coordinator in await responsible_coordinators(context.session, district.id):
        enqueue(context.session, key=f"activity-review:{draft.id}:{coordinator.id}",
                notice=notice, person_id=coordinator.id, about=draft.organiser_id)
