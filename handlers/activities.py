"""/newactivity, /activities and the review of proposals: the neighbourhood's resources."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
)

from bot.activity_text import KIND_LABELS, MEANING_LABELS, describe_schedule, schedule_label
from bot.context import OtagaiContext
from bot.i18n import N_, _, current_zone, normalize_language, plain, use_language
from handlers.activity_views import card, district_of, may_manage
from handlers.activity_views import list_line as activity_line
from handlers.common import (
    button,
    callback_data,
    callback_pattern,
    callback_values,
    edit_or_keep,
    int_value,
    is_private,
    private_only,
    refuse,
)
from handlers.fallback import stale_button
from handlers.participation import SESSIONS
from handlers.typed_input import TypedInput
from models import Activity, ActivityKind, ActivityStatus, Area, Meaning, Person
from models.activities import (
    CONTACT_LENGTH,
    DESCRIPTION_LENGTH,
    EDITABLE_FIELDS,
    MAX_CAPACITY,
    NAME_LENGTH,
    PLACE_LENGTH,
    TRANSITIONS,
    VISIBLE,
    being_edited_by,
    change_status,
    draft_of,
    interest_count,
    interested_people,
    listed,
    mark_interest,
    meanings_mask,
    meanings_of_mask,
    review,
    start_draft,
    start_edit,
    stop_edit,
    submit,
    toggle_meaning,
    waiting_for_text,
)
from models.areas import find_group
from models.base import utcnow
from models.numbers import parse_count
from models.outbox import enqueue
from models.permissions import coordinates_activity
from models.roles import coordinators_of
from models.schedule import Schedule, parse_schedule

PREFIX, BROWSE, REVIEW = "ak", "aa", "ar"
PAGE = 5
REJECT_REASONS = {
    "dup": N_("activity.reject.duplicate"),
    "ask": N_("activity.reject.ask"),
    "area": N_("activity.reject.area"),
    "other": N_("activity.reject.other"),
}


# --- registering ---------------------------------------------------------------------------

async def begin(update: Update, context: OtagaiContext) -> None:
    """Start writing a new activity: first its name."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = context.person
    if person is None or not person.has_consented:
        await refuse(update, "activity.register_first")
        return
    await start_draft(context.session, person.id, person.district_id)
    await update.effective_message.reply_text(_("activity.ask_name", limit=NAME_LENGTH))


def _kind_keyboard(draft: Activity) -> InlineKeyboardMarkup:
    kinds = list(KIND_LABELS.items())
    rows = [[InlineKeyboardButton(plain(label), callback_data=callback_data(
        PREFIX, "k", draft.id, kind)) for kind, label in kinds[i:i + 2]]
        for i in range(0, len(kinds), 2)]
    return InlineKeyboardMarkup(rows)


def _meanings_keyboard(draft: Activity) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(
        ("✓ " if meaning.value in (draft.meanings or []) else "") + plain(label),
        callback_data=callback_data(PREFIX, "m", draft.id, meaning))]
        for meaning, label in MEANING_LABELS.items()]
    rows.append([button("activity.button.next", callback_data(PREFIX, "mn", draft.id))])
    return InlineKeyboardMarkup(rows)


async def capture_text(update: Update, context: OtagaiContext) -> None:
    """Take typed answers for a draft or a change; other text passes on to other handlers."""
    message, person = update.effective_message, context.person
    if message is None or person is None or not message.text:
        return
    text = message.text.strip()
    edited = await being_edited_by(context.session, person.id)
    draft = None if edited else await draft_of(context.session, person.id)
    if edited is not None:
        await _take_change(message, context, edited, text)
    elif draft is not None and draft.awaiting is not None:
        await _take_draft_answer(message, context, draft, text)
    else:
        return
    raise ApplicationHandlerStop  # the text was an answer


