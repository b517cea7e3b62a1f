"""/start and /help: what the bot is for and which commands it knows."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.commands import commands_for
from bot.context import OtagaiContext
from bot.i18n import _, plain
from handlers.common import callback_data, callback_pattern

HELP = "help"


def _start_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(plain("start.button.help"), callback_data=callback_data(HELP))],
            [InlineKeyboardButton(plain("start.button.language"),
                                  callback_data=callback_data("lang"))],
        ]
    )


def help_text(*, group: bool) -> str:
    """Return the /help message for a private chat or a group chat."""
    lines = [f"/{c.name} — {_(c.description)}" for c in commands_for(group=group)]
    heading = _("help.group") if group else _("help.private")
    return "\n".join([heading, "", *lines])


async def start(update: Update, context: OtagaiContext) -> None:
    """Greet the person and say what the bot is for."""
    message = update.effective_message
    if message is None:
        return
    if update.effective_chat and update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(_("start.group", bot=context.bot.first_name))
        return
    await message.reply_text(_("start.private"), reply_markup=_start_keyboard())


async def show_help(update: Update, _context: OtagaiContext) -> None:
    """List the commands that work in this chat."""
    chat = update.effective_chat
    group = chat is not None and chat.type != ChatType.PRIVATE
    if update.callback_query:
        await update.callback_query.answer()
    if update.effective_message:
        await update.effective_message.reply_text(help_text(group=group))


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach /start, /help and the help button."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))
    application.add_handler(CallbackQueryHandler(show_help, pattern=callback_pattern(HELP)))
