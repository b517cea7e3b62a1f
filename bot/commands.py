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

from locales.i18n import LANGUAGES, N_, Language, plain, use_language
from models.permissions import Action, Permissions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """A slash command: its name, the catalog key of its description, where it works, and
    what permission it needs (see ``models.permissions``)."""

    name: str
    description: str
    private: bool = True
    group: bool = False
    action: Action = Action.USE_BOT


# Order is the order people see in the menu and in /help.
COMMANDS: tuple[Command, ...] = (
    Command("start", N_("command.start"), private=True, group=True),
    Command("help", N_("command.help"), private=True, group=True),
    Command("cancel", N_("command.cancel")),
    Command("activities", N_("command.activities"), private=True, group=True),
    Command("newactivity", N_("command.newactivity")),
    Command("myactivities", N_("command.myactivities")),
    Command("events", N_("command.events"), private=True, group=True),
    Command("newevent", N_("command.newevent"), action=Action.ORGANISE_MEETING),
    Command("myevents", N_("command.myevents"), action=Action.ORGANISE_MEETING),
    Command("checkin", N_("command.checkin")),
    Command("watch", N_("command.watch")),
    Command("away", N_("command.away")),
    Command("offer", N_("command.offer"), action=Action.OFFER_HELP),
    Command("needs", N_("command.needs"), action=Action.FOLLOW_NEEDS),
    Command("digest", N_("command.digest"), action=Action.SEE_DIGEST),
    Command("episode", N_("command.episode"), action=Action.FOLLOW_NEEDS),
    Command("report", N_("command.report"), action=Action.SEE_REPORT),
    Command("mydata", N_("command.mydata")),
    Command("roles", N_("command.roles")),
    Command("broadcast", N_("command.broadcast"), action=Action.BROADCAST),
    Command("broadcasts", N_("command.broadcasts"), action=Action.BROADCAST),
    Command("invite", N_("command.invite"), action=Action.INVITE),
    Command("link", N_("command.link"), private=False, group=True, action=Action.LINK_GROUP),
    Command("unlink", N_("command.unlink"), private=False, group=True,
            action=Action.LINK_GROUP),
    Command("areas", N_("command.areas"), action=Action.SEE_AREAS),
    Command("addarea", N_("command.addarea"), action=Action.MANAGE_AREAS),
    Command("addcouncil", N_("command.addcouncil"), action=Action.MANAGE_AREAS),
    Command("settings", N_("command.settings")),
    Command("language", N_("command.language")),
    Command("forget", N_("command.forget")),
)

EVERYONE = Permissions(())


def commands_for(*, group: bool, permissions: Permissions = EVERYONE) -> list[Command]:
    """Return the commands this person may use in a group chat (``group``) or a private one."""
    return [c for c in COMMANDS
            if (c.group if group else c.private) and permissions.may(c.action)]


def bot_commands(
    language: Language, *, group: bool, permissions: Permissions = EVERYONE
) -> list[BotCommand]:
    """Return the menu entries for one language, kind of chat and person."""
    with use_language(language):
        return [BotCommand(c.name, plain(c.description))
                for c in commands_for(group=group, permissions=permissions)]


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


async def publish_chat_commands(
    bot: ExtBot[None], chat_id: int, language: Language, permissions: Permissions = EVERYONE
) -> None:
    """Show one private chat the menu in its person's language, with what their roles allow."""
    try:
        await bot.set_my_commands(
            bot_commands(language, group=False, permissions=permissions),
            scope=BotCommandScopeChat(chat_id),
        )
    except TelegramError as exc:
        log.warning("could not set the command menu for chat %s (%s)", chat_id, exc)


async def forget_chat_commands(bot: ExtBot[None], chat_id: int) -> None:
    """Drop a private chat's own menu, so it falls back to the everyone's menu."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not reset the command menu for chat %s (%s)", chat_id, exc)
