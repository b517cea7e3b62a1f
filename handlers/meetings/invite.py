"""Inviting people to a meeting by invitation: by name (a list of the district's people with
pages, or part of a name typed), or by a one-time link; each invitee is told privately."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import OtagaiContext
from handlers.common import button, callback_data, chosen, deep_link, edit_or_keep, int_value
from handlers.fallback import stale_button
from handlers.meetings.shared import (
    INVITE_PAYLOAD,
    ORGANISE,
    area_name,
    for_person,
    join_choices,
    meeting_card,
    tell_card,
)
from handlers.router import Int
from locales.i18n import _, plain
from models import Meeting, SignupStatus
from models.invitations import (
    PAGE_SIZE,
    SEARCH_LIMIT,
    Candidates,
    candidates,
    invite,
    invited_people,
    new_link,
)
from models.meetings import signups, start_editing, stop_editing
from models.people import NAME_LENGTH

# iv: the list (first page); ip: another page; ia: invite one; il: a link;
# is: type a name again; iw: who is invited.
INVITE_STEPS = ("iv", "ip", "ia", "il", "is", "iw")
PAGE = Int(digits=6)  # a page of names
SEARCHED = "s"  # in place of a page number: the name was pressed in a search's answer
MAX_LISTED = 50  # invitees listed by name in one message
ECHOED = 30  # characters of a typed name repeated in the answer


def _name_rows(meeting: Meeting, found: Candidates, page: int | str
               ) -> list[list[InlineKeyboardButton]]:
    return [[InlineKeyboardButton(
        chosen(person.display_name or "-", person.id in found.invited),
        callback_data=callback_data(ORGANISE, "ia", meeting.id, person.id, page))]
        for person in found.people]


def _tools(meeting: Meeting) -> list[list[InlineKeyboardButton]]:
    return [[button("meeting.button.invite_link", callback_data(ORGANISE, "il", meeting.id))],
            [button("meeting.button.invited_list", callback_data(ORGANISE, "iw", meeting.id))]]


async def _page(context: OtagaiContext, meeting: Meeting, page: int
                ) -> tuple[str, InlineKeyboardMarkup]:
    """A page of the names one may invite, with ◀ ▶ and the other tools."""
    found = await candidates(context.session, meeting, page=page)
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if page >= pages and page > 0:
        return await _page(context, meeting, pages - 1)
    text = _("meeting.invite_menu", title=meeting.title or "-",
             area=await area_name(context, meeting), total=found.total,
             page=page + 1, pages=pages)
    rows = _name_rows(meeting, found, page)
    turn = []
    if page > 0:
        turn.append(button("meeting.button.page_prev",
                           callback_data(ORGANISE, "ip", meeting.id, page - 1)))
    if page + 1 < pages:
        turn.append(button("meeting.button.page_next",
                           callback_data(ORGANISE, "ip", meeting.id, page + 1)))
    return text, InlineKeyboardMarkup([*rows, *([turn] if turn else []), *_tools(meeting)])


def _wait_for_a_name(context: OtagaiContext, meeting: Meeting) -> None:
    assert context.person is not None
    start_editing(meeting, "invite", context.person.id)


async def on_invite_button(update: Update, context: OtagaiContext, meeting: Meeting,
                           step: str, values: list[str]) -> None:
    """The organiser's invitation tools (already checked: she may manage this meeting)."""
    query = update.callback_query
    assert query is not None
    if meeting.open:
        await stale_button(update, context)
        return
    message = query.message
    if step == "ia":
        await _invite_one(update, context, meeting, values)
        return
    await query.answer()
    if message is None:
        return
    if step == "iv":
        _wait_for_a_name(context, meeting)
        text, keyboard = await _page(context, meeting, 0)
        await message.reply_text(text, reply_markup=keyboard)
    elif step == "ip":
        await edit_or_keep(query, *await _page(context, meeting,
                                               max(int_value(values, 2) or 0, 0)))
    elif step == "is":
        _wait_for_a_name(context, meeting)
        await message.reply_text(_("meeting.invite_type_name"))
    elif step == "il":
        link = await new_link(context.session, meeting, context.person)
        assert link is not None
        assert link.token is not None
        await message.reply_text(_("meeting.invite_link_made", title=meeting.title or "-",
                                   link=deep_link(context, INVITE_PAYLOAD + link.token)))
    else:
        await message.reply_text(await _invited_text(context, meeting))


