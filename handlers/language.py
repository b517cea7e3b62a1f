"""/language: switch between Japanese and English."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from bot.commands import publish_chat_commands
from bot.context import OtagaiContext
from handlers.common import callback_data, edit_or_keep
from handlers.fallback import stale_button
from handlers.router import Choice, Press, router_of
from locales import i18n
from locales.i18n import LANGUAGES, _, plain
from models.people import set_language

PREFIX = "lang"


def language_keyboard() -> InlineKeyboardMarkup:
    """Return one button per language, each labelled in its own language."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(plain(f"language.name.{code}"),
                               callback_data=callback_data(PREFIX, code))]
         for code in LANGUAGES]
    )


async def ask_language(update: Update, _context: OtagaiContext) -> None:
    """Offer the languages as buttons."""
    if update.callback_query:
        await update.callback_query.answer()
    if update.effective_message:
        await update.effective_message.reply_text(
            _("language.choose"), reply_markup=language_keyboard()
        )


async def choose_language(press: Press) -> None:
    """Store the chosen language and confirm in it."""
    update, context, query, code = press.update, press.context, press.query, press.value(0)
    if code is None:  # the bare "lang" button from /start asks first
        await ask_language(update, context)
        return
    if update.effective_user is None:
        await stale_button(update, context)
        return
    set_language(await context.ensure_person(), code)
    i18n.set_language(code)
    await query.answer()
    await edit_or_keep(query, _("language.changed"))
    if update.effective_chat and update.effective_chat.type == "private":
        await publish_chat_commands(context.bot, update.effective_chat.id, code)


def register(application: Application) -> None:
    """Attach /language and its buttons."""
    application.add_handler(CommandHandler("language", ask_language))
    router_of(application).route(PREFIX, choose_language, Choice(*LANGUAGES, optional=True))