async def _take_draft_answer(message: Message, context: OtagaiContext, draft: Activity,
                             text: str) -> None:
    """Name, place, schedule, then the optional questions."""
    if draft.awaiting == "name":
        if not 0 < len(text) <= NAME_LENGTH:
            await message.reply_text(_("activity.bad_name", limit=NAME_LENGTH))
        else:
            draft.name, draft.awaiting = text, None
            await message.reply_text(_("activity.ask_kind", name=text),
                                     reply_markup=_kind_keyboard(draft))
    elif draft.awaiting == "place":
        if not 0 < len(text) <= PLACE_LENGTH:
            await message.reply_text(_("activity.bad_place", limit=PLACE_LENGTH))
        else:
            draft.place, draft.awaiting = text, "schedule"
            await message.reply_text(_("activity.ask_schedule"))
    elif draft.awaiting == "schedule":
        schedule = parse_schedule(text, utcnow().astimezone(current_zone()).date())
        if schedule is None:
            await message.reply_text(_("activity.bad_schedule"))
        else:
            draft.schedule = schedule.to_json()
            await _ask_next(message, context, draft, "capacity")
    elif draft.awaiting in OPTIONAL_STEPS:
        await _take_optional(message, context, draft, text)


async def _take_change(message: Message, context: OtagaiContext, activity: Activity,
                       text: str) -> None:
    """Apply a typed new name, place or schedule; a new place or time is announced to
    everyone who marked interest."""
    if activity.status not in VISIBLE:  # ended while the person was typing
        stop_edit(activity)
        await message.reply_text(_("activity.cannot_change"))
        return
    if activity.awaiting == "name":
        if not 0 < len(text) <= NAME_LENGTH:
            await message.reply_text(_("activity.bad_name", limit=NAME_LENGTH))
            return
        activity.name = text
        stop_edit(activity)
        await message.reply_text(_("activity.edited", name=text))
        return
    if activity.awaiting == "place":
        if not 0 < len(text) <= PLACE_LENGTH:
            await message.reply_text(_("activity.bad_place", limit=PLACE_LENGTH))
            return
        activity.place = text
    else:
        schedule = parse_schedule(text, utcnow().astimezone(current_zone()).date())
        if schedule is None:
            await message.reply_text(_("activity.bad_schedule"))
            return
        activity.schedule = schedule.to_json()
    stop_edit(activity)
    await message.reply_text(_("activity.changed", name=activity.name or "-"))
    change_id = utcnow().timestamp()
    for person_id in await interested_people(context.session, activity.id):
        person = await context.session.get(Person, person_id)
        if person is None or not person.active:
            continue
        with use_language(normalize_language(person.language), current_zone()):
            notice = _("activity.change_notice", name=activity.name or "-",
                       place=activity.place or "-", schedule=schedule_label(activity))
        enqueue(context.session, key=f"activity-change:{activity.id}:{change_id}:{person.id}",
                chat_id=person.telegram_id, text=notice, person_id=person.id)


# The optional questions, in order, each with a "skip" button; then the summary.
OPTIONAL_STEPS = ("capacity", "contact", "description")
OPTIONAL_QUESTIONS = {"capacity": N_("activity.ask_capacity"),
                      "contact": N_("activity.ask_contact"),
                      "description": N_("activity.ask_description")}


async def _ask_next(message: Message, context: OtagaiContext, draft: Activity,
                    step: str | None) -> None:
    """Ask the optional question ``step``, or show the summary when there is none left."""
    draft.awaiting = step
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
        draft.capacity = number
    elif len(text) > LIMITS[step]:
        await message.reply_text(_("activity.too_long", limit=LIMITS[step]))
        return
    elif step == "contact":
        draft.contact = text
    else:
        draft.description = text
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


