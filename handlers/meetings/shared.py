"""What the meeting handlers share: button prefixes, the card, the join buttons, whom to
tell and in which language."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import datetime

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot.context import OtagaiContext
from bot.identity import chat_of_group
from handlers.common import (
    button,
    callback_data,
)
from handlers.router import Press
from locales.i18n import N_, current_zone, normalize_language, use_language
from locales.meeting_text import card
from models import (
    Area,
    Meeting,
    MeetingStatus,
    Person,
)
from models.areas import all_areas
from models.clock import utcnow
from models.meetings import (
    JoinOutcome,
    announcements,
    counts,
    may_see,
    signup_open,
)
from models.notices import Choice as Option
from models.notices import Notice
from models.outbox import enqueue, enqueue_once
from models.permissions import Action
from models.when import Reading
from models.when import read_when as read_when_asking
from scheduler.meetings import when

log = logging.getLogger(__name__)


DRAFT, JOIN, ORGANISE, ATTEND = "mt", "mj", "mo", "ma"
CHANGE_WHEN = "mw"  # the questions and read-back of a meeting's new time
PAYLOAD = "ev"  # /start ev<meeting id>: open a meeting from a group post or a card
INVITE_PAYLOAD = "mi"  # /start mi<token>: a one-time invitation to a meeting by invitation
LIST_LIMIT = 5
JOIN_ANSWERS = {
    JoinOutcome.CONFIRMED: N_("meeting.joined"),
    JoinOutcome.WAITING: N_("meeting.joined_waiting"),
    JoinOutcome.ALREADY_CONFIRMED: N_("meeting.already_confirmed"),
    JoinOutcome.ALREADY_WAITING: N_("meeting.already_waiting"),
    JoinOutcome.CLOSED: N_("meeting.closed"),
    JoinOutcome.CANCELLED: N_("meeting.is_cancelled"),
    JoinOutcome.NOT_INVITED: N_("fallback.stale_button"),  # as for a meeting that is not there
}


async def area_name(context: OtagaiContext, meeting: Meeting) -> str:
    area = await context.session.get(Area, meeting.area_id) if meeting.area_id else None
    return area.name if area else "-"


async def meeting_card(context: OtagaiContext, meeting: Meeting) -> str:
    return card(meeting, await area_name(context, meeting),
                await counts(context.session, meeting.id),
                closed=not signup_open(meeting, utcnow()))


def join_keyboard(meeting: Meeting) -> InlineKeyboardMarkup | None:
    if meeting.status != MeetingStatus.SCHEDULED:
        return None
    return InlineKeyboardMarkup([[button("meeting.button.join", callback_data(JOIN, "j",
                                                                                meeting.id)),
                                  button("meeting.button.leave", callback_data(JOIN, "c",
                                                                                 meeting.id))]])


def invite_keyboard(meeting: Meeting) -> InlineKeyboardMarkup:
    """名前で招待する / 招待リンクを作る: the organiser's ways to invite people."""
    return InlineKeyboardMarkup([
        [button("meeting.button.invite", callback_data(ORGANISE, "iv", meeting.id))],
        [button("meeting.button.invite_link", callback_data(ORGANISE, "il", meeting.id))]])


def join_choices(meeting: Meeting) -> list[list[Option]]:
    """参加する / 参加をやめる under a meeting's card sent later (a group post, an invitation),
    worded by the channel in the reader's language."""
    return [[Option("meeting.button.join", (JOIN, "j", meeting.id)),
             Option("meeting.button.leave", (JOIN, "c", meeting.id))]]


async def organisable_areas(context: OtagaiContext) -> list[Area]:
    permissions = await context.permissions()
    return permissions.areas_in_scope(Action.ORGANISE_MEETING, await all_areas(context.session))


async def may_manage(context: OtagaiContext, meeting: Meeting) -> bool:
    """The organiser, or a coordinator of the meeting's area."""
    person = context.person
    if person is not None and person.id == meeting.organiser_id:
        return True
    area = await context.session.get(Area, meeting.area_id) if meeting.area_id else None
    return area is not None and (await context.permissions()).may(Action.ORGANISE_MEETING, area)


