"""/newevent, /events and /myevents: care meetings and workshops people sign up for.

``create``: the guided draft, registering and announcing; ``signup``: joining, cancelling,
/events and the calendar file; ``organise``: /myevents, changes and attendance; ``shared``:
the card, the buttons and whom to tell. Drafts and changes live in the database.
"""

from __future__ import annotations

from functools import partial

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
)

from bot.context import OtagaiContext
from handlers.dates import CARRIED, WHEN_STEPS
from handlers.meetings.create import begin, register_buttons, take_draft_answer
from handlers.meetings.invite import PAGE, SEARCHED
from handlers.meetings.organise import (
    my_meetings,
    on_attendance_button,
    on_change_when_button,
    on_organise_button,
    take_change,
)
from handlers.meetings.shared import (
    ATTEND,
    CHANGE_WHEN,
    DRAFT,
    INVITE_PAYLOAD,
    JOIN,
    ORGANISE,
    PAYLOAD,
    visible_meeting,
)
from handlers.meetings.signup import (
    list_upcoming,
    on_join_button,
    open_from_link,
    open_invitation,
)
from handlers.router import ID, Choice, OneOf, router_of
from handlers.typed_input import TypedInput
from locales.i18n import N_
from models.meetings import (
    being_edited_by,
    draft_of,
    leave_meeting_steps,
    waiting_for_text,
)

__all__ = ["TYPED", "open_link", "register"]


async def open_link(update: Update, context: OtagaiContext, payload: str) -> bool:
    """``/start ev<id>`` (a meeting one may see) or ``/start mi<token>`` (an invitation
    link); True if answered, False to let /start greet (or register) as usual."""
    if payload.startswith(INVITE_PAYLOAD):
        return await open_invitation(update, context, payload.removeprefix(INVITE_PAYLOAD))
    if payload.startswith(PAYLOAD):
        return await open_from_link(update, context, payload)
    return False


async def capture_text(update: Update, context: OtagaiContext) -> None:
    """Take typed answers for a draft or a change; other text passes on."""
    message, person = update.effective_message, context.person
    if message is None or person is None or not message.text:
        return
    text = message.text.strip()
    edited = await being_edited_by(context.session, person.id)
    draft = None if edited else await draft_of(context.session, person.id)
    if edited is not None:
        await take_change(message, context, edited, text)
    elif draft is not None and draft.awaiting is not None:
        await take_draft_answer(message, context, draft, text)
    else:
        return
    raise ApplicationHandlerStop  # the text was an answer


def register(application: Application) -> None:
    """Attach /newevent, /events, /myevents and their buttons (typed text: ``TYPED``)."""
    application.add_handler(CommandHandler("newevent", begin))
    application.add_handler(CommandHandler("events", list_upcoming))
    application.add_handler(CommandHandler("myevents", my_meetings))
    router = router_of(application)
    register_buttons(router)  # the draft's steps
    router.route(JOIN, on_join_button, ID, steps=("j", "c", "i"), load=visible_meeting)
    organise = partial(router.route, ORGANISE, on_organise_button, ID, load=visible_meeting)
    organise(steps=("p", "f", "x", "xy", "xn", "iv", "il", "is", "iw"))
    organise(Choice("when", "place"), steps="e")
    organise(PAGE, steps="ip")
    organise(ID, OneOf(Choice(SEARCHED), PAGE), steps="ia")  # the name's page, or searched
    attend = partial(router.route, ATTEND, on_attendance_button, ID, load=visible_meeting)
    attend(steps=("v", "d"))
    attend(ID, steps="t")
    attend(Choice("+", "-"), steps="w")
    # A new time's questions (the time travels in the buttons; checked by the handler).
    router.route(CHANGE_WHEN, on_change_when_button, ID, *CARRIED, steps=WHEN_STEPS)


# Typed text while this capability waits for it (see handlers.typed_input).
TYPED = TypedInput(waiting_for_text, capture_text, leave_meeting_steps,
                   N_("conversation.what.meeting"), (DRAFT, ORGANISE, CHANGE_WHEN))