async def on_register_button(update: Update, context: OtagaiContext) -> None:
    """Kind, meanings, schedule again, submit or drop."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    step, draft_id = (values[0] if values else ""), int_value(values, 1)
    draft = await context.session.get(Activity, draft_id) if draft_id else None
    person = context.person
    if (draft is None or person is None or draft.organiser_id != person.id
            or draft.status != ActivityStatus.DRAFT):
        await stale_button(update, context)
        return
    await query.answer()
    if step == "k" and len(values) > 2 and values[2] in set(ActivityKind):
        draft.kind = ActivityKind(values[2])
        await edit_or_keep(query, _("activity.ask_meanings", name=draft.name or "-"),
                           _meanings_keyboard(draft))
    elif step == "m" and len(values) > 2 and values[2] in set(Meaning):
        toggle_meaning(draft, Meaning(values[2]))
        await edit_or_keep(query, _("activity.ask_meanings", name=draft.name or "-"),
                           _meanings_keyboard(draft))
    elif step == "mn":
        draft.awaiting = "place"
        await edit_or_keep(query, _("activity.ask_place", limit=PLACE_LENGTH))
    elif step == "rs":
        draft.awaiting = "schedule"
        await edit_or_keep(query, _("activity.ask_schedule"))
    elif step == "skip" and draft.awaiting in OPTIONAL_STEPS and query.message is not None:
        await edit_or_keep(query, _("activity.skipped"))
        await _ask_next(query.message, context, draft, _following(draft.awaiting))
    elif step == "x":
        await context.session.delete(draft)
        await edit_or_keep(query, _("activity.dropped"))
    elif step == "s" and draft.name and draft.kind and draft.place and draft.schedule:
        await _submit(update, context, draft)
    else:
        await stale_button(update, context)


async def _submit(update: Update, context: OtagaiContext, draft: Activity) -> None:
    query = update.callback_query
    assert query is not None
    district = await context.session.get(Area, draft.district_id) if draft.district_id else None
    if district is None:
        await refuse(update, "activity.register_first")
        return
    coordinator = coordinates_activity(await context.permissions(), draft, district)
    submit(draft, approved=coordinator)
    if coordinator:
        await edit_or_keep(query, _("activity.registered", name=draft.name or "-"))
        return
    await edit_or_keep(query, _("activity.proposed", name=draft.name or "-"))
    await _ask_coordinators(context, draft, district)


async def _ask_coordinators(context: OtagaiContext, draft: Activity, district: Area) -> None:
    """Send the district's coordinators the proposal, in each one's language, with buttons."""
    schedule = Schedule.from_json(draft.schedule) if draft.schedule else None
    for coordinator in await coordinators_of(context.session, district.id):
        with use_language(normalize_language(coordinator.language), current_zone()):
            text = _("activity.review_request", name=draft.name or "-",
                     kind=plain(KIND_LABELS[draft.kind]) if draft.kind else "-",
                     place=draft.place or "-", district=district.name,
                     schedule=describe_schedule(schedule) if schedule else "-")
            buttons = [[{"text": plain("activity.button.approve"),
                         "callback_data": callback_data(REVIEW, "a", draft.id)}]]
            buttons += [[{"text": plain("activity.button.reject", reason=plain(label)),
                          "callback_data": callback_data(REVIEW, "r", draft.id, code)}]
                        for code, label in REJECT_REASONS.items()]
        enqueue(context.session, key=f"activity-review:{draft.id}:{coordinator.id}",
                chat_id=coordinator.telegram_id, text=text, person_id=coordinator.id,
                buttons=buttons)


# --- review --------------------------------------------------------------------------------

async def on_review_button(update: Update, context: OtagaiContext) -> None:
    """A coordinator approves or rejects a proposal; the proposer is told either way."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    step, activity_id = (values[0] if values else ""), int_value(values, 1)
    activity = await context.session.get(Activity, activity_id) if activity_id else None
    district = (await context.session.get(Area, activity.district_id)
                if activity and activity.district_id else None)
    if activity is None or district is None or step not in ("a", "r"):
        await stale_button(update, context)
        return
    if not coordinates_activity(await context.permissions(), activity, district):
        await refuse(update, "activity.review_not_allowed")
        return
    if activity.status != ActivityStatus.PROPOSED:
        await query.answer(plain("activity.already_reviewed"), show_alert=True)
        return
    reason_key = REJECT_REASONS.get(values[2]) if step == "r" and len(values) > 2 else None
    if step == "r" and reason_key is None:
        await stale_button(update, context)
        return
    reviewer = await context.ensure_person()
    review(activity, reviewer.id, approve=step == "a", reason=values[2] if reason_key else None)
    await query.answer()
    if reason_key is None:
        await edit_or_keep(query, _("activity.approved_by_you", name=activity.name or "-"))
    else:
        await edit_or_keep(query, _("activity.rejected_by_you", name=activity.name or "-",
                                    reason=plain(reason_key)))
    await _tell_proposer(context, activity, reason_key)


async def _tell_proposer(context: OtagaiContext, activity: Activity, reason_key: str | None
                         ) -> None:
    proposer = (await context.session.get(Person, activity.organiser_id)
                if activity.organiser_id else None)
    if proposer is None:
        return
    with use_language(normalize_language(proposer.language), current_zone()):
        if reason_key is None:
            text = _("activity.approved", name=activity.name or "-")
        else:
            text = _("activity.rejected", name=activity.name or "-", reason=plain(reason_key))
    enqueue(context.session, key=f"activity-reviewed:{activity.id}", chat_id=proposer.telegram_id,
            text=text, person_id=proposer.id)


# --- browsing ------------------------------------------------------------------------------

