"""Typed answers: text a person sends in private while one of their steps waits for it.

Each capability that asks for typed text (a draft's name, a need's note, a number of
participants…) says, as one SQL condition, when a person has such a step open, and which
function takes the text. One handler asks every condition in a single statement and gives
the text to the capabilities waiting, in the order below, until one takes it (by raising
``ApplicationHandlerStop``). Text nobody waits for goes on to the commands and fallbacks.

Each step also says how it is left (``leave``): when the person starts something else the
step stops waiting (``drop=False``); 「やめる」 or /cancel drops the flow's draft as its own
「やめる」 button does (``drop=True``). ``handlers.conversation`` decides when.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.context import OtagaiContext
from locales.i18n import N_
from models.base import which_hold

# Before PTB's group 0, where the commands and the fallbacks are.
TYPED_INPUT_GROUP = -1


@dataclass(frozen=True)
class TypedInput:
    """A step that waits for typed text: when it is open, and what takes the text."""

    waiting: Callable[[int], ColumnElement[bool]]  # the person's id -> "open" in SQL
    take: Callable[[Update, OtagaiContext], Awaitable[None]]  # stops the update if taken
    # (session, person id, drop=) -> whether something was open; stops the step waiting,
    # and with drop=True drops the flow's draft too.
    leave: Callable[..., Awaitable[bool]]
    what: str  # catalog key naming what is being typed, for 「〇〇の入力をやめました」
    prefixes: tuple[str, ...] = ()  # the flow's own buttons: pressing them does not leave it
    left: str = N_("conversation.typing_ended")  # the line said when left for something else

    async def end(self, session: AsyncSession, person_id: int, *, drop: bool) -> bool:
        """Leave the step (see ``leave``)."""
        return await self.leave(session, person_id, drop=drop)


async def give_to_waiting(update: Update, context: OtagaiContext, *,
                          inputs: Sequence[TypedInput]) -> None:
    """Hand the text to the open steps in order; return if none takes it."""
    person, message = context.person, update.effective_message
    if person is None or message is None or not message.text:
        return
    open_steps = await which_hold(context.session, [typed.waiting(person.id)
                                                    for typed in inputs])
    for typed, is_open in zip(inputs, open_steps, strict=True):
        if is_open:
            await typed.take(update, context)


def register(application: Application, inputs: Sequence[TypedInput]
             ) -> None:
    """Attach the one handler for typed answers, asking ``inputs`` in this order."""
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE,
                       partial(give_to_waiting, inputs=tuple(inputs))),
        group=TYPED_INPUT_GROUP)
