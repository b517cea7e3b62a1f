"""/newevent, /events and /myevents: care meetings and workshops people sign up for.

The draft lives in the database. Group posts carry 参加する / キャンセル and a live count
(never names), edited after every change; confirmations go to the person's private chat.
"""

from __future__ import annotations

import csv
import io
import logging
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import OtagaiContext
from bot.i18n import N_, _, current_zone, format_datetime, normalize_language, plain, use_language
from bot.meeting_text import KIND_LABELS, calendar_file, card, when_label
from handlers.common import (
    MEETING_INPUT_GROUP,
    button,
    callback_data,
    callback_pattern,
    callback_values,
    deep_link,
    edit_or_keep,
    group_quiet_note,
    int_value,
    is_private,
    private_only,
    refuse,
)
from handlers.fallback import stale_button
from models import (
    Area,
    Meeting,
    MeetingAnnouncement,
    MeetingKind,
    MeetingStatus,
    Person,
    SignupStatus,
)
from models.areas import all_areas, find_group
from models.base import utcnow
from models.meetings import (
    DESCRIPTION_LENGTH,
    MAX_CAPACITY,
    PLACE_LENGTH,
    TITLE_LENGTH,
    JoinOutcome,
    announcements,
    being_edited_by,
    call_off,
    change_walk_ins,
    counts,
    draft_of,
    groups_for,
    in_scope,
    join,
    leave,
    organised_by,
    reschedule,
    scope_area_ids,
    signup_of,
    signup_open,
    signups,
    start_draft,
    toggle_attended,
    upcoming,
)
from models.outbox import enqueue
from models.permissions import Action
from models.when import parse_date, parse_when

log = logging.getLogger(__name__)

DRAFT, JOIN, ORGANISE, ATTEND = "mt", "mj", "mo", "ma"
PAYLOAD = "ev"  # /start ev<meeting id>: open a meeting from a group or an invitation
LIST_LIMIT = 5
JOIN_ANSWERS = {
    JoinOutcome.CONFIRMED: N_("meeting.joined"),
    JoinOutcome.WAITING: N_("meeting.joined_waiting"),
    JoinOutcome.ALREADY_CONFIRMED: N_("meeting.already_confirmed"),
    JoinOutcome.ALREADY_WAITING: N_("meeting.already_waiting"),
    JoinOutcome.CLOSED: N_("meeting.closed"),
    JoinOutcome.CANCELLED: N_("meeting.is_cancelled"),
}


# --- shared pieces -------------------------------------------------------------------------

async def _area_name(context: OtagaiContext, meeting: Meeting) -> str:
    area = await context.session.get(Area, meeting.area_id) if meeting.area_id else None
    return area.name if area else "-"


async def _card(context: OtagaiContext, meeting: Meeting) -> str:
    return card(meeting, await _area_name(context, meeting),
                await counts(context.session, meeting.id),
                closed=not signup_open(meeting, utcnow()))


def _join_keyboard(meeting: Meeting) -> InlineKeyboardMarkup | None:
    if meeting.status != MeetingStatus.SCHEDULED:
        return None
    return InlineKeyboardMarkup([[button("meeting.button.join", callback_data(JOIN, "j",
                                                                                meeting.id)),
                                  button("meeting.button.leave", callback_data(JOIN, "c",
                                                                                 meeting.id))]])


def _join_buttons(meeting: Meeting) -> list[list[dict[str, str]]]:
    return [[{"text": plain("meeting.button.join"),
              "callback_data": callback_data(JOIN, "j", meeting.id)},
             {"text": plain("meeting.button.leave"),
              "callback_data": callback_data(JOIN, "c", meeting.id)}]]


async def _areas(context: OtagaiContext) -> list[Area]:
    permissions = await context.permissions()
    return permissions.areas_in_scope(Action.ORGANISE_MEETING, await all_areas(context.session))


async def _may_manage(context: OtagaiContext, meeting: Meeting) -> bool:
    """The organiser, or a coordinator of the meeting's area."""
    person = context.person
    if person is not None and person.id == meeting.organiser_id:
        return True
    area = await context.session.get(Area, meeting.area_id) if meeting.area_id else None
    return area is not None and (await context.permissions()).may(Action.ORGANISE_MEETING, area)


def _now_local() -> datetime:
    return utcnow().astimezone(current_zone())


