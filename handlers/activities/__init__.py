"""/newactivity, /activities and the review of proposals: the neighbourhood's resources.

``propose``: the guided proposal; ``review``: a coordinator approves or declines it;
``browse``: /activities and the activity card; ``edit``: changes by the organiser or a
coordinator; ``shared``: prefixes and reasons. Drafts and changes live in the database.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
)

from bot.context import OtagaiContext
from handlers.activities import edit, propose, review, survey
from handlers.activities.browse import browse, browse_buttons
from handlers.activities.edit import take_change
from handlers.activities.propose import begin, take_draft_answer
from handlers.activities.shared import BROWSE, CHANGE_SCHEDULE, PREFIX, REVIEW, SURVEY
from handlers.router import router_of
from handlers.typed_input import TypedInput
from locales.i18n import N_
from models.activities import (
    being_edited_by,
    draft_of,
    leave_activity_steps,
    waiting_for_text,
)

__all__ = ["TYPED", "register"]


async def capture_text(update: Update, context: OtagaiContext) -> None:
    """Take typed answers for a draft or a change; other text passes on to other handlers."""
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
    """Attach the activity commands and their buttons (typed text: ``TYPED``)."""
    application.add_handler(CommandHandler("newactivity", begin))
    application.add_handler(CommandHandler("activities", browse))
    router = router_of(application)
    propose.register_buttons(router)  # a kind typed as on its button works too
    review.register_buttons(router)
    survey.register_buttons(router)
    edit.register_buttons(router)
    browse_buttons(router)


# Typed text while this capability waits for it (see handlers.typed_input).
TYPED = TypedInput(waiting_for_text, capture_text, leave_activity_steps,
                   N_("conversation.what.activity"),
                   (PREFIX, REVIEW, BROWSE, SURVEY, CHANGE_SCHEDULE))
