"""/roles: the person's own roles; for coordinators, the roles in their scope to revoke."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from bot.commands import publish_chat_commands
from bot.context import OtagaiContext
from bot.identity import chat_of_person
from handlers.common import (
    callback_data,
    edit_or_keep,
    private_only,
    refuse,
)
from handlers.fallback import stale_button
from handlers.invites import ROLE_LABELS, role_label
from handlers.router import ID, Press, router_of
from locales.i18n import N_, _, normalize_language, plain
from models import Area, Person, Role, RoleGrant
from models.areas import all_areas
from models.notices import Notice, label, text_or
from models.outbox import enqueue
from models.permissions import Action, Permissions
from models.roles import granted_roles, revoke_grant, roles_of

PREFIX = "rv"
ASK, CONFIRM = "a", "y"
LIST_LIMIT = 40  # one Telegram message; /roles in a big city lists the first ones


def _line(grant: RoleGrant, areas: dict[int, Area], name: str | None = None) -> str:
    area = areas[grant.area_id].name if grant.area_id in areas else plain("area.everywhere")
    if name is None:
        return _("roles.own_line", role=role_label(grant.role), area=area)
    return _("roles.other_line", name=name, role=role_label(grant.role), area=area)


async def show_roles(update: Update, context: OtagaiContext) -> None:
    """Show the person's roles, and for coordinators the others' roles they may revoke."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    areas = {a.id: a for a in await all_areas(context.session)}
    person = context.person
    own = await roles_of(context.session, person.id) if person else []
    lines = [_("roles.own_heading")]
    lines += [_line(g, areas) for g in own] or [_("roles.none")]
    keyboard: list[list[InlineKeyboardButton]] = []
    permissions = await context.permissions()
    if permissions.may(Action.SEE_ROLES_IN_SCOPE):
        others = await _revocable(context, permissions, areas)
        lines += ["", _("roles.scope_heading")]
        lines += [_line(g, areas, name) for g, name in others] or [_("roles.none")]
        keyboard = [[InlineKeyboardButton(
            plain("roles.button.revoke", name=name, role=role_label(g.role)),
            callback_data=callback_data(PREFIX, ASK, g.id))] for g, name in others]
    await update.effective_message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(keyboard) if keyboard else None)


async def _revocable(
    context: OtagaiContext, permissions: Permissions, areas: dict[int, Area]
) -> list[tuple[RoleGrant, str]]:
    """Return other people's grants (beyond resident) this person may revoke, with names."""
    me = context.person.id if context.person else None
    in_scope = permissions.areas_in_scope(Action.SEE_ROLES_IN_SCOPE, list(areas.values()))
    roles = [r for r in permissions.grantable_roles(in_scope) if r is not Role.RESIDENT]
    # The database narrows to the scope; the exact rule (role and kind of area) is checked
    # here, on a bounded number of rows.
    found = []
    for grant, name in await granted_roles(
            context.session, roles=roles, area_ids=[a.id for a in in_scope], not_person=me,
            limit=LIST_LIMIT * 4):
        area = areas.get(grant.area_id) if grant.area_id else None
        if area and permissions.may_grant(grant.role, area):
            found.append((grant, name or plain("roles.unnamed")))
    return found[:LIST_LIMIT]


async def on_button(press: Press) -> None:
    """Ask to confirm a revocation, then revoke and refresh the person's menu."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    grant = await context.session.get(RoleGrant, press.values[0])
    area = await context.session.get(Area, grant.area_id) if grant and grant.area_id else None
    if grant is None or area is None:
        await stale_button(update, context)
        return
    permissions = await context.permissions()
    me = context.person
    if me is not None and grant.person_id == me.id:
        await refuse(update, "roles.not_self")
        return
    if not permissions.may_grant(grant.role, area):
        await refuse(update, "roles.not_allowed")
        return
    holder = await context.session.get(Person, grant.person_id)
    assert holder is not None  # the grant's foreign key cascades on delete
    name = holder.display_name or plain("roles.unnamed")
    await query.answer()
    if values[0] == ASK:
        keyboard = InlineKeyboardMarkup([
            [InlineKeyboardButton(plain("roles.button.confirm"),
                                  callback_data=callback_data(PREFIX, CONFIRM, grant.id))],
        ])
        await edit_or_keep(query, _("roles.confirm", name=name, role=role_label(grant.role),
                                    area=area.name), keyboard)
        return
    role, grant_id = grant.role, grant.id
    await revoke_grant(context.session, grant, me)
    await edit_or_keep(query, _("roles.revoked", name=name, role=role_label(role),
                                area=area.name))
    # The person hears it from us, in their language, rather than finding a command gone.
    notice = Notice(N_("roles.revoked_notice"), {
        "role": label(ROLE_LABELS[role]), "area": area.name,
        "by": text_or(me.display_name if me else None, N_("roles.unnamed"))})
    enqueue(context.session, key=f"role-revoked:{grant_id}", notice=notice, person_id=holder.id,
            about=me.id if me else None)
    remaining = Permissions(tuple(await roles_of(context.session, holder.id)))
    chat = await chat_of_person(context.session, holder.id)
    if chat is not None:
        await publish_chat_commands(context.bot, chat, normalize_language(holder.language),
                                    remaining)


def register(application: Application) -> None:
    """Attach /roles and the revoke buttons."""
    application.add_handler(CommandHandler("roles", show_roles))
    router_of(application).route(PREFIX, on_button, ID, steps=(ASK, CONFIRM))