def _for_person(person: Person, context: OtagaiContext) -> AbstractContextManager[None]:
    return use_language(normalize_language(person.language), context.settings.zone)


def _in_group_language(context: OtagaiContext) -> AbstractContextManager[None]:
    return use_language(context.settings.default_language, context.settings.zone)


async def refresh_posts(context: OtagaiContext, meeting: Meeting) -> set[tuple[int, int]]:
    """Edit every group post of the meeting to show the current count; return them."""
    with _in_group_language(context):
        text = await _card(context, meeting)
        keyboard = _join_keyboard(meeting)
    edited: set[tuple[int, int]] = set()
    for post, message_id in await announcements(context.session, meeting.id):
        if message_id is None:
            continue  # not sent yet: it will go out with the count of its time
        edited.add((post.chat_id, message_id))
        try:
            await context.bot.edit_message_text(text, chat_id=post.chat_id,
                                                message_id=message_id, reply_markup=keyboard)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                log.warning("could not edit meeting post in %s: %s", post.chat_id, exc)
        except TelegramError as exc:
            log.warning("could not edit meeting post in %s: %s", post.chat_id, exc)
    return edited


async def _tell(context: OtagaiContext, person: Person, key: str, text: str,
                buttons: list[list[dict[str, str]]] | None = None) -> None:
    """Queue a message to someone other than the sender (or to the sender, privately)."""
    if not person.active:
        return
    enqueue(context.session, key=key, chat_id=person.telegram_id, text=text,
            person_id=person.id, buttons=buttons)
    if context.services.dispatcher is not None:
        context.services.dispatcher.wake()


def _confirmed_buttons(meeting: Meeting) -> list[list[dict[str, str]]]:
    return [[{"text": plain("meeting.button.ics"),
              "callback_data": callback_data(JOIN, "i", meeting.id)}],
            [{"text": plain("meeting.button.leave"),
              "callback_data": callback_data(JOIN, "c", meeting.id)}]]


# --- creating ------------------------------------------------------------------------------

def _kind_keyboard(draft: Meeting) -> InlineKeyboardMarkup:
    kinds = list(KIND_LABELS.items())
    return InlineKeyboardMarkup([[InlineKeyboardButton(plain(label), callback_data=callback_data(
        DRAFT, "k", draft.id, kind)) for kind, label in kinds[i:i + 2]]
        for i in range(0, len(kinds), 2)])