async def _invite_one(update: Update, context: OtagaiContext, meeting: Meeting,
                      values: list[str]) -> None:
    """Invite the pressed name, tell them, and mark the name as chosen."""
    query = update.callback_query
    assert query is not None
    person_id = int_value(values, 2)
    invitee = await invite(context.session, meeting, person_id, context.person) \
        if person_id is not None else None
    if invitee is None:
        already = next((p for p in (await invited_people(context.session, meeting.id))
                        if p.id == person_id), None)
        if already is None:
            await stale_button(update, context)  # a forged id, or someone who moved away
            return
        await query.answer(plain("meeting.already_invited", name=already.display_name or "-"),
                           show_alert=True)
        return
    await query.answer(plain("meeting.invited_one", name=invitee.display_name or "-"),
                       show_alert=True)
    inviter = context.person.display_name if context.person else None
    with for_person(invitee, context):
        text = (_("meeting.invitation_notice", organiser=inviter or "-") + "\n\n"
                + await meeting_card(context, meeting))
    await tell_card(context, invitee, f"meeting-invited:{meeting.id}:{invitee.id}", text,
                    join_choices(meeting))
    page = values[3] if len(values) > 3 else SEARCHED
    if page.isdecimal():
        await edit_or_keep(query, *await _page(context, meeting, int(page)))
    elif query.message is not None and query.message.text and query.message.reply_markup:
        marked = [[InlineKeyboardButton(
            chosen(b.text) if b.callback_data == query.data and not b.text.startswith(
                chosen("")) else b.text, callback_data=b.callback_data) for b in row]
            for row in query.message.reply_markup.inline_keyboard]
        await edit_or_keep(query, query.message.text_html, InlineKeyboardMarkup(marked))


async def take_invite_search(message: Message, context: OtagaiContext, meeting: Meeting,
                             text: str) -> None:
    """Typed part of a name: the people it finds, to press; nothing found: type again."""
    if meeting.open:
        stop_editing(meeting)
        return
    found = await candidates(context.session, meeting, search=text[:NAME_LENGTH])
    shown = text[:ECHOED] + ("…" if len(text) > ECHOED else "")
    if not found.people:
        await message.reply_text(_("meeting.invite_none_found", text=shown))
        return  # still waiting for a name
    stop_editing(meeting)
    lines = [_("meeting.invite_found", text=shown, count=found.total)]
    if found.total > SEARCH_LIMIT:
        lines.append(_("meeting.invite_found_more", shown=SEARCH_LIMIT))
    rows = _name_rows(meeting, found, SEARCHED)
    rows.append([button("meeting.button.search_again", callback_data(ORGANISE, "is",
                                                                       meeting.id))])
    rows += _tools(meeting)
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


async def _invited_text(context: OtagaiContext, meeting: Meeting) -> str:
    """Who is invited, and whether each has signed up."""
    people = await invited_people(context.session, meeting.id)
    states = {person.id: signup.status for signup, person in await signups(
        context.session, meeting.id, (SignupStatus.CONFIRMED, SignupStatus.WAITING))}
    lines = [_("meeting.invited_heading", title=meeting.title or "-", count=len(people))]
    for number, person in enumerate(people[:MAX_LISTED], 1):
        state = states.get(person.id)
        label = plain("meeting.status.confirmed") if state == SignupStatus.CONFIRMED \
            else plain("meeting.status.waiting") if state == SignupStatus.WAITING \
            else plain("meeting.invited_no_answer")
        lines.append(_("meeting.invited_line", number=number,
                       name=person.display_name or "-", state=label))
    if not people:
        lines.append(_("meeting.nobody"))
    if len(people) > MAX_LISTED:
        lines.append(_("meeting.invited_more", count=len(people) - MAX_LISTED))
    return "\n".join(lines)
