"""/newevent: a coordinator drafts a meeting step by step (the draft lives in the database),
then registers it and announces it in the district's linked groups."""

from __future__ import annotations

from datetime import UTC, datetime, time

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import OtagaiContext
from handlers.common import (
    Pressed,
    button,
    callback_data,
    edit_or_keep,
    group_quiet_note,
    private_only,
    refuse,
)
from handlers.conversation import asked
from handlers.dates import when_question
from handlers.fallback import stale_button
from handlers.meetings.shared import (
    DRAFT,
    area_name,
    in_group_language,
    invite_keyboard,
    join_choices,
    meeting_card,
    now_local,
    organisable_areas,
    read_new_when,
)
from handlers.router import FLAG, ID, Choice, Handler, Press, Router, Value
from locales.i18n import N_, _, current_zone, plain
from locales.meeting_text import KIND_LABELS, card, when_label
from models import (
    Area,
    Meeting,
    MeetingAnnouncement,
    MeetingKind,
    MeetingStatus,
)
from models.clock import utcnow
from models.meetings import (
    DESCRIPTION_LENGTH,
    MAX_CAPACITY,
    PLACE_LENGTH,
    TITLE_LENGTH,
    MeetingProblem,
    being_edited_by,
    choose_area,
    choose_half_day,
    choose_kind,
    confirm_next_year,
    confirm_when,
    drop_draft,
    groups_for,
    ready_to_register,
    retype_when,
    schedule_draft,
    set_capacity,
    set_deadline,
    set_description,
    set_place,
    set_title,
    set_when,
    start_draft,
    stop_editing,
    switch_open,
)
from models.outbox import enqueue
from models.permissions import Action
from models.when import Clarify, parse_date, parse_when
from models.when import When as Moment


def _kind_keyboard(draft: Meeting) -> InlineKeyboardMarkup:
    kinds = list(KIND_LABELS.items())
    return InlineKeyboardMarkup([[InlineKeyboardButton(plain(label), callback_data=callback_data(
        DRAFT, "k", draft.id, kind)) for kind, label in kinds[i:i + 2]]
        for i in range(0, len(kinds), 2)])


