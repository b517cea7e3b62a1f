"""/start and /help: what the bot is for, where a deep link leads, and the commands."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from bot.commands import commands_for
from bot.context import OtagaiContext
from handlers import groups, invites, meetings, onboarding, watching
from handlers.common import (
    button,
    callback_data,
    is_private,
    refresh_menu,
    reply,
)
from handlers.router import Press, router_of
from locales.i18n import _
from models import Area, AreaLevel, GroupChat, Role

HELP = "help"


def _start_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [button("start.button.help", callback_data(HELP))],
        [button("start.button.language", callback_data("lang"))],
    ])


async def start(update: Update, context: OtagaiContext) -> None:
    """Greet the person; follow an invite or group link; start onboarding for newcomers."""
    if update.effective_message is None:
        return
    if not is_private(update):
        await groups.introduce(update, context)
        return
    payload = context.args[0] if context.args else ""
    if payload.startswith(invites.PAYLOAD):
        token = payload.removeprefix(invites.PAYLOAD)
        invite = await invites.open_invite(update, context, token)
        if invite is not None:  # not registered yet: onboarding ends by using the invite
            area = await context.session.get(Area, invite.area_id) if invite.area_id else None
            suggested = area.id if area and area.level == AreaLevel.DISTRICT else None
            await onboarding.ask_district(update, context, suggested=suggested,
                                          invite_token=token)
        return
    if payload.startswith(watching.CONTACT_PAYLOAD):
        await watching.open_contact_invitation(
            update, context, payload.removeprefix(watching.CONTACT_PAYLOAD))
        return
    if await meetings.open_link(update, context, payload):
        return
    person = context.person
    if person is not None and person.has_consented:
        await update.effective_message.reply_text(_("start.private"),
                                                  reply_markup=_start_keyboard())
        if (await context.permissions()).top_role.rank > Role.SUPPORTER.rank:
            await refresh_menu(context)  # coordinators' menus list what their roles allow
        return
    await update.effective_message.reply_text(_("start.private_new"))
    group_id = groups.group_from_payload(payload)
    group = await context.session.get(GroupChat, group_id) if group_id else None
    await onboarding.ask_district(update, context, from_group=group)


def help_text(commands: list[str], *, group: bool) -> str:
    """Return the /help message listing ``commands`` (already formatted lines)."""
    heading = _("help.group") if group else _("help.private")
    return "\n".join([heading, "", *commands])


async def show_help(update: Update, context: OtagaiContext) -> None:
    """List the commands this person can use in this chat."""
    group = not is_private(update)
    commands = commands_for(group=group, permissions=await context.permissions())
    lines = [f"/{c.name} — {_(c.description)}" for c in commands]
    await reply(update, help_text(lines, group=group))


def register(application: Application) -> None:
    """Attach /start, /help and the help button."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", show_help))
    router_of(application).route(HELP, _help_button)


async def _help_button(press: Press) -> None:
    await show_help(press.update, press.context)
