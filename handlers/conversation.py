"""The conversation layer: the one question open for each person, and leaving it.

Every update in a private chat passes here first (before typed answers and commands):

- 「やめる」「キャンセル」「中止」 or /cancel end the open flow at any step: each flow drops
  what it was writing (as its own 「やめる」 button does) and the person is told what stopped.
- Another command, or a button of another flow, ends a step that waits for typed text first,
  with one line saying so; then the open question is closed (the flow asks its next one).
- Typed text while a question is open: the words on one of its buttons act as that button
  (every button goes through ``handlers.router``, typed or pressed); a typed step takes
  any other text; after the question lapsed, nothing is attached to it and the person is told;
  otherwise the question is asked again, with its buttons.

The question itself lives in the database (``models.conversation``): any process continues it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import suppress
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import OtagaiContext
from handlers.common import SEPARATOR
from handlers.router import Router, router_of
from handlers.typed_input import TypedInput
from locales.i18n import N_, _, plain
from models.base import which_hold
from models.clock import utcnow
from models.conversation import (
    LAPSE,
    Asked,
    OpenQuestion,
    answered,
    ask,
    close,
    is_leave_word,
    matching_answer,
    open_question,
    shown_again,
)

log = logging.getLogger(__name__)

# Before typed answers (-1) and the commands (0); and after the commands and buttons.
CONVERSATION_GROUP = -2
AFTER_GROUP = 1
# The topic of a typed step its flow did not record itself (noticed after the update).
TYPED_STEP = "typed"
# A question answered by buttons only stays open longer than one waiting for typed text.
BUTTONS_LAPSE = timedelta(hours=24)

# What each flow is called, for 「〇〇の入力をやめました」 (the topic's first part).
FLOW_NAMES = {
    "checkin": N_("conversation.what.checkin"),
    "need": N_("conversation.what.need"),
    "activity": N_("conversation.what.activity"),
    "meeting": N_("conversation.what.meeting"),
    "broadcast": N_("conversation.what.broadcast"),
    "count": N_("conversation.what.count"),
}
# Questions whose every choice is saved when it is pressed (settings, lists, menus): leaving
# them drops nothing, and the person is told so rather than 「何も保存していません」.
MENUS = frozenset({"checkin.settings", "settings.quiet", "watch.menu", "away.days",
                   "need.list", "need.card", "offer.categories", "count.sessions"})



class TypedPress:
    """A button's answer given as typed words: what the button's handler uses of a press.

    Answering shows nothing (a notice is sent as a message); "editing" the question sends the
    new text as a new message below the person's words and takes the buttons off the old one.
    """

    def __init__(self, message: Message, question: OpenQuestion, data: str) -> None:
        self.data: str | None = data
        self.message: Message = message  # the person's words, then the bot's new message
        self._question = question

    async def answer(self, text: str | None = None, show_alert: bool | None = None) -> bool:
        del show_alert
        if text:
            await self.message.reply_text(text)
        return True

    async def edit_message_text(self, text: str, *,
                                reply_markup: InlineKeyboardMarkup | None = None
                                ) -> Message | bool:
        await _take_buttons_off(self.message.get_bot(), self._question)
        self.message = await self.message.reply_text(text, reply_markup=reply_markup)
        return self.message


async def asked(context: OtagaiContext, topic: str, where: Any, text: str,
                markup: InlineKeyboardMarkup | None = None, *, target_id: int | None = None,
                typed: bool = False) -> None:
    """Record the question just shown in ``where`` (a message) as the person's open one."""
    person = context.person
    if person is None:
        return
    message = where if isinstance(where, Message) else None
    answers = [[[button.text, button.callback_data] for button in row
                if isinstance(button.callback_data, str)]
               for row in (markup.inline_keyboard if markup else ())]
    await ask(context.session, person.id, topic,
              Asked(shown_in=str(message.chat_id) if message else None,
                    shown_as=str(message.message_id) if message else None,
                    text=text, answers=[row for row in answers if row]),
              target_id=target_id, typed=typed, lapse=LAPSE if typed else BUTTONS_LAPSE)


async def _take_buttons_off(bot: Any, question: OpenQuestion) -> None:
    """Remove the buttons under a question that is over (best effort: it may be gone)."""
    if question.shown_in is None or question.shown_as is None or not question.answers:
        return
    with suppress(TelegramError):
        await bot.edit_message_reply_markup(chat_id=int(question.shown_in),
                                            message_id=int(question.shown_as), reply_markup=None)


def _private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


async def _leave_typed(context: OtagaiContext, inputs: Sequence[TypedInput],
                       keep: str | None = None) -> list[TypedInput]:
    """Stop every typed step that waits (but the flow owning the button ``keep``)."""
    person = context.person
    assert person is not None
    others = [typed for typed in inputs if keep is None or keep not in typed.prefixes]
    if not others:
        return []
    waiting = await which_hold(context.session, [typed.waiting(person.id) for typed in others])
    return [typed for typed, open_ in zip(others, waiting, strict=True)
            if open_ and await typed.end(context.session, person.id, drop=False)]