async def begin(update: Update, context: OtagaiContext) -> None:
    """Start writing a meeting: first its kind."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    areas = await organisable_areas(context)
    if not areas:
        await refuse(update, "meeting.not_allowed")
        return
    person = await context.ensure_person()
    editing = await being_edited_by(context.session, person.id)
    if editing is not None:  # a change left half-typed gives way to the new meeting
        stop_editing(editing)
    draft = await start_draft(context.session, person.id, areas[0].id if len(areas) == 1
                              else None)
    markup = _kind_keyboard(draft)
    sent = await update.effective_message.reply_text(_("meeting.ask_kind"), reply_markup=markup)
    await asked(context, "meeting.kind", sent, _("meeting.ask_kind"), markup, target_id=draft.id)


def _read_deadline(text: str) -> datetime | None:
    """The moment typed (a day alone: its end), or None when none can be read."""
    now = now_local()
    when = parse_when(text, now)
    if when is not None and when.end is None:
        moment = when.start
    else:
        day = parse_date(text, now)
        if day is None:
            return None
        moment = datetime.combine(day, time(23, 59), tzinfo=now.tzinfo)
    return moment.astimezone(UTC)


def _when_question(draft: Meeting, asks: tuple[Clarify, ...]
                   ) -> tuple[str, InlineKeyboardMarkup]:
    """Ask what the typed date left open (next year? 午前 or 午後?), then read it back."""
    assert draft.starts_at is not None
    zone = now_local().tzinfo
    question, keyboard, _open = when_question(DRAFT, draft.id, Moment(
        draft.starts_at.astimezone(zone),
        draft.ends_at.astimezone(zone) if draft.ends_at else None), asks)
    return question, keyboard


def _skip_keyboard(draft: Meeting, step: str, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(label, callback_data(DRAFT, step, draft.id))]])


async def take_draft_answer(message: Message, context: OtagaiContext, draft: Meeting,
                             text: str) -> None:
    step = draft.awaiting
    if step == "title":
        if set_title(draft, text) is MeetingProblem.BAD_TITLE:
            await message.reply_text(_("meeting.bad_title", limit=TITLE_LENGTH))
            return
        await message.reply_text(_("meeting.ask_when"))
    elif step in ("when", "when_year", "when_hour"):  # typing again answers a question too
        found = read_new_when(text)
        if isinstance(found, str):
            await message.reply_text(_(found, text=text))
            return
        set_when(draft, found.when, found.asks)
        question, keyboard = _when_question(draft, found.asks)
        sent = await message.reply_text(question, reply_markup=keyboard)
        await asked(context, "meeting.when", sent, question, keyboard, target_id=draft.id,
                    typed=draft.awaiting is not None)  # a date typed again replaces it
    elif step == "place":
        if set_place(draft, text) is MeetingProblem.BAD_PLACE:
            await message.reply_text(_("meeting.bad_place", limit=PLACE_LENGTH))
            return
        await message.reply_text(_("meeting.ask_capacity", limit=MAX_CAPACITY))
    elif step == "capacity":
        number = text.removesuffix("人").removesuffix("名").strip()
        if set_capacity(draft, int(number) if number.isdecimal() else None) is not None:
            await message.reply_text(_("meeting.bad_capacity", limit=MAX_CAPACITY))
            return
        await message.reply_text(_("meeting.ask_deadline"), reply_markup=_skip_keyboard(
            draft, "sd", N_("meeting.button.no_deadline")))
    elif step == "deadline":
        deadline = _read_deadline(text)
        if deadline is None or set_deadline(draft, deadline, utcnow()) is not None:
            await message.reply_text(_("meeting.bad_deadline"))
            return
        await _ask_description(message, draft)
    elif step == "description":
        if set_description(draft, text) is MeetingProblem.TOO_LONG:
            await message.reply_text(_("meeting.too_long", limit=DESCRIPTION_LENGTH))
            return
        await _after_questions(message, context, draft)


async def _ask_description(message: Message, draft: Meeting) -> None:
    await message.reply_text(_("meeting.ask_description", limit=DESCRIPTION_LENGTH),
                             reply_markup=_skip_keyboard(draft, "sx", N_("meeting.button.skip")))


async def _after_questions(message: Message, context: OtagaiContext, draft: Meeting) -> None:
    """Ask for the area when the coordinator has several, else show the summary."""
    if draft.area_id is None:
        rows = [[InlineKeyboardButton(a.name, callback_data=callback_data(DRAFT, "a", draft.id,
                                                                          a.id))]
                for a in await organisable_areas(context)]
        await message.reply_text(_("meeting.ask_area"), reply_markup=InlineKeyboardMarkup(rows))
        return
    text, keyboard = await _summary(context, draft)
    await message.reply_text(text, reply_markup=keyboard)


async def _summary(context: OtagaiContext, draft: Meeting) -> tuple[str, InlineKeyboardMarkup]:
    area = await area_name(context, draft)
    who = (_("meeting.for_open", area=area) if draft.open else _("meeting.for_invited"))
    text = "\n".join([_("meeting.confirm"), "", card(draft, area), who])
    switch = N_("meeting.button.invited_only") if draft.open \
        else N_("meeting.button.open_to_all")
    rows = [[button("meeting.button.register_announce", callback_data(DRAFT, "s", draft.id, 1))]
            ] if draft.open else []
    rows += [[button("meeting.button.register", callback_data(DRAFT, "s", draft.id, 0))],
             [button(switch, callback_data(DRAFT, "o", draft.id))],
             [button("meeting.button.drop", callback_data(DRAFT, "x", draft.id))]]
    return text, InlineKeyboardMarkup(rows)


async def own_draft(press: Press) -> Meeting | None:
    """The draft a button is about, if it is still a draft and the person's own."""
    draft = await press.context.session.get(Meeting, press.values[0])
    person = press.context.person
    if (draft is None or person is None or draft.organiser_id != person.id
            or draft.status != MeetingStatus.DRAFT):
        return None
    return draft


async def on_kind(press: Press) -> None:
    """The kind chosen: ask for the title."""
    query, draft = press.query, press.target
    await query.answer()
    choose_kind(draft, MeetingKind(press.values[1]))
    question = _("meeting.ask_title", kind=plain(KIND_LABELS[draft.kind]), limit=TITLE_LENGTH)
    await edit_or_keep(query, question)
    await asked(press.context, "meeting.title", query.message, question, target_id=draft.id,
                typed=True)


async def on_when_confirmed(press: Press) -> None:
    """The date read back is right: ask for the place."""
    query, draft = press.query, press.target
    await query.answer()
    if query.message is None or confirm_when(draft) is not None:
        await stale_button(press.update, press.context)
        return
    await edit_or_keep(query, _("meeting.when_set", when=when_label(draft)))
    await query.message.reply_text(_("meeting.ask_place", limit=PLACE_LENGTH))


async def on_when_answer(press: Press) -> None:
    """はい to next year's date, 午前/午後, or retype."""
    await press.query.answer()
    assert press.step is not None
    await _answer_when_question(press.update, press.query, press.context, press.target,
                                press.step, hour_too=press.value(1) == "1")


async def on_no_deadline(press: Press) -> None:
    query, draft = press.query, press.target
    await query.answer()
    if query.message is None or set_deadline(draft, None, utcnow()) is not None:
        await stale_button(press.update, press.context)
        return
    await edit_or_keep(query, _("meeting.no_deadline"))
    await _ask_description(query.message, draft)


async def on_skip_description(press: Press) -> None:
    query, draft = press.query, press.target
    await query.answer()
    if query.message is None or set_description(draft, None) is not None:
        await stale_button(press.update, press.context)
        return
    await edit_or_keep(query, _("meeting.skipped"))
    await _after_questions(query.message, press.context, draft)


async def on_area(press: Press) -> None:
    """The area chosen (a coordinator of several): show the summary."""
    if not await _choose_area(press.update, press.context, press.target, press.values[1]):
        return
    await _show_summary(press)


