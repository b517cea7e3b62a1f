"""Signing up: 参加する / キャンセル under a group post or a card, /events, the calendar
file; group posts show a live count, never names."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.context import OtagaiContext
from bot.identity import group_of
from handlers.common import (
    deep_link,
    edit_or_keep,
    is_private,
    refuse,
)
from handlers.fallback import stale_button
from handlers.meetings.shared import (
    JOIN_ANSWERS,
    LIST_LIMIT,
    PAYLOAD,
    area_name,
    confirmed_choices,
    in_group_language,
    join_keyboard,
    meeting_card,
    refresh_posts,
    tell,
    tell_once,
    tell_promoted,
    visible,
)
from handlers.router import Press
from locales.i18n import N_, _, plain
from locales.meeting_text import calendar_file
from models import (
    Area,
    Meeting,
    MeetingStatus,
    Person,
    SignupStatus,
)
from models.clock import utcnow
from models.invitations import LinkProblem, claim_link
from models.limits import full_notice_key
from models.meetings import (
    JoinOutcome,
    counts,
    in_scope,
    join,
    leave,
    scope_area_ids,
    signup_of,
    upcoming,
)
from models.notices import Notice
from scheduler.meetings import when


async def on_join_button(press: Press) -> None:
    """参加する, キャンセル, or the calendar file (a meeting this person may see)."""
    update, context, query = press.update, press.context, press.query
    step, meeting = press.step, press.target
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
    if meeting.open and not await in_scope(context.session, meeting, person):
        await query.answer(plain("meeting.other_area", area=await area_name(context, meeting)),
                           show_alert=True)
        return
    result = await join(context.session, meeting.id, person.id, utcnow())
    if result.outcome == JoinOutcome.NOT_INVITED:
        await stale_button(update, context)
        return
    title = meeting.title or "-"
    await query.answer(plain(JOIN_ANSWERS[result.outcome], title=title), show_alert=True)
    if result.outcome not in (JoinOutcome.CONFIRMED, JoinOutcome.WAITING):
        return
    stamp = utcnow().timestamp()
    if result.outcome == JoinOutcome.CONFIRMED:
        notice = Notice(N_("meeting.confirmation"), {
            "title": title, "when": when(meeting), "place": meeting.place or "-"},
            confirmed_choices(meeting))
        await tell(context, person, f"meeting-joined:{meeting.id}:{person.id}:{stamp}", notice)
    else:
        current = await counts(context.session, meeting.id)
        await tell(context, person, f"meeting-waiting:{meeting.id}:{person.id}:{stamp}",
                   Notice(N_("meeting.waiting_private"),
                          {"title": title, "position": current.waiting}))
    if result.became_full:
        await _tell_organiser_full(context, meeting, person)
    await _show_change(update, context, meeting)


async def _tell_organiser_full(context: OtagaiContext, meeting: Meeting, filled_by: Person
                               ) -> None:
    """Tell the organiser the meeting is full: once per person who took the last place, so
    pressing キャンセル and 参加する again and again does not tell them again."""
    organiser = await context.session.get(Person, meeting.organiser_id) \
        if meeting.organiser_id else None
    if organiser is None:
        return
    notice = Notice(N_("meeting.full_notice"), {"title": meeting.title or "-",
                                                "capacity": meeting.capacity or "-"})
    await tell_once(context, organiser, full_notice_key(meeting.id, filled_by.id), notice)


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
    await tell_promoted(context, meeting, result.promoted)
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
        await edit_or_keep(query, await meeting_card(context, meeting), join_keyboard(meeting))
    else:
        with in_group_language(context):
            text, keyboard = await meeting_card(context, meeting), join_keyboard(meeting)
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
        group = await group_of(context.session, chat.id) if chat else None
        district_id = group.district_id if group else None
    district = await context.session.get(Area, district_id) if district_id else None
    if district is None:
        await message.reply_text(_("meeting.no_district") if private
                                 else _("meeting.group_not_linked"))
        return
    meetings = await upcoming(context.session, scope_area_ids(district), utcnow(), LIST_LIMIT,
                              invited=context.person.id if private and context.person else None)
    if not meetings:
        await message.reply_text(_("meeting.none_upcoming", area=district.name))
        return
    await message.reply_text(_("meeting.events_heading", area=district.name,
                               count=len(meetings)))
    for meeting in meetings:
        if private:
            text, keyboard = await meeting_card(context, meeting), join_keyboard(meeting)
        else:
            with in_group_language(context):
                text, keyboard = await meeting_card(context, meeting), join_keyboard(meeting)
        await message.reply_text(text, reply_markup=keyboard)


async def open_from_link(update: Update, context: OtagaiContext, payload: str) -> bool:
    """Show the meeting a ``/start ev<id>`` link names, to a registered person; True if shown."""
    meeting_id = payload.removeprefix(PAYLOAD)
    person = context.person
    if not meeting_id.isdigit() or person is None or not person.has_consented \
            or update.effective_message is None:
        return False
    meeting = await context.session.get(Meeting, int(meeting_id))
    if meeting is None or not await visible(context, meeting):
        return False  # the same answer for a meeting by invitation one is not invited to
    await update.effective_message.reply_text(await meeting_card(context, meeting),
                                              reply_markup=join_keyboard(meeting))
    return True


async def open_invitation(update: Update, context: OtagaiContext, token: str) -> bool:
    """``/start mi<token>``: the invitation link makes the person an invitee; show the card.

    False for someone not registered yet: they are told to open the link again once
    registered, and /start goes on to the registration."""
    message = update.effective_message
    if message is None:
        return True
    person = context.person
    if person is None or not person.has_consented:
        await message.reply_text(_("meeting.link_register_first"))
        return False
    found = await claim_link(context.session, token, person, utcnow())
    if isinstance(found, LinkProblem):
        await message.reply_text(_("meeting.link_used") if found == LinkProblem.USED
                                 else _("meeting.link_unknown"))
        return True
    await message.reply_text(_("meeting.link_welcome"))
    await message.reply_text(await meeting_card(context, found),
                             reply_markup=join_keyboard(found))
    return True