async def begin(update: Update, context: OtagaiContext) -> None:
    """Start writing a meeting: first its kind."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    areas = await _areas(context)
    if not areas:
        await refuse(update, "meeting.not_allowed")
        return
    person = await context.ensure_person()
    editing = await being_edited_by(context.session, person.id)
    if editing is not None:  # a change left half-typed gives way to the new meeting
        editing.awaiting = editing.editing_by_id = None
    draft = await start_draft(context.session, person.id, areas[0].id if len(areas) == 1
                              else None)
    await update.effective_message.reply_text(_("meeting.ask_kind"),
                                              reply_markup=_kind_keyboard(draft))


async def capture_text(update: Update, context: OtagaiContext) -> None:
    """Take typed answers for a draft or a change; other text passes on."""
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


def _read_when(text: str) -> tuple[datetime, datetime | None] | str:
    """Return the typed start and end, or the catalog key of what is wrong."""
    now = _now_local()
    when = parse_when(text, now)
    if when is None:
        return N_("meeting.bad_when")
    if when.start <= now:
        return N_("meeting.past_when")
    return when.start.astimezone(UTC), when.end.astimezone(UTC) if when.end else None


def _read_deadline(text: str, starts_at: datetime) -> datetime | None:
    now = _now_local()
    when = parse_when(text, now)
    if when is not None and when.end is None:
        moment = when.start
    else:
        day = parse_date(text, now)
        if day is None:
            return None
        moment = datetime.combine(day, time(23, 59), tzinfo=now.tzinfo)
    moment = moment.astimezone(UTC)
    return min(moment, starts_at) if now < moment <= starts_at + timedelta(days=1) else None


def _skip_keyboard(draft: Meeting, step: str, label: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(label, callback_data(DRAFT, step, draft.id))]])


async def _take_draft_answer(message: Message, context: OtagaiContext, draft: Meeting,
                             text: str) -> None:
    step = draft.awaiting
    if step == "title":
        if not 0 < len(text) <= TITLE_LENGTH:
            await message.reply_text(_("meeting.bad_title", limit=TITLE_LENGTH))
            return
        draft.title, draft.awaiting = text, "when"
        await message.reply_text(_("meeting.ask_when"))
    elif step == "when":
        found = _read_when(text)
        if isinstance(found, str):
            await message.reply_text(_(found, text=text))
            return
        draft.starts_at, draft.ends_at = found
        draft.awaiting = None
        keyboard = InlineKeyboardMarkup([
            [button("meeting.button.yes", callback_data(DRAFT, "wy", draft.id))],
            [button("meeting.button.retype", callback_data(DRAFT, "wn", draft.id))]])
        await message.reply_text(_("meeting.confirm_when", when=when_label(draft)),
                                 reply_markup=keyboard)
    elif step == "place":
        if not 0 < len(text) <= PLACE_LENGTH:
            await message.reply_text(_("meeting.bad_place", limit=PLACE_LENGTH))
            return
        draft.place, draft.awaiting = text, "capacity"
        await message.reply_text(_("meeting.ask_capacity", limit=MAX_CAPACITY))
    elif step == "capacity":
        number = text.removesuffix("人").removesuffix("名").strip()
        if not number.isdecimal() or not 1 <= int(number) <= MAX_CAPACITY:
            await message.reply_text(_("meeting.bad_capacity", limit=MAX_CAPACITY))
            return
        draft.capacity, draft.awaiting = int(number), "deadline"
        await message.reply_text(_("meeting.ask_deadline"), reply_markup=_skip_keyboard(
            draft, "sd", N_("meeting.button.no_deadline")))
    elif step == "deadline":
        assert draft.starts_at is not None
        deadline = _read_deadline(text, draft.starts_at)
        if deadline is None:
            await message.reply_text(_("meeting.bad_deadline"))
            return
        draft.signup_deadline = deadline
        await _ask_description(message, draft)
    elif step == "description":
        if len(text) > DESCRIPTION_LENGTH:
            await message.reply_text(_("meeting.too_long", limit=DESCRIPTION_LENGTH))
            return
        draft.description = text
        await _after_questions(message, context, draft)


async def _ask_description(message: Message, draft: Meeting) -> None:
    draft.awaiting = "description"
    await message.reply_text(_("meeting.ask_description", limit=DESCRIPTION_LENGTH),
                             reply_markup=_skip_keyboard(draft, "sx", N_("meeting.button.skip")))


async def _after_questions(message: Message, context: OtagaiContext, draft: Meeting) -> None:
    """Ask for the area when the coordinator has several, else show the summary."""
    draft.awaiting = None
    if draft.area_id is None:
        rows = [[InlineKeyboardButton(a.name, callback_data=callback_data(DRAFT, "a", draft.id,
                                                                          a.id))]
                for a in await _areas(context)]
        await message.reply_text(_("meeting.ask_area"), reply_markup=InlineKeyboardMarkup(rows))
        return
    text, keyboard = await _summary(context, draft)
    await message.reply_text(text, reply_markup=keyboard)


async def _summary(context: OtagaiContext, draft: Meeting) -> tuple[str, InlineKeyboardMarkup]:
    area = await _area_name(context, draft)
    who = (_("meeting.for_open", area=area) if draft.open else _("meeting.for_invited"))
    text = "\n".join([_("meeting.confirm"), "", card(draft, area), who])
    rows = [[button("meeting.button.register_announce", callback_data(DRAFT, "s", draft.id, 1))]
            ] if draft.open else []
    rows += [[button("meeting.button.register", callback_data(DRAFT, "s", draft.id, 0))],
             [button("meeting.button.toggle_open", callback_data(DRAFT, "o", draft.id))],
             [button("meeting.button.drop", callback_data(DRAFT, "x", draft.id))]]
    return text, InlineKeyboardMarkup(rows)


async def on_draft_button(update: Update, context: OtagaiContext) -> None:
    """Kind, time confirmed or retyped, skips, area, who may come, register or drop."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    step, draft_id = (values[0] if values else ""), int_value(values, 1)
    draft = await context.session.get(Meeting, draft_id) if draft_id else None
    person = context.person
    if (draft is None or person is None or draft.organiser_id != person.id
            or draft.status != MeetingStatus.DRAFT):
        await stale_button(update, context)
        return
    if step == "a" and not await _choose_area(update, context, draft, int_value(values, 2)):
        return
    await query.answer()
    if step == "k" and len(values) > 2 and values[2] in set(MeetingKind):
        draft.kind, draft.awaiting = MeetingKind(values[2]), "title"
        await edit_or_keep(query, _("meeting.ask_title", kind=plain(KIND_LABELS[draft.kind]),
                                    limit=TITLE_LENGTH))
    elif step == "wy" and draft.starts_at is not None and query.message is not None:
        draft.awaiting = "place"
        await edit_or_keep(query, _("meeting.when_set", when=when_label(draft)))
        await query.message.reply_text(_("meeting.ask_place", limit=PLACE_LENGTH))
    elif step == "wn":
        draft.awaiting = "when"
        await edit_or_keep(query, _("meeting.ask_when"))
    elif step == "sd" and draft.awaiting == "deadline" and query.message is not None:
        await edit_or_keep(query, _("meeting.no_deadline"))
        await _ask_description(query.message, draft)
    elif step == "sx" and draft.awaiting == "description" and query.message is not None:
        await edit_or_keep(query, _("meeting.skipped"))
        await _after_questions(query.message, context, draft)
    elif step in ("a", "o") and draft.area_id is not None and draft.awaiting is None:
        if step == "o":
            draft.open = not draft.open
        await edit_or_keep(query, *await _summary(context, draft))
    elif step == "x":
        await context.session.delete(draft)
        await edit_or_keep(query, _("meeting.dropped"))
    elif step == "s" and draft.awaiting is None and _complete(draft):
        await _register(update, context, draft, announce=values[2:3] == ["1"] and draft.open)
    else:
        await stale_button(update, context)


