"""/invite: coordinators hand out roles by one-time links; opening one grants the role."""

from __future__ import annotations

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from bot.context import OtagaiContext
from bot.identity import people_of
from handlers.common import (
    callback_data,
    deep_link,
    edit_or_keep,
    int_value,
    private_only,
    refresh_menu,
    refuse,
)
from handlers.fallback import stale_button
from handlers.router import ID, Choice, Press, router_of
from locales.i18n import N_, _, format_datetime, plain
from models import Area, Invite, Person, Role
from models.areas import all_areas
from models.invites import InviteProblem, check_invite, redeem_invite
from models.notices import Notice, Param, label, text_or
from models.outbox import enqueue
from models.permissions import Action
from models.roles import create_invite

PREFIX = "inv"
PAYLOAD = "i"  # /start i<token>
ROLE, AREA = "r", "a"


ROLE_LABELS = {
    Role.RESIDENT: N_("role.resident"),
    Role.SUPPORTER: N_("role.supporter"),
    Role.COUNCIL_MEMBER: N_("role.council_member"),
    Role.DISTRICT_COORDINATOR: N_("role.district_coordinator"),
    Role.MUNICIPAL_COORDINATOR: N_("role.municipal_coordinator"),
    Role.ADMIN: N_("role.admin"),
}


def role_label(role: Role) -> str:
    """Return the role's name in the person's language."""
    return plain(ROLE_LABELS[role])


async def start_invite(update: Update, context: OtagaiContext) -> None:
    """Ask which role to invite someone to."""
    if not await private_only(update, context):
        return
    permissions = await context.permissions()
    if not permissions.may(Action.INVITE):
        await refuse(update, "invite.not_allowed")
        return
    roles = permissions.grantable_roles(await all_areas(context.session))
    roles = [r for r in roles if r is not Role.RESIDENT]  # residents join by themselves
    if not roles:
        await refuse(update, "invite.no_areas")
        return
    keyboard = [[InlineKeyboardButton(role_label(r), callback_data=callback_data(PREFIX, ROLE, r))]
                for r in roles]
    assert update.effective_message is not None
    await update.effective_message.reply_text(_("invite.choose_role"),
                                              reply_markup=InlineKeyboardMarkup(keyboard))


async def on_button(press: Press) -> None:
    """Role chosen → choose the area; area chosen → make the link."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    permissions = await context.permissions()
    role = Role(press.values[0])
    areas = [a for a in await all_areas(context.session) if permissions.may_grant(role, a)]
    if not areas:
        await refuse(update, "invite.not_allowed")
        return
    if values[0] == ROLE and len(areas) > 1:
        keyboard = [[InlineKeyboardButton(a.name, callback_data=callback_data(
            PREFIX, AREA, role, a.id))] for a in areas]
        await query.answer()
        await edit_or_keep(query, _("invite.choose_area", role=role_label(role)),
                           InlineKeyboardMarkup(keyboard))
        return
    area_id = areas[0].id if values[0] == ROLE else int_value(values, 2)
    area = next((a for a in areas if a.id == area_id), None)
    if values[0] not in (ROLE, AREA) or area is None:
        await stale_button(update, context)
        return
    invite = await create_invite(context.session, role, area.id, await context.ensure_person())
    await query.answer()
    await edit_or_keep(query, _(
        "invite.created", role=role_label(role), area=area.name,
        expires=format_datetime(invite.expires_at),
        link=deep_link(context, PAYLOAD + invite.token),
    ))


PROBLEM_KEYS = {
    InviteProblem.UNKNOWN: N_("invite.problem.unknown"),
    InviteProblem.EXPIRED: N_("invite.problem.expired"),
    InviteProblem.USED: N_("invite.problem.used"),
    InviteProblem.NO_LONGER_VALID: N_("invite.problem.no_longer_valid"),
}


async def open_invite(update: Update, context: OtagaiContext, token: str) -> Invite | None:
    """Someone opened an invite link: grant the role at once if they are registered.

    Returns the invite when the person must register first (the caller starts onboarding,
    which redeems it at the end), or None when it was used or refused here.
    """
    message = update.effective_message
    assert message is not None
    checked = await check_invite(context.session, token, await _admins(context))
    if isinstance(checked, InviteProblem):
        await message.reply_text(_(PROBLEM_KEYS[checked]))
        return None
    person = context.person
    if person is not None and person.has_consented:
        await redeem(update, context, token)
        return None
    await message.reply_text(_("invite.register_first", role=role_label(checked.role)))
    return checked


async def _admins(context: OtagaiContext) -> set[int]:
    """The people the settings make administrators (by their Telegram ids)."""
    return await people_of(context.session, context.settings.admin_ids)


async def redeem(update: Update, context: OtagaiContext, token: str) -> None:
    """Use the invite for the sender and tell them what they became."""
    message = update.effective_message
    assert message is not None
    result = await redeem_invite(context.session, token, await context.ensure_person(),
                                 await _admins(context))
    if isinstance(result, InviteProblem):
        await message.reply_text(_(PROBLEM_KEYS[result]))
        return
    area = await context.session.get(Area, result.area_id) if result.area_id else None
    area_name = area.name if area else plain("area.everywhere")
    await message.reply_text(_("invite.accepted", role=role_label(result.role), area=area_name))
    await refresh_menu(context)
    await _tell_the_author(context, token, result.role,
                           area.name if area else label(N_("area.everywhere")))


async def _tell_the_author(context: OtagaiContext, token: str, role: Role, area: Param
                           ) -> None:
    """The coordinator who made the invite hears that it was used, and by whom."""
    invite = await context.session.scalar(select(Invite).where(Invite.token == token))
    author = await context.session.get(Person, invite.created_by_id) \
        if invite and invite.created_by_id else None
    person = context.person
    if invite is None or author is None or person is None or author.id == person.id:
        return
    notice = Notice(N_("invite.used_notice"), {
        "name": text_or(person.display_name, N_("roles.unnamed")),
        "role": label(ROLE_LABELS[role]), "area": area})
    enqueue(context.session, key=f"invite-used:{invite.id}", notice=notice, person_id=author.id,
            about=person.id)


def register(application: Application) -> None:
    """Attach /invite and its buttons."""
    application.add_handler(CommandHandler("invite", start_invite))
    router = router_of(application)
    router.route(PREFIX, on_button, Choice(*Role), steps=ROLE)
    router.route(PREFIX, on_button, Choice(*Role), ID, steps=AREA)
