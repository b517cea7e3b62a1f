"""Onboarding in a private chat: choose a district, read what is kept and why, agree or not."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from bot.context import OtagaiContext
from handlers import invites
from handlers.common import (
    button,
    callback_data,
    edit_or_keep,
    int_value,
    person_name,
    refresh_menu,
)
from handlers.fallback import stale_button
from handlers.router import ID, Press, Text, router_of
from locales.i18n import N_, _, plain
from models import Area, AreaLevel, GroupChat, Role
from models.areas import districts
from models.people import decline_consent, give_consent
from models.roles import grant_role

PREFIX = "ob"
DISTRICT, AGREE, DECLINE = "d", "y", "n"
TOKEN_LENGTH = 32  # an invite link's token (models.roles.Invite.token)


async def ask_district(
    update: Update, context: OtagaiContext, *, from_group: GroupChat | None = None,
    suggested: int | None = None, invite_token: str = "",
) -> None:
    """Ask which district the person lives in; the group's own district comes first."""
    message = update.effective_message
    if message is None:
        return
    choices = await districts(context.session)
    if not choices:
        await message.reply_text(_("onboarding.no_districts"))
        return
    # An invite's district is not a group's: say which it is.
    star = N_("onboarding.invited_district") if suggested else \
        N_("onboarding.suggested_district")
    suggested = suggested or (from_group.district_id if from_group else None)
    choices.sort(key=lambda d: d.id != suggested)  # stable: the suggestion first, then as is
    rows = [[InlineKeyboardButton(
        plain(star, name=d.name) if d.id == suggested else d.name,
        callback_data=callback_data(PREFIX, DISTRICT, d.id, invite_token))] for d in choices]
    rows.append([button("onboarding.button.later", callback_data(PREFIX, DECLINE))])
    await message.reply_text(_("onboarding.ask_district"), reply_markup=InlineKeyboardMarkup(rows))


async def _district(context: OtagaiContext, values: list[str]) -> Area | None:
    district_id = int_value(values, 1)
    area = await context.session.get(Area, district_id) if district_id else None
    return area if area is not None and area.level == AreaLevel.DISTRICT else None


async def on_button(press: Press) -> None:
    """Move through district → consent → agree or decline."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    step, token = press.step, press.value(1) or ""
    if context.person is not None and context.person.has_consented:
        # An old onboarding message: pressing it must not undo or change a registration.
        await query.answer(plain("onboarding.already_registered"), show_alert=True)
        return
    if step == DECLINE:
        await decline_consent(context.session, await context.ensure_person())
        await query.answer()
        await edit_or_keep(query, _("onboarding.declined"))
        return
    district = await _district(context, values)
    if step not in (DISTRICT, AGREE) or district is None:
        await stale_button(update, context)
        return
    if step == DISTRICT:
        await query.answer()
        keyboard = InlineKeyboardMarkup([
            [button("onboarding.button.agree", callback_data(PREFIX, AGREE, district.id, token))],
            [button("onboarding.button.decline", callback_data(PREFIX, DECLINE))],
        ])
        await edit_or_keep(query, _("consent.text", district=district.name), keyboard)
        return
    user = update.effective_user
    assert user is not None  # a pressed button always has a sender
    person = await context.ensure_person()
    await give_consent(context.session, person, district_id=district.id,
                       display_name=person_name(user))
    await grant_role(context.session, person, Role.RESIDENT, district.id)
    await query.answer()
    await edit_or_keep(query, _("onboarding.agreed", district=district.name))
    if token:
        await invites.redeem(update, context, token)
    await refresh_menu(context)


def register(application: Application) -> None:
    """Attach the onboarding buttons."""
    router = router_of(application)
    router.route(PREFIX, on_button, steps=DECLINE)
    router.route(PREFIX, on_button, ID, Text(TOKEN_LENGTH, optional=True),  # an invite's
                 steps=(DISTRICT, AGREE))
