"""/mydata and /forget: what the bot keeps about a person, as text and as a file; deletion."""

from __future__ import annotations

import json
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CommandHandler

from bot.commands import forget_chat_commands
from bot.context import OtagaiContext
from handlers.common import (
    button,
    callback_data,
    edit_or_keep,
    private_only,
    refresh_menu,
    reply,
)
from handlers.fallback import stale_button
from handlers.invites import role_label
from handlers.meetings.shared import refresh_posts, tell_promoted
from handlers.router import Press, router_of
from locales.i18n import _, format_datetime, plain
from models.disclosure import disclosure
from models.erasure import FreedPlace, forget_person, withdraw_consent
from models.roles import Role

PREFIX = "my"
WITHDRAW_ASK, WITHDRAW, FORGET_ASK, FORGET, CANCEL = "wa", "w", "fa", "f", "c"


async def show_my_data(update: Update, context: OtagaiContext) -> None:
    """Show everything stored about the person, and send it as a JSON file."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = context.person
    if person is None or not person.has_consented:
        await update.effective_message.reply_text(_("mydata.only_id"))
        if person is None:
            return
    data = await disclosure(context.session, person)
    if person.has_consented:
        assert person.consented_at is not None
        lines = [_("mydata.heading"),
                 _("mydata.name", name=person.display_name or "-"),
                 _("mydata.district", district=data["district"] or "-"),
                 _("mydata.consent", at=format_datetime(person.consented_at),
                   version=person.consent_version or "-"),
                 _("mydata.roles", roles=plain("common.list_separator").join(
                     role_label(Role(g["role"])) for g in data["roles"]) or "-"),
                 "", *_held(data), "", _("mydata.footer")]
        keyboard = InlineKeyboardMarkup([
            [button("mydata.button.withdraw", callback_data(PREFIX, WITHDRAW_ASK))],
            [button("mydata.button.forget", callback_data(PREFIX, FORGET_ASK))],
        ])
        await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard)
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await update.effective_message.reply_document(
        InputFile(payload, filename=plain("mydata.file_name")), caption=_("mydata.file_caption"))


async def ask_forget(update: Update, context: OtagaiContext) -> None:
    """Ask for a confirmation tap before deleting everything."""
    if not await private_only(update, context):
        return
    if context.person is None:
        await reply(update, _("mydata.nothing_stored"))
        return
    keyboard = InlineKeyboardMarkup([
        [button("mydata.button.forget_confirm", callback_data(PREFIX, FORGET))],
        [button("mydata.button.cancel", callback_data(PREFIX, CANCEL))],
    ])
    await reply(update, _("mydata.forget_confirm"), keyboard)


async def on_button(press: Press) -> None:
    """Withdraw consent or forget the person, each after a confirmation tap."""
    update, context, query, step = press.update, press.context, press.query, press.step
    person = context.person
    if step == FORGET_ASK:
        await ask_forget(update, context)
        return
    if step == CANCEL:
        await query.answer()
        await edit_or_keep(query, _("mydata.cancelled"))
        return
    if person is None or step not in (WITHDRAW_ASK, WITHDRAW, FORGET):
        await stale_button(update, context)
        return
    await query.answer()
    if step == WITHDRAW_ASK:
        keyboard = InlineKeyboardMarkup([
            [button("mydata.button.withdraw_confirm", callback_data(PREFIX, WITHDRAW))],
            [button("mydata.button.cancel", callback_data(PREFIX, CANCEL))],
        ])
        await edit_or_keep(query, _("mydata.withdraw_confirm"), keyboard)
    elif step == WITHDRAW:
        freed = await withdraw_consent(context.session, person)
        await _places_freed(context, freed)
        await edit_or_keep(query, _("mydata.withdrawn"))
        await refresh_menu(context)
    else:
        freed = await forget_person(context.session, person)
        context.scope.person = None
        await _places_freed(context, freed)
        await edit_or_keep(query, _("mydata.forgotten"))
        if update.effective_chat:
            await forget_chat_commands(context.bot, update.effective_chat.id)


async def _places_freed(context: OtagaiContext, freed: list[FreedPlace]) -> None:
    """The person's places at meetings to come went: the next in line hears, groups' counts
    change."""
    for place in freed:
        await tell_promoted(context, place.meeting, place.promoted)
        await refresh_posts(context, place.meeting)


def _held(data: dict[str, Any]) -> list[str]:
    """The sections of the file beyond the person's own record, counted in plain words."""
    rounds, watching = data["checkins"]["rounds"], data["watching"]
    lines = [
        _("mydata.held_heading"),
        _("mydata.count.needs", needs=len(data["needs"]),
          notes=sum(len(need["notes"]) for need in data["needs"])),
        _("mydata.count.checkins", asked=len(rounds),
          answered=sum(1 for r in rounds if r["answered_at"])),
        _("mydata.count.watching",
          state=plain("mydata.watching.on") if watching["on"] else plain("mydata.watching.off"),
          contacts=len(watching["emergency_contacts"]), alerts=len(watching["alerts"])),
        _("mydata.count.contact_for", count=len(watching["contact_for"])),
        _("mydata.count.meetings", count=len(data["meeting_signups"])),
        _("mydata.count.invitations", count=len(data["meeting_invitations"])),
        _("mydata.count.interests", count=len(data["activity_interests"])),
        _("mydata.count.organised", count=len(data["activities_organised"])),
    ]
    offer = data["support_offer"]
    if offer is not None or data["support_requests"]:
        lines.append(_("mydata.count.supporter",
                       kinds=len(offer["categories"]) if offer else 0,
                       requests=len(data["support_requests"])))
    lines.append(_("mydata.count.audit", count=len(data["audit"])))
    return lines


def register(application: Application) -> None:
    """Attach /mydata, /forget and their buttons."""
    application.add_handler(CommandHandler("mydata", show_my_data))
    application.add_handler(CommandHandler("forget", ask_forget))
    router_of(application).route(PREFIX, on_button,
                                 steps=(WITHDRAW_ASK, WITHDRAW, FORGET_ASK, FORGET, CANCEL))