async def on_switch_open(press: Press) -> None:
    """Open to all ⇄ invited only."""
    switch_open(press.target)  # refused at the wrong step: the summary says the button is old
    await _show_summary(press)


async def _show_summary(press: Press) -> None:
    query, draft = press.query, press.target
    await query.answer()
    if draft.area_id is None or draft.awaiting is not None:
        await stale_button(press.update, press.context)
        return
    await edit_or_keep(query, *await _summary(press.context, draft))


async def on_drop(press: Press) -> None:
    await press.query.answer()
    await drop_draft(press.context.session, press.target)
    await edit_or_keep(press.query, _("meeting.dropped"))


async def on_register(press: Press) -> None:
    """Register (and announce, when asked and open to all)."""
    query, draft = press.query, press.target
    await query.answer()
    if not ready_to_register(draft):
        await stale_button(press.update, press.context)
        return
    await _register(press.update, query, press.context, draft,
                    announce=press.values[1] == "1" and draft.open)


def register_buttons(router: Router) -> None:
    """The draft's buttons, one function per step (typed words too: ``handlers.router``)."""
    def route(step: str | tuple[str, ...], handler: Handler, *shape: Value) -> None:
        router.route(DRAFT, handler, ID, *shape, steps=step, load=own_draft)

    route("k", on_kind, Choice(*MeetingKind))
    route("wy", on_when_confirmed)
    route("yy", on_when_answer, FLAG)
    route(("ha", "hp", "wn"), on_when_answer)
    route("sd", on_no_deadline)
    route("sx", on_skip_description)
    route("a", on_area, ID)
    route("o", on_switch_open)
    route("x", on_drop)
    route("s", on_register, FLAG)


async def _answer_when_question(update: Update, query: Pressed | CallbackQuery,
                                context: OtagaiContext, draft: Meeting, step: str, *,
                                hour_too: bool) -> None:
    """はい to next year's date (then the hour, when it is open too), 午前/午後, or retype
    (pressed, or typed: ``query``)."""
    if step == "wn":
        retype_when(draft)
        await edit_or_keep(query, _("meeting.ask_when"))
        await asked(context, "meeting.retype_when", query.message, _("meeting.ask_when"),
                    target_id=draft.id, typed=True)
        return
    if step == "yy" and draft.awaiting == "when_year":
        problem = confirm_next_year(draft, hour_too=hour_too)
    else:  # 午前/午後 (はい at the wrong step is taken as 午前, as before)
        problem = choose_half_day(draft, in_the_afternoon=step == "hp", zone=current_zone())
    if problem is not None:
        await stale_button(update, context)
        return
    question, keyboard = _when_question(
        draft, (Clarify.AMBIGUOUS_HOUR,) if draft.awaiting == "when_hour" else ())
    await edit_or_keep(query, question, keyboard)
    await asked(context, "meeting.when", query.message, question, keyboard, target_id=draft.id,
                typed=draft.awaiting is not None)  # a date typed again replaces it


async def _choose_area(update: Update, context: OtagaiContext, draft: Meeting,
                       area_id: int | None) -> bool:
    if choose_area(draft, area_id, await organisable_areas(context)) is not None:
        await refuse(update, "meeting.not_allowed")
        return False
    return True


async def _register(update: Update, query: Pressed | CallbackQuery, context: OtagaiContext,
                    draft: Meeting, *, announce: bool) -> None:
    area = await context.session.get(Area, draft.area_id) if draft.area_id else None
    if area is None or not (await context.permissions()).may(Action.ORGANISE_MEETING, area):
        await refuse(update, "meeting.not_allowed")
        return
    if schedule_draft(draft, utcnow()) is MeetingProblem.IN_THE_PAST:
        await edit_or_keep(query, _("meeting.past_when", text=when_label(draft)))
        return
    title = draft.title or "-"
    if not draft.open:  # never announced: the organiser invites people next
        await edit_or_keep(query, _("meeting.registered_invited", title=title),
                           invite_keyboard(draft))
        return
    if not announce:
        await edit_or_keep(query, _("meeting.registered", title=title))
        return
    posted = await announce_meeting(context, draft)
    await edit_or_keep(query, _("meeting.announced", title=title, count=posted)
                       + group_quiet_note(context) if posted
                       else _("meeting.no_groups", title=title))


async def announce_meeting(context: OtagaiContext, meeting: Meeting) -> int:
    """Queue the meeting's post with its buttons to every linked group; return how many."""
    groups = await groups_for(context.session, meeting)
    with in_group_language(context):
        text = await meeting_card(context, meeting)
    for group in groups:
        message = enqueue(context.session, key=f"meeting-post:{meeting.id}:{group.id}",
                          text=text, group_id=group.id, choices=join_choices(meeting))
        await context.session.flush()
        context.session.add(MeetingAnnouncement(meeting_id=meeting.id, group_id=group.id,
                                                outbox_id=message.id))
    if groups and context.services.dispatcher is not None:
        context.services.dispatcher.wake()
    return len(groups)