async def visible(context: OtagaiContext, meeting: Meeting) -> bool:
    """True if the sender may see this meeting at all (see ``models.meetings.may_see``).

    A meeting by invitation is seen by its organiser, the coordinators who may organise
    meetings in its area and the invited; to anyone else it is answered as if it did not
    exist (a forged id or button learns nothing, not even that it exists).
    """
    if meeting.status == MeetingStatus.DRAFT:
        return False
    if meeting.open:
        return True
    return await may_see(context.session, meeting, context.person,
                         manages=await may_manage(context, meeting))


async def visible_meeting(press: Press) -> Meeting | None:
    """The meeting a button is about, if this person may see it (a loader for the router)."""
    meeting = await press.context.session.get(Meeting, press.values[0])
    return meeting if meeting is not None and await visible(press.context, meeting) else None


def now_local() -> datetime:
    return utcnow().astimezone(current_zone())


def for_person(person: Person, context: OtagaiContext) -> AbstractContextManager[None]:
    return use_language(normalize_language(person.language), context.settings.zone)


def in_group_language(context: OtagaiContext) -> AbstractContextManager[None]:
    return use_language(context.settings.default_language, context.settings.zone)


async def refresh_posts(context: OtagaiContext, meeting: Meeting) -> set[tuple[int, int]]:
    """Edit every group post of the meeting to show the current count; return them."""
    with in_group_language(context):
        text = await meeting_card(context, meeting)
        keyboard = join_keyboard(meeting)
    edited: set[tuple[int, int]] = set()
    for post, sent_id in await announcements(context.session, meeting.id):
        chat = await chat_of_group(context.session, post.group_id) if post.group_id else None
        if sent_id is None or chat is None:
            continue  # not sent yet: it will go out with the count of its time
        edited.add((chat, int(sent_id)))
        try:
            await context.bot.edit_message_text(text, chat_id=chat, message_id=int(sent_id),
                                                reply_markup=keyboard)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                log.warning("could not edit meeting post in %s: %s", chat, exc)
        except TelegramError as exc:
            log.warning("could not edit meeting post in %s: %s", chat, exc)
    return edited


async def tell(context: OtagaiContext, person: Person, key: str, notice: Notice) -> None:
    """Queue a notice to someone other than the sender (or to the sender, privately)."""
    if not person.active:
        return
    enqueue(context.session, key=key, notice=notice, person_id=person.id)
    context.services.wake_dispatcher()


async def tell_card(context: OtagaiContext, person: Person, key: str, text: str,
                    choices: list[list[Option]]) -> None:
    """Queue a message already written (a meeting's card, in the person's language)."""
    if not person.active:
        return
    enqueue(context.session, key=key, text=text, person_id=person.id, choices=choices)
    context.services.wake_dispatcher()


async def tell_once(context: OtagaiContext, person: Person, key: str, notice: Notice) -> None:
    """Queue a notice to someone unless one with the same key was queued before."""
    if not person.active:
        return
    if await enqueue_once(context.session, key=key, notice=notice, person_id=person.id):
        context.services.wake_dispatcher()


def confirmed_choices(meeting: Meeting) -> tuple[tuple[Option, ...], ...]:
    """A confirmed place's buttons: the calendar file, and cancelling."""
    return ((Option(N_("meeting.button.ics"), (JOIN, "i", meeting.id)),),
            (Option(N_("meeting.button.leave"), (JOIN, "c", meeting.id)),))


async def tell_promoted(context: OtagaiContext, meeting: Meeting, promoted: Person | None
                        ) -> None:
    """Tell whoever moved up from the waiting line that they have a place now."""
    if promoted is None:
        return
    notice = Notice(N_("meeting.promoted"), {"title": meeting.title or "-",
                                             "when": when(meeting),
                                             "place": meeting.place or "-"},
                    confirmed_choices(meeting))
    await tell(context, promoted, f"meeting-promoted:{meeting.id}:{promoted.id}:"
               f"{utcnow().timestamp()}", notice)


def read_new_when(text: str) -> Reading | str:
    """Return the typed start and end with what to ask about them, or the catalog key of what
    is wrong. A date or time that is only past in its first reading (11月1日 on 30 November,
    taken as next year's) is asked about, not refused."""
    now = now_local()
    found = read_when_asking(text, now)
    if found is None:
        return N_("meeting.bad_when")
    if found.when.start <= now:
        return N_("meeting.past_when")
    return found