async def _choose_area(update: Update, context: OtagaiContext, draft: Meeting,
                       area_id: int | None) -> bool:
    area = next((a for a in await _areas(context) if a.id == area_id), None)
    if area is None:
        await refuse(update, "meeting.not_allowed")
        return False
    draft.area_id = area.id
    return True


def _complete(draft: Meeting) -> bool:
    return bool(draft.kind and draft.title and draft.starts_at and draft.place
                and draft.capacity and draft.area_id)


async def _register(update: Update, context: OtagaiContext, draft: Meeting, *,
                    announce: bool) -> None:
    query = update.callback_query
    assert query is not None
    area = await context.session.get(Area, draft.area_id) if draft.area_id else None
    if area is None or not (await context.permissions()).may(Action.ORGANISE_MEETING, area):
        await refuse(update, "meeting.not_allowed")
        return
    assert draft.starts_at is not None
    if draft.starts_at <= utcnow():
        draft.awaiting = "when"
        await edit_or_keep(query, _("meeting.past_when", text=when_label(draft)))
        return
    draft.status = MeetingStatus.SCHEDULED
    title = draft.title or "-"
    if not draft.open:
        link = deep_link(context, f"{PAYLOAD}{draft.id}")
        await edit_or_keep(query, _("meeting.registered", title=title) + "\n\n"
                           + _("meeting.invite_link", link=link))
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
    with _in_group_language(context):
        text = await _card(context, meeting)
        buttons = _join_buttons(meeting)
    for group in groups:
        message = enqueue(context.session, key=f"meeting-post:{meeting.id}:{group.id}",
                          chat_id=group.telegram_chat_id, text=text, group_id=group.id,
                          buttons=buttons)
        await context.session.flush()
        context.session.add(MeetingAnnouncement(meeting_id=meeting.id, group_id=group.id,
                                                chat_id=group.telegram_chat_id,
                                                outbox_id=message.id))
    if groups and context.services.dispatcher is not None:
        context.services.dispatcher.wake()
    return len(groups)


# --- signing up ----------------------------------------------------------------------------