async def leave(update: Update, context: OtagaiContext, *,
                inputs: Sequence[TypedInput]) -> None:
    """「やめる」 or /cancel: end whatever flow is open and say what stopped."""
    message, person = update.effective_message, context.person
    if message is None:
        return
    if person is None:
        await message.reply_text(_("conversation.nothing_open"))
        return
    question = await close(context.session, person.id)
    stopped = [typed for typed in inputs
               if await typed.end(context.session, person.id, drop=True)]
    name = stopped[0].what if stopped else (
        FLOW_NAMES.get(question.flow) if question is not None else None)
    if question is not None:
        await _take_buttons_off(context.bot, question)
    if name is not None and (stopped or question is None or question.topic not in MENUS):
        await message.reply_text(_("conversation.left", what=plain(name)))
    elif question is not None:  # a menu, or a question of no flow with a draft
        await message.reply_text(_("conversation.closed"))
    else:
        await message.reply_text(_("conversation.nothing_open"))


async def on_cancel_command(update: Update, context: OtagaiContext, *,
                            inputs: Sequence[TypedInput]) -> None:
    """/cancel in a private chat."""
    if not _private(update):
        return
    await leave(update, context, inputs=inputs)
    raise ApplicationHandlerStop


async def on_command(update: Update, context: OtagaiContext, *,
                     inputs: Sequence[TypedInput]) -> None:
    """Another command: the typed step and the question open end first; the command goes on."""
    if not _private(update) or context.person is None or update.effective_message is None:
        return
    left = await _leave_typed(context, inputs)
    await close(context.session, context.person.id)
    if left:
        await update.effective_message.reply_text(_(left[0].left, what=plain(left[0].what)))


async def on_press(update: Update, context: OtagaiContext, *,
                   inputs: Sequence[TypedInput]) -> None:
    """A button: a typed step of another flow ends first; the open question is closed (the
    button's flow records its next one)."""
    query = update.callback_query
    if query is None or not _private(update) or context.person is None:
        return
    prefix = (query.data or "").split(SEPARATOR, 1)[0]
    left = await _leave_typed(context, inputs, keep=prefix)
    await close(context.session, context.person.id)
    if left and isinstance(query.message, Message):
        await query.message.reply_text(_(left[0].left, what=plain(left[0].what)))


async def on_text(update: Update, context: OtagaiContext, *,
                  inputs: Sequence[TypedInput], router: Router) -> None:
    """Typed text in private: leave words, a button's words, a lapse, or the question again."""
    message, person = update.effective_message, context.person
    if message is None or not message.text or person is None:
        return
    if is_leave_word(message.text):
        await leave(update, context, inputs=inputs)
        raise ApplicationHandlerStop
    question = await open_question(context.session, person.id)
    if question is None:
        return
    waiting = any(await which_hold(context.session, [typed.waiting(person.id)
                                                     for typed in inputs]))
    if question.lapsed(utcnow()):
        await close(context.session, person.id)
        for typed in inputs:
            await typed.end(context.session, person.id, drop=False)
        if question.typed and not waiting:
            return  # the flow had finished: nothing of its own is open any more
        await message.reply_text(_("conversation.lapsed"))
        raise ApplicationHandlerStop
    data = matching_answer(question, message.text)
    if data is not None:
        if not router.knows(data):
            await _ask_again(message, context, question, press=True)
        else:
            await close(context.session, person.id)
            await router.dispatch(update, context, TypedPress(message, question, data))
        raise ApplicationHandlerStop
    if question.typed:
        if waiting:
            answered(question, utcnow())  # its lapse counted from the last answer
            return  # on to the step waiting for it
        await close(context.session, person.id)
        return
    await _ask_again(message, context, question)
    raise ApplicationHandlerStop


async def after_update(update: Update, context: OtagaiContext, *,
                       inputs: Sequence[TypedInput]) -> None:
    """After a command or a button: a step now waiting for typed words that its flow did not
    record as a question is recorded here, so that it lapses like the others."""
    person = context.person
    if person is None or not _private(update):
        return
    if await open_question(context.session, person.id) is not None:
        return
    if any(await which_hold(context.session, [typed.waiting(person.id) for typed in inputs])):
        await ask(context.session, person.id, TYPED_STEP,
                  Asked(shown_in=None, shown_as=None, text="", answers=[]), typed=True)


async def _ask_again(message: Message, context: OtagaiContext, question: OpenQuestion, *,
                     press: bool = False) -> None:
    """Repeat the open question, with its buttons, below the person's words."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                    for label, data in row] for row in question.answers]
                                  ) if question.answers else None
    intro = _(N_("conversation.press_a_button") if press else N_("conversation.still_open"))
    sent = await message.reply_text(f"{intro}\n\n{question.text}", reply_markup=markup)
    await _take_buttons_off(context.bot, question)
    shown_again(question, str(sent.chat_id), str(sent.message_id))


def register(application: Application, inputs: Sequence[TypedInput]) -> None:
    """Attach the conversation layer before typed answers and commands."""
    inputs = tuple(inputs)
    for handler in (
            CommandHandler("cancel", partial(on_cancel_command, inputs=inputs)),
            MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE,
                           partial(on_command, inputs=inputs)),
            MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE,
                           partial(on_text, inputs=inputs, router=router_of(application))),
            CallbackQueryHandler(partial(on_press, inputs=inputs))):
        application.add_handler(handler, group=CONVERSATION_GROUP)
    after = partial(after_update, inputs=inputs)
    for handler in (MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, after),
                    CallbackQueryHandler(after)):
        application.add_handler(handler, group=AFTER_GROUP)
