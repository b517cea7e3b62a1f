"""/myevents: the organiser's view of a meeting (participants, CSV, change of time or
place, calling it off) and, afterwards, who came."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update

from bot.context import OtagaiContext
from handlers.common import (
    Pressed,
    button,
    callback_data,
    chosen,
    edit_or_keep,
    int_value,
    is_private,
    private_only,
    refuse,
)
from handlers.conversation import asked
from handlers.dates import WHEN_STEPS, hour_too, moment_of, when_question
from handlers.fallback import stale_button
from handlers.meetings.invite import INVITE_STEPS, on_invite_button, take_invite_search
from handlers.meetings.shared import (
    ATTEND,
    CHANGE_WHEN,
    ORGANISE,
    may_manage,
    meeting_card,
    read_new_when,
    refresh_posts,
    tell,
)
from handlers.router import Press
from locales.i18n import N_, _, format_datetime, plain
from locales.meeting_text import span_label
from models import (
    Meeting,
    MeetingStatus,
    SignupStatus,
)
from models.cells import csv_bytes
from models.clock import utcnow
from models.meetings import (
    PLACE_LENGTH,
    MeetingProblem,
    call_off,
    change_place,
    change_walk_ins,
    change_when,
    organised_by,
    signups,
    start_editing,
    stop_editing,
    toggle_attended,
)
from models.notices import Notice, Param
from models.outbox import TEXT_LIMIT
from models.when import Clarify, afternoon
from scheduler.meetings import when


def _manage_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    rows = [[button("meeting.button.participants", callback_data(ORGANISE, "p", meeting.id)),
             button("meeting.button.csv", callback_data(ORGANISE, "f", meeting.id))]]
    if meeting.status == MeetingStatus.SCHEDULED:
        rows.append([button("meeting.button.change_time",
                            callback_data(ORGANISE, "e", meeting.id, "when")),
                     button("meeting.button.change_place",
                            callback_data(ORGANISE, "e", meeting.id, "place"))])
        if not meeting.open:
            rows.append([button("meeting.button.invite", callback_data(ORGANISE, "iv",
                                                                        meeting.id)),
                         button("meeting.button.invite_link",
                                callback_data(ORGANISE, "il", meeting.id))])
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
        await update.effective_message.reply_text(await meeting_card(context, meeting),
                                                  reply_markup=_manage_keyboard(meeting))


async def on_organise_button(press: Press) -> None:
    """Participants, CSV, change time or place, cancel the meeting."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    step, meeting = press.step or "", press.target
    if not await may_manage(context, meeting) or not is_private(update):
        await refuse(update, "meeting.manage_not_allowed")
        return
    if step in ("e", "x", "xy", *INVITE_STEPS) and meeting.status != MeetingStatus.SCHEDULED:
        await refuse(update, "meeting.is_cancelled")
        return
    if step in INVITE_STEPS:
        await on_invite_button(update, context, meeting, step, values)
        return
    await query.answer()
    message = query.message
    if step == "p" and message is not None:
        text, keyboard = await _participants(context, meeting)
        await message.reply_text(text, reply_markup=keyboard)
    elif step == "f" and message is not None:
        await message.reply_document(InputFile(await _csv(context, meeting),
                                               filename=plain("meeting.csv_name",
                                                              id=meeting.id)),
                                     caption=_("meeting.csv_caption",
                                               title=meeting.title or "-"))
    elif step == "e" and message is not None and values[2:3] in (["when"], ["place"]):
        start_editing(meeting, values[2], (await context.ensure_person()).id)
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