async def _district_here(update: Update, context: OtagaiContext) -> Area | None:
    """Return the district to list: the group's in a group chat, else the person's own."""
    chat = update.effective_chat
    if chat is not None and not is_private(update):
        group = await find_group(context.session, chat.id)
        district_id = group.district_id if group else None
    else:
        district_id = context.person.district_id if context.person else None
    return await context.session.get(Area, district_id) if district_id else None


async def _page(context: OtagaiContext, district: Area, offset: int,
                kind: ActivityKind | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """Return one page of the district's activities (of one kind, if chosen)."""
    activities, total = await listed(context.session, district.id, kind, offset=offset,
                                     limit=PAGE)
    kind_code = kind.value if kind else ""
    choose = [button("activity.button.by_kind", callback_data(BROWSE, "kinds", district.id))]
    if not activities:
        text = (_("activity.none_of_kind", district=district.name,
                  kind=plain(KIND_LABELS[kind])) if kind
                else _("activity.none_yet", district=district.name))
        return text, InlineKeyboardMarkup([choose] if kind else [])
    heading = _("activity.list_heading", district=district.name, start=offset + 1,
                end=offset + len(activities), total=total)
    if kind:
        heading += " " + _("activity.list_kind", kind=plain(KIND_LABELS[kind]))
    lines = [heading, *(activity_line(a) for a in activities)]
    rows = [[InlineKeyboardButton(a.name or "-", callback_data=callback_data(BROWSE, "v", a.id))]
            for a in activities]
    paging = []
    if offset > 0:
        paging.append(button("activity.button.previous", callback_data(
            BROWSE, "p", district.id, max(offset - PAGE, 0), kind_code)))
    if offset + PAGE < total:
        paging.append(button("activity.button.more", callback_data(
            BROWSE, "p", district.id, offset + PAGE, kind_code)))
    if paging:
        rows.append(paging)
    rows.append(choose)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _kind_filter(district: Area) -> InlineKeyboardMarkup:
    kinds = list(KIND_LABELS.items())
    rows = [[InlineKeyboardButton(plain(label), callback_data=callback_data(
        BROWSE, "p", district.id, 0, kind)) for kind, label in kinds[i:i + 2]]
        for i in range(0, len(kinds), 2)]
    rows.append([button("activity.button.all_kinds", callback_data(BROWSE, "p", district.id, 0))])
    return InlineKeyboardMarkup(rows)


async def browse(update: Update, context: OtagaiContext) -> None:
    """List the district's activities, five at a time, each with its next session."""
    message = update.effective_message
    if message is None:
        return
    district = await _district_here(update, context)
    if district is None:
        await message.reply_text(_("activity.no_district") if is_private(update)
                                 else _("activity.group_not_linked"))
        return
    text, keyboard = await _page(context, district, 0)
    await message.reply_text(text, reply_markup=keyboard)


async def on_browse_button(update: Update, context: OtagaiContext) -> None:
    """Page through the list, open a card, or mark 行ってみたい."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    step = values[0] if values else ""
    if step in ("p", "kinds"):
        district_id, offset = int_value(values, 1), int_value(values, 2) or 0
        kind_code = values[3] if len(values) > 3 else ""
        district = await context.session.get(Area, district_id) if district_id else None
        if district is None or offset < 0 or (kind_code and kind_code not in set(ActivityKind)):
            await stale_button(update, context)
            return
        await query.answer()
        if step == "kinds":
            await edit_or_keep(query, _("activity.choose_kind"), _kind_filter(district))
        else:
            await edit_or_keep(query, *await _page(
                context, district, offset, ActivityKind(kind_code) if kind_code else None))
        return
    activity_id = int_value(values, 1)
    activity = await context.session.get(Activity, activity_id) if activity_id else None
    if activity is None or activity.status not in (ActivityStatus.ACTIVE, ActivityStatus.PAUSED):
        await query.answer(plain("activity.cannot_change"), show_alert=True)
        return
    if step == "i":
        await _interested(update, context, activity)
    elif step == "e" and len(values) > 2 and values[2] in EDITABLE_FIELDS:
        await _start_change(update, context, activity, values[2])
    elif step in ("ek", "em", "et", "es"):
        await _edit_by_button(update, context, activity, step, values[2:])
    elif step == "s":
        await _change_status(update, context, activity, values[2] if len(values) > 2 else "")
    elif step == "v":
        await _show_card(update, context, activity)
    else:
        await stale_button(update, context)


async def _show_card(update: Update, context: OtagaiContext, activity: Activity) -> None:
    query = update.callback_query
    assert query is not None
    district = await district_of(context, activity)
    sees_count = await may_manage(context, activity)
    count = await interest_count(context.session, activity.id) if sees_count else None
    rows = [[button("activity.button.interested", callback_data(BROWSE, "i", activity.id))]]
    if sees_count and is_private(update):  # the organiser or a coordinator: managing
        rows += [[button("activity.button.record_count", callback_data(SESSIONS, activity.id))]]
        rows += [[button("activity.button.change_name",
                         callback_data(BROWSE, "e", activity.id, "name")),
                  button("activity.button.change_kind", callback_data(BROWSE, "ek", activity.id))],
                 [button("activity.button.change_meanings",
                         callback_data(BROWSE, "em", activity.id))]]
        rows += [[button("activity.button.change_place",
                         callback_data(BROWSE, "e", activity.id, "place")),
                  button("activity.button.change_schedule",
                         callback_data(BROWSE, "e", activity.id, "schedule"))]]
        rows += [[button(STATUS_BUTTONS[new], callback_data(BROWSE, "s", activity.id, new))]
                 for new in TRANSITIONS.get(activity.status, ())]
    keyboard = InlineKeyboardMarkup(rows)
    await query.answer()
    if query.message is not None:
        await query.message.reply_text(card(activity, district.name if district else "-",
                                            count), reply_markup=keyboard)


STATUS_BUTTONS = {
    ActivityStatus.ACTIVE: N_("activity.button.resume"),
    ActivityStatus.PAUSED: N_("activity.button.pause"),
    ActivityStatus.ENDED: N_("activity.button.end"),
}
STATUS_DONE = {
    ActivityStatus.ACTIVE: N_("activity.resumed"),
    ActivityStatus.PAUSED: N_("activity.paused"),
    ActivityStatus.ENDED: N_("activity.ended"),
}


async def _start_change(update: Update, context: OtagaiContext, activity: Activity,
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
        ("✓ " if kind == activity.kind else "") + plain(label),
        callback_data=callback_data(BROWSE, "ek", activity.id, kind))
        for kind, label in kinds[i:i + 2]] for i in range(0, len(kinds), 2)]
    return InlineKeyboardMarkup(rows)


def _edit_meanings_keyboard(activity: Activity, mask: int) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(
        ("✓ " if mask & (1 << i) else "") + plain(MEANING_LABELS[meaning]),
        callback_data=callback_data(BROWSE, "et", activity.id, mask ^ (1 << i)))]
        for i, meaning in enumerate(Meaning)]
    rows.append([button("activity.button.save", callback_data(BROWSE, "es", activity.id, mask))])
    return InlineKeyboardMarkup(rows)


async def _edit_by_button(update: Update, context: OtagaiContext, activity: Activity,
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
        activity.kind = ActivityKind(rest[0])
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
            activity.meanings = chosen
            await edit_or_keep(query, _("activity.edited", name=name))
    else:
        await stale_button(update, context)


async def _change_status(update: Update, context: OtagaiContext, activity: Activity,
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


async def _interested(update: Update, context: OtagaiContext, activity: Activity) -> None:
    query = update.callback_query
    assert query is not None
    person = context.person
    if person is None or not person.has_consented:
        # Interest is personal data: only with consent, and the answer stays private.
        await query.answer(plain("activity.interest_needs_registration"), show_alert=True)
        return
    added = await mark_interest(context.session, activity, person.id)
    name = activity.name or "-"
    text = (plain("activity.interest_added", name=name) if added
            else plain("activity.interest_already", name=name))
    await query.answer(text, show_alert=True)


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach the activity commands and their buttons (typed text: ``TYPED``)."""
    application.add_handler(CommandHandler("newactivity", begin))
    application.add_handler(CommandHandler("activities", browse))
    application.add_handler(CallbackQueryHandler(on_register_button,
                                                 pattern=callback_pattern(PREFIX)))
    application.add_handler(CallbackQueryHandler(on_review_button,
                                                 pattern=callback_pattern(REVIEW)))
    application.add_handler(CallbackQueryHandler(on_browse_button,
                                                 pattern=callback_pattern(BROWSE)))


# Typed text while this capability waits for it (see handlers.typed_input).
TYPED = TypedInput(waiting_for_text, capture_text)