async def on_join_button(update: Update, context: OtagaiContext) -> None:
    """参加する, キャンセル, or the calendar file."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    step, meeting_id = (values[0] if values else ""), int_value(values, 1)
    meeting = await context.session.get(Meeting, meeting_id) if meeting_id else None
    if meeting is None or meeting.status == MeetingStatus.DRAFT or step not in ("j", "c", "i"):
        await stale_button(update, context)
        return
    person = context.person
    if person is None or not person.has_consented:
        # Signing up is personal: only registered people, and the answer stays private.
        await query.answer(plain("meeting.register_first"), show_alert=True,
                           url=None if is_private(update) else deep_link(
                               context, f"{PAYLOAD}{meeting.id}"))
        return
    if step == "i":
        await _send_calendar(update, context, meeting)
    elif step == "j":
        await _join(update, context, meeting, person)
    else:
        await _leave(update, context, meeting, person)


async def _join(update: Update, context: OtagaiContext, meeting: Meeting, person: Person
                ) -> None:
    query = update.callback_query
    assert query is not None
    if meeting.status == MeetingStatus.CANCELLED:
        await refuse(update, "meeting.is_cancelled")
        return
    if not await in_scope(context.session, meeting, person):
        await query.answer(plain("meeting.other_area", area=await _area_name(context, meeting)),
                           show_alert=True)
        return
    result = await join(context.session, meeting.id, person.id, utcnow())
    title = meeting.title or "-"
    await query.answer(plain(JOIN_ANSWERS[result.outcome], title=title), show_alert=True)
    if result.outcome not in (JoinOutcome.CONFIRMED, JoinOutcome.WAITING):
        return
    stamp = utcnow().timestamp()
    if result.outcome == JoinOutcome.CONFIRMED:
        text = _("meeting.confirmation", title=title, when=when_label(meeting),
                 place=meeting.place or "-")
        await _tell(context, person, f"meeting-joined:{meeting.id}:{person.id}:{stamp}", text,
                    _confirmed_buttons(meeting))
    else:
        current = await counts(context.session, meeting.id)
        await _tell(context, person, f"meeting-waiting:{meeting.id}:{person.id}:{stamp}",
                    _("meeting.waiting_private", title=title, position=current.waiting))
    if result.became_full:
        await _tell_organiser_full(context, meeting, stamp)
    await _show_change(update, context, meeting)


async def _tell_organiser_full(context: OtagaiContext, meeting: Meeting, stamp: float) -> None:
    organiser = await context.session.get(Person, meeting.organiser_id) \
        if meeting.organiser_id else None
    if organiser is None:
        return
    with _for_person(organiser, context):
        text = _("meeting.full_notice", title=meeting.title or "-", capacity=meeting.capacity)
    await _tell(context, organiser, f"meeting-full:{meeting.id}:{stamp}", text)


async def _leave(update: Update, context: OtagaiContext, meeting: Meeting, person: Person
                 ) -> None:
    query = update.callback_query
    assert query is not None
    if meeting.starts_at is not None and meeting.starts_at <= utcnow() \
            and meeting.status == MeetingStatus.SCHEDULED:
        await refuse(update, "meeting.already_started")
        return
    result = await leave(context.session, meeting.id, person.id)
    title = meeting.title or "-"
    if result.was is None:
        await query.answer(plain("meeting.not_signed_up", title=title), show_alert=True)
        return
    await query.answer(plain("meeting.left", title=title), show_alert=True)
    promoted = result.promoted
    if promoted is not None:
        with _for_person(promoted, context):
            text = _("meeting.promoted", title=title, when=when_label(meeting),
                     place=meeting.place or "-")
            buttons = _confirmed_buttons(meeting)
        await _tell(context, promoted, f"meeting-promoted:{meeting.id}:{promoted.id}:"
                    f"{utcnow().timestamp()}", text, buttons)
    await _show_change(update, context, meeting)


async def _show_change(update: Update, context: OtagaiContext, meeting: Meeting) -> None:
    """Edit the group posts, and the pressed card when it is not one of them."""
    query = update.callback_query
    assert query is not None
    edited = await refresh_posts(context, meeting)
    message = query.message
    if message is None or (message.chat.id, message.message_id) in edited:
        return
    if not message.text or not message.reply_markup:
        return
    if len(message.reply_markup.inline_keyboard[0]) < 2:  # a confirmation, not a card
        return
    if is_private(update):
        await edit_or_keep(query, await _card(context, meeting), _join_keyboard(meeting))
    else:
        with _in_group_language(context):
            text, keyboard = await _card(context, meeting), _join_keyboard(meeting)
        await edit_or_keep(query, text, keyboard)


async def _send_calendar(update: Update, context: OtagaiContext, meeting: Meeting) -> None:
    query = update.callback_query
    assert query is not None
    person = context.person
    signup = await signup_of(context.session, meeting.id, person.id) if person else None
    if signup is None or signup.status != SignupStatus.CONFIRMED \
            or meeting.status != MeetingStatus.SCHEDULED or query.message is None:
        await refuse(update, "meeting.no_calendar")
        return
    await query.answer()
    await query.message.reply_document(
        InputFile(calendar_file(meeting, context.settings.zone),
                  filename=plain("meeting.ics_name", id=meeting.id)),
        caption=_("meeting.ics_caption", title=meeting.title or "-"))


async def list_upcoming(update: Update, context: OtagaiContext) -> None:
    """Show the next meetings of one's district and city, each with its buttons."""
    message = update.effective_message
    if message is None:
        return
    chat = update.effective_chat
    private = is_private(update)
    if private:
        person = context.person
        district_id = person.district_id if person and person.has_consented else None
    else:
        group = await find_group(context.session, chat.id) if chat else None
        district_id = group.district_id if group else None
    district = await context.session.get(Area, district_id) if district_id else None
    if district is None:
        await message.reply_text(_("meeting.no_district") if private
                                 else _("meeting.group_not_linked"))
        return
    meetings = await upcoming(context.session, scope_area_ids(district), utcnow(), LIST_LIMIT)
    if not meetings:
        await message.reply_text(_("meeting.none_upcoming", area=district.name))
        return
    await message.reply_text(_("meeting.events_heading", area=district.name,
                               count=len(meetings)))
    for meeting in meetings:
        if private:
            text, keyboard = await _card(context, meeting), _join_keyboard(meeting)
        else:
            with _in_group_language(context):
                text, keyboard = await _card(context, meeting), _join_keyboard(meeting)
        await message.reply_text(text, reply_markup=keyboard)


