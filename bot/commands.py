"""The bot's commands, where they work, and the menus Telegram shows for them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.i18n import LANGUAGES, N_, Language, plain, use_language

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """A slash command: its name, the catalog key of its description, and where it works."""

    name: str
    description: str
    private: bool = True
    group: bool = False


# Order is the order people see in the menu and in /help.
COMMANDS: tuple[Command, ...] = (
    Command("start", N_("command.start"), private=True, group=True),
    Command("help", N_("command.help"), private=True, group=True),
    Command("language", N_("command.language")),
)

COMMAND_NAMES = frozenset(command.name for command in COMMANDS)


def commands_for(*, group: bool) -> list[Command]:
    """Return the commands that work in a group chat (``group``) or a private chat."""
    return [c for c in COMMANDS if (c.group if group else c.private)]


def bot_commands(language: Language, *, group: bool) -> list[BotCommand]:
    """Return the menu entries for one language and kind of chat."""
    with use_language(language):
        return [BotCommand(c.name, plain(c.description)) for c in commands_for(group=group)]


async def publish_commands(bot: ExtBot[None], default_language: Language) -> None:
    """Set the command menus per language and per scope; a refusal is only a warning."""
    scopes: list[tuple[BotCommandScope, bool]] = [
        (BotCommandScopeAllPrivateChats(), False),
        (BotCommandScopeAllGroupChats(), True),
    ]
    try:
        for scope, group in scopes:
            # No language_code: what people whose Telegram language we do not speak see.
            await bot.set_my_commands(bot_commands(default_language, group=group), scope=scope)
            for language in LANGUAGES:
                await bot.set_my_commands(
                    bot_commands(language, group=group), scope=scope, language_code=language
                )
    except TelegramError as exc:
        log.warning("could not set the command menus (%s); the bot works without them", exc)


async def publish_chat_commands(bot: ExtBot[None], chat_id: int, language: Language) -> None:
    """Show one private chat the menu in the language its person chose."""
    try:
        await bot.set_my_commands(
            bot_commands(language, group=False), scope=BotCommandScopeChat(chat_id)
        )
    except TelegramError as exc:
        log.warning("could not set the command menu for chat %s (%s)", chat_id, exc)
