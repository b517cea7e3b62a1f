"""Group chats: the bot's introduction, joining by deep link, and /link to a district."""

from __future__ import annotations

import logging

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
)

from bot.context import OtagaiContext
from bot.identity import group_of, track
from handlers.common import (
    callback_data,
    deep_link,
    edit_or_keep,
    is_private,
    refuse,
)
from handlers.fallback import stale_button
from handlers.router import ID, Press, router_of
from locales.i18n import _, plain
from models import Area, GroupChat
from models.areas import districts, link_group
from models.permissions import Action

log = logging.getLogger(__name__)

PAYLOAD = "g"  # /start g<group id>: "I came from this group"
PREFIX = "lk"
PRESENT = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def group_from_payload(payload: str) -> int | None:
    """Return the group id carried by a ``/start g<id>`` deep link, if that is what it is."""
    if payload.startswith(PAYLOAD) and payload[1:].isdigit():
        return int(payload[1:])
    return None


async def _known_group(context: OtagaiContext, update: Update) -> GroupChat:
    chat = update.effective_chat
    assert chat is not None
    group = await group_of(context.session, chat.id)
    if group is None or not group.active:
        group = await track(context.session, chat.id, chat.title or "", present=True)
    return group


async def introduce(update: Update, context: OtagaiContext) -> None:
    """Post the bot's introduction in a group, with a button to open a private chat."""
    chat = update.effective_chat
    assert chat is not None
    group = await _known_group(context, update)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(
        plain("group.button.join"), url=deep_link(context, f"{PAYLOAD}{group.id}"))]])
    await context.bot.send_message(chat.id, _("start.group", bot=context.bot.first_name),
                                   reply_markup=keyboard)


async def on_membership(update: Update, context: OtagaiContext) -> None:
    """Track being added to or removed from a group; introduce ourselves when added."""
    change = update.my_chat_member
    if change is None or change.chat.type not in ("group", "supergroup"):
        return
    was_in = change.old_chat_member.status in PRESENT
    is_in = change.new_chat_member.status in PRESENT
    await track(context.session, change.chat.id, change.chat.title or "", present=is_in)
    if is_in and not was_in:
        await introduce(update, context)


async def _group_admin(context: OtagaiContext, update: Update) -> bool:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None
    assert user is not None
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("update %s: getChatMember failed: %s", update.update_id, exc)
        return False
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def _may_link(update: Update, context: OtagaiContext) -> list[Area] | None:
    """Return the districts this person may link the group to, after telling them if none."""
    if is_private(update):
        await refuse(update, "link.only_in_groups")
        return None
    permissions = await context.permissions()
    choices = permissions.areas_in_scope(Action.LINK_GROUP, await districts(context.session))
    if not choices:
        await refuse(update, "link.not_coordinator")
        return None
    if not await _group_admin(context, update):
        await refuse(update, "link.not_group_admin")
        return None
    return choices


async def link(update: Update, context: OtagaiContext) -> None:
    """Link this group to a district (asked with buttons when there is a choice)."""
    choices = await _may_link(update, context)
    if choices is None or update.effective_message is None:
        return
    if len(choices) == 1:
        await _link_to(update, context, choices[0])
        return
    keyboard = [[InlineKeyboardButton(d.name, callback_data=callback_data(PREFIX, d.id))]
                for d in choices]
    await update.effective_message.reply_text(_("link.choose_district"),
                                              reply_markup=InlineKeyboardMarkup(keyboard))


async def on_link_button(press: Press) -> None:
    """A district was chosen; anyone may press a group's button, so check them again."""
    update, context, query = press.update, press.context, press.query
    choices = await _may_link(update, context)
    if choices is None:
        return
    district_id = press.values[0]
    district = next((d for d in choices if d.id == district_id), None)
    if district is None:
        await stale_button(update, context)
        return
    await query.answer()
    await _link_to(update, context, district, edit=True)


async def _link_to(
    update: Update, context: OtagaiContext, district: Area, *, edit: bool = False
) -> None:
    group = await _known_group(context, update)
    await link_group(context.session, group, district, (await context.ensure_person()).id)
    text = _("link.done", district=district.name)
    if edit and update.callback_query:
        await edit_or_keep(update.callback_query, text)
    elif update.effective_message:
        await update.effective_message.reply_text(text)


async def unlink(update: Update, context: OtagaiContext) -> None:
    """Undo the link between this group and its district."""
    if await _may_link(update, context) is None or update.effective_message is None:
        return
    group = await _known_group(context, update)
    if group.district_id is None:
        await update.effective_message.reply_text(_("link.not_linked"))
        return
    await link_group(context.session, group, None, (await context.ensure_person()).id)
    await update.effective_message.reply_text(_("link.undone"))


def register(application: Application) -> None:
    """Attach membership tracking, /link, /unlink and the district buttons."""
    application.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(CommandHandler("link", link))
    application.add_handler(CommandHandler("unlink", unlink))
    router_of(application).route(PREFIX, on_link_button, ID)