async def open_from_link(update: Update, context: OtagaiContext, payload: str) -> bool:
    """Show the meeting a ``/start ev<id>`` link names, to a registered person; True if shown."""
    meeting_id = payload.removeprefix(PAYLOAD)
    person = context.person
    if not meeting_id.isdigit() or person is None or not person.has_consented \
            or update.effective_message is None:
        return False
    meeting = await context.session.get(Meeting, int(meeting_id))
    if meeting is None or meeting.status == MeetingStatus.DRAFT:
        return False
    await update.effective_message.reply_text(await _card(context, meeting),
                                              reply_markup=_join_keyboard(meeting))
    return True


# --- the organiser -------------------------------------------------------------------------

def _manage_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    rows = [[button("meeting.button.participants", callback_data(ORGANISE, "p", meeting.id)),
             button("meeting.button.csv", callback_data(ORGANISE, "f", meeting.id))]]
    if meeting.status == MeetingStatus.SCHEDULED:
        rows.append([button("meeting.button.change_time",
                            callback_data(ORGANISE, "e", meeting.id, "when")),
                     button("meeting.button.change_place",
                            callback_data(ORGANISE, "e", meeting.id, "place"))])
        rows.append([button("meeting.button.attendance", callback_data(ATTEND, "v", meeting.id)),
                     button("meeting.button.cancel_meeting",
                            callback_data(ORGANISE, "x", meeting.id))])
    return InlineKeyboardMarkup(rows)