async def _participants(context: OtagaiContext, meeting: Meeting
                        ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The list of who comes and who waits, as many whole lines as one message holds.

    A longer list ends with how many more there are, and the CSV button (the file has all).
    """
    rows = await signups(context.session, meeting.id)
    confirmed = [p for s, p in rows if s.status == SignupStatus.CONFIRMED]
    waiting = [p for s, p in rows if s.status == SignupStatus.WAITING]
    first = [_("meeting.participant_line", number=i, name=p.display_name or "-")
             for i, p in enumerate(confirmed, 1)]
    second = [_("meeting.participant_line", number=i, name=p.display_name or "-")
              for i, p in enumerate(waiting, 1)]

    def text(shown: int, note: list[str]) -> str:
        nobody = [_("meeting.nobody")]
        return "\n".join([
            _("meeting.participants", title=meeting.title or "-", confirmed=len(confirmed),
              capacity=meeting.capacity or "-"),
            *(first[:shown] if first else nobody), "",
            _("meeting.waiting_heading", count=len(waiting)),
            *(second[:max(shown - len(first), 0)] if second else nobody), *note])

    everyone = len(first) + len(second)
    if _telegram_length(text(everyone, [])) <= TEXT_LIMIT:
        return text(everyone, []), None
    # Whole lines in order while they fit beside the note (counted at its longest).
    room = TEXT_LIMIT - _telegram_length(
        text(0, ["", _("meeting.participants_more", count=everyone)]))
    shown = 0
    for line in (*first, *second):
        room -= _telegram_length(line) + 1  # and its newline
        if room < 0:
            break
        shown += 1
    keyboard = InlineKeyboardMarkup(
        [[button("meeting.button.csv", callback_data(ORGANISE, "f", meeting.id))]])
    return text(shown, ["", _("meeting.participants_more", count=everyone - shown)]), keyboard


def _telegram_length(html_text: str) -> int:
    """The length Telegram counts for this HTML: UTF-16 units of what is shown."""
    return len(html.unescape(_TAG.sub("", html_text)).encode("utf-16-le")) // 2


_TAG = re.compile(r"<[^>]*>")


STATUS_LABELS = {SignupStatus.CONFIRMED: N_("meeting.status.confirmed"),
                 SignupStatus.WAITING: N_("meeting.status.waiting")}


async def _csv(context: OtagaiContext, meeting: Meeting) -> bytes:
    header = [plain("meeting.csv.name"), plain("meeting.csv.status"), plain("meeting.csv.order"),
              plain("meeting.csv.attended"), plain("meeting.csv.signed_up")]
    rows: list[list[str | int]] = [
        [person.display_name or "-", plain(STATUS_LABELS[signup.status]), signup.position,
         plain("meeting.csv.yes") if signup.attended else "", format_datetime(signup.created_at)]
        for signup, person in await signups(context.session, meeting.id)]
    return csv_bytes(header, rows)  # names stay text, never formulas


async def _tell_everyone(context: OtagaiContext, meeting: Meeting, what: str) -> int:
    """Queue a change or cancellation notice to everyone confirmed or waiting."""
    stamp = utcnow().timestamp()
    told = 0
    params: dict[str, Param] = {"title": meeting.title or "-", "when": when(meeting)}
    if what == "cancelled":
        notice = Notice(N_("meeting.cancelled_notice"), params)
    else:
        notice = Notice(N_("meeting.changed_notice"), {**params, "place": meeting.place or "-"})
    for _signup, person in await signups(context.session, meeting.id):
        if person.active:
            await tell(context, person, f"meeting-{what}:{meeting.id}:{person.id}:{stamp}",
                       notice)
            told += 1
    return told


async def take_change(message: Message, context: OtagaiContext, meeting: Meeting,
                       text: str) -> None:
    """Apply a typed new time or place, tell everyone signed up, and edit the posts."""
    if not await may_manage(context, meeting):
        stop_editing(meeting)
        await message.reply_text(_("meeting.manage_not_allowed"))
        return
    if meeting.awaiting == "invite":
        await take_invite_search(message, context, meeting, text)
        return
    if meeting.awaiting == "place":
        if change_place(meeting, text) is MeetingProblem.BAD_PLACE:
            await message.reply_text(_("meeting.bad_place", limit=PLACE_LENGTH))
            return
    else:  # the new time is asked about and read back; はい saves it
        found = read_new_when(text)
        if isinstance(found, str):
            await message.reply_text(_(found, text=text))
            return
        question, keyboard, _step = when_question(CHANGE_WHEN, meeting.id, found.when,
                                                  found.asks, carry=True)
        sent = await message.reply_text(question, reply_markup=keyboard)
        await asked(context, "meeting.change_when", sent, question, keyboard,
                    target_id=meeting.id, typed=True)  # a date typed again replaces it
        return
    await _changed(context, meeting, message)


async def _changed(context: OtagaiContext, meeting: Meeting, message: Message | None,
                   query: Pressed | None = None) -> None:
    """The change is made: tell everyone signed up, say so, and edit the posts."""
    stop_editing(meeting)
    told = await _tell_everyone(context, meeting, "changed")
    done = _("meeting.changed", title=meeting.title or "-", count=told)
    if query is not None:
        await edit_or_keep(query, done)
    elif message is not None:
        await message.reply_text(done)
    await refresh_posts(context, meeting)


async def on_change_when_button(press: Press) -> None:
    """A meeting's new time: はい to next year's date, 午前/午後, はい at the read-back, or
    type again. The time travels in the buttons."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    step, meeting = press.step or "", await context.session.get(Meeting, press.values[0])
    person, when = context.person, moment_of(values, 2)
    if (meeting is None or person is None or meeting.status != MeetingStatus.SCHEDULED
            or meeting.awaiting != "when" or meeting.editing_by_id != person.id
            or step not in WHEN_STEPS or (step != "wn" and when is None)):
        await stale_button(update, context)
        return
    if not await may_manage(context, meeting):
        await refuse(update, "meeting.manage_not_allowed")
        return
    await query.answer()
    if step == "wn" or when is None:
        await edit_or_keep(query, _("meeting.ask_when"))
        await asked(context, "meeting.change_when", query.message, _("meeting.ask_when"),
                    target_id=meeting.id, typed=True)
        return
    if step == "wy":
        if await change_when(context.session, meeting, when, utcnow()) is not None:
            await edit_or_keep(query, _("meeting.past_when",
                                        text=span_label(when.start, when.end)))
            return  # still waiting for a time
        await _changed(context, meeting, None, query)
        return
    asks = (Clarify.AMBIGUOUS_HOUR,) if step == "yy" and hour_too(values) else ()
    question, keyboard, _step = when_question(
        CHANGE_WHEN, meeting.id, afternoon(when) if step == "hp" else when, asks, carry=True)
    await edit_or_keep(query, question, keyboard)
    await asked(context, "meeting.change_when", query.message, question, keyboard,
                target_id=meeting.id, typed=True)


# --- attendance ----------------------------------------------------------------------------

async def _attendance_view(context: OtagaiContext, meeting: Meeting
                           ) -> tuple[str, InlineKeyboardMarkup]:
    rows = await signups(context.session, meeting.id, (SignupStatus.CONFIRMED,))
    came = sum(1 for signup, _person in rows if signup.attended)
    keyboard = [[InlineKeyboardButton(
        chosen(person.display_name or "-", signup.attended),
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


async def on_attendance_button(press: Press) -> None:
    """Show the list, mark who came, count walk-ins, finish."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    step, meeting = press.step, press.target
    if meeting.status != MeetingStatus.SCHEDULED:
        await stale_button(update, context)
        return
    if not await may_manage(context, meeting) or not is_private(update):
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