async def my_meetings(update: Update, context: OtagaiContext) -> None:
    """List the meetings one organises (from a week ago on), each with its tools."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = context.person
    meetings = await organised_by(context.session, person.id, utcnow() - timedelta(days=7)) \
        if person else []
    if not meetings:
        await update.effective_message.reply_text(_("meeting.mine_none"))
        return
    for meeting in meetings:
        await update.effective_message.reply_text(await _card(context, meeting),
                                                  reply_markup=_manage_keyboard(meeting))


async def on_organise_button(update: Update, context: OtagaiContext) -> None:
    """Participants, CSV, change time or place, cancel the meeting."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    step, meeting_id = (values[0] if values else ""), int_value(values, 1)
    meeting = await context.session.get(Meeting, meeting_id) if meeting_id else None
    if meeting is None or meeting.status == MeetingStatus.DRAFT \
            or step not in ("p", "f", "e", "x", "xy", "xn"):
        await stale_button(update, context)
        return
    if not await _may_manage(context, meeting) or not is_private(update):
        await refuse(update, "meeting.manage_not_allowed")
        return
    if step in ("e", "x", "xy") and meeting.status != MeetingStatus.SCHEDULED:
        await refuse(update, "meeting.is_cancelled")
        return
    await query.answer()
    message = query.message
    if step == "p" and message is not None:
        await message.reply_text(await _participants(context, meeting))
    elif step == "f" and message is not None:
        await message.reply_document(InputFile(await _csv(context, meeting),
                                               filename=plain("meeting.csv_name",
                                                              id=meeting.id)),
                                     caption=_("meeting.csv_caption",
                                               title=meeting.title or "-"))
    elif step == "e" and message is not None and values[2:3] in (["when"], ["place"]):
        meeting.awaiting = values[2]
        meeting.editing_by_id = (await context.ensure_person()).id
        await message.reply_text(_("meeting.ask_when") if values[2] == "when"
                                 else _("meeting.ask_place", limit=PLACE_LENGTH))
    elif step == "x":
        keyboard = InlineKeyboardMarkup([
            [button("meeting.button.cancel_yes", callback_data(ORGANISE, "xy", meeting.id))],
            [button("meeting.button.cancel_no", callback_data(ORGANISE, "xn", meeting.id))]])
        if message is not None:
            await message.reply_text(_("meeting.confirm_cancel", title=meeting.title or "-"),
                                     reply_markup=keyboard)
    elif step == "xy":
        told = await _tell_everyone(context, meeting, "cancelled")
        await call_off(context.session, meeting)
        await edit_or_keep(query, _("meeting.cancelled_done", title=meeting.title or "-",
                                    count=told))
        await refresh_posts(context, meeting)
    elif step == "xn":
        await edit_or_keep(query, _("meeting.kept"))


async def _participants(context: OtagaiContext, meeting: Meeting) -> str:
    rows = await signups(context.session, meeting.id)
    confirmed = [p for s, p in rows if s.status == SignupStatus.CONFIRMED]
    waiting = [p for s, p in rows if s.status == SignupStatus.WAITING]
    lines = [_("meeting.participants", title=meeting.title or "-", confirmed=len(confirmed),
               capacity=meeting.capacity or "-")]
    lines += [_("meeting.participant_line", number=i, name=p.display_name or "-")
              for i, p in enumerate(confirmed, 1)] or [_("meeting.nobody")]
    lines += ["", _("meeting.waiting_heading", count=len(waiting))]
    lines += [_("meeting.participant_line", number=i, name=p.display_name or "-")
              for i, p in enumerate(waiting, 1)] or [_("meeting.nobody")]
    return "\n".join(lines)


STATUS_LABELS = {SignupStatus.CONFIRMED: N_("meeting.status.confirmed"),
                 SignupStatus.WAITING: N_("meeting.status.waiting")}


async def _csv(context: OtagaiContext, meeting: Meeting) -> bytes:
    header = [plain("meeting.csv.name"), plain("meeting.csv.status"), plain("meeting.csv.order"),
              plain("meeting.csv.attended"), plain("meeting.csv.signed_up")]
    rows: list[list[str | int]] = [
        [person.display_name or "-", plain(STATUS_LABELS[signup.status]), signup.position,
         plain("meeting.csv.yes") if signup.attended else "", format_datetime(signup.created_at)]
        for signup, person in await signups(context.session, meeting.id)]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # a byte-order mark, for Excel


async def _tell_everyone(context: OtagaiContext, meeting: Meeting, what: str) -> int:
    """Queue a change or cancellation notice to everyone confirmed or waiting."""
    stamp = utcnow().timestamp()
    told = 0
    for _signup, person in await signups(context.session, meeting.id):
        with _for_person(person, context):
            text = (_("meeting.cancelled_notice", title=meeting.title or "-",
                      when=when_label(meeting)) if what == "cancelled" else
                    _("meeting.changed_notice", title=meeting.title or "-",
                      when=when_label(meeting), place=meeting.place or "-"))
        if person.active:
            await _tell(context, person, f"meeting-{what}:{meeting.id}:{person.id}:{stamp}",
                        text)
            told += 1
    return told


async def _take_change(message: Message, context: OtagaiContext, meeting: Meeting,
                       text: str) -> None:
    """Apply a typed new time or place, tell everyone signed up, and edit the posts."""
    if not await _may_manage(context, meeting):
        meeting.awaiting = meeting.editing_by_id = None
        await message.reply_text(_("meeting.manage_not_allowed"))
        return
    if meeting.awaiting == "place":
        if not 0 < len(text) <= PLACE_LENGTH:
            await message.reply_text(_("meeting.bad_place", limit=PLACE_LENGTH))
            return
        meeting.place = text
    else:
        found = _read_when(text)
        if isinstance(found, str):
            await message.reply_text(_(found, text=text))
            return
        await reschedule(context.session, meeting, *found)
    meeting.awaiting = meeting.editing_by_id = None
    told = await _tell_everyone(context, meeting, "changed")
    await message.reply_text(_("meeting.changed", title=meeting.title or "-", count=told))
    await refresh_posts(context, meeting)


# --- attendance ----------------------------------------------------------------------------

async def _attendance_view(context: OtagaiContext, meeting: Meeting
                           ) -> tuple[str, InlineKeyboardMarkup]:
    rows = await signups(context.session, meeting.id, (SignupStatus.CONFIRMED,))
    came = sum(1 for signup, _person in rows if signup.attended)
    keyboard = [[InlineKeyboardButton(
        ("✓ " if signup.attended else "") + (person.display_name or "-"),
        callback_data=callback_data(ATTEND, "t", meeting.id, signup.id))]
        for signup, person in rows]
    keyboard.append([button("meeting.button.walk_in_less", callback_data(ATTEND, "w", meeting.id,
                                                                          "-")),
                     button("meeting.button.walk_in_more", callback_data(ATTEND, "w",
                                                                          meeting.id, "+"))])
    keyboard.append([button("meeting.button.attendance_done",
                            callback_data(ATTEND, "d", meeting.id))])
    text = _("meeting.attendance_heading", title=meeting.title or "-", came=came,
             signed_up=len(rows), walk_ins=meeting.walk_ins)
    return text, InlineKeyboardMarkup(keyboard)


async def on_attendance_button(update: Update, context: OtagaiContext) -> None:
    """Show the list, mark who came, count walk-ins, finish."""
    query = update.callback_query
    assert query is not None
    values = callback_values(query)
    step, meeting_id = (values[0] if values else ""), int_value(values, 1)
    meeting = await context.session.get(Meeting, meeting_id) if meeting_id else None
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED \
            or step not in ("v", "t", "w", "d"):
        await stale_button(update, context)
        return
    if not await _may_manage(context, meeting) or not is_private(update):
        await refuse(update, "meeting.manage_not_allowed")
        return
    if meeting.starts_at is not None and meeting.starts_at > utcnow():
        await refuse(update, "meeting.attendance_too_early")
        return
    if step == "t" and await toggle_attended(context.session, meeting,
                                             int_value(values, 2) or 0) is None:
        await stale_button(update, context)
        return
    if step == "w":
        change_walk_ins(meeting, 1 if values[2:3] == ["+"] else -1)
    await query.answer()
    if step == "v" and query.message is not None:
        text, keyboard = await _attendance_view(context, meeting)
        await query.message.reply_text(text, reply_markup=keyboard)
    elif step == "d":
        rows = await signups(context.session, meeting.id, (SignupStatus.CONFIRMED,))
        change_walk_ins(meeting, 0)
        await edit_or_keep(query, _("meeting.attendance_saved", title=meeting.title or "-",
                                    came=sum(1 for s, _p in rows if s.attended),
                                    walk_ins=meeting.walk_ins))
    else:
        await edit_or_keep(query, *await _attendance_view(context, meeting))


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach /newevent, /events, /myevents, their buttons, and the typed answers."""
    application.add_handler(CommandHandler("newevent", begin))
    application.add_handler(CommandHandler("events", list_upcoming))
    application.add_handler(CommandHandler("myevents", my_meetings))
    application.add_handler(CallbackQueryHandler(on_draft_button,
                                                 pattern=callback_pattern(DRAFT)))
    application.add_handler(CallbackQueryHandler(on_join_button, pattern=callback_pattern(JOIN)))
    application.add_handler(CallbackQueryHandler(on_organise_button,
                                                 pattern=callback_pattern(ORGANISE)))
    application.add_handler(CallbackQueryHandler(on_attendance_button,
                                                 pattern=callback_pattern(ATTEND)))
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, capture_text),
        group=MEETING_INPUT_GROUP,
    )
