"""/areas, /addarea, /addcouncil: the municipality's districts and councils (admins)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.context import OtagaiContext
from handlers.common import private_only, refuse
from locales.i18n import _
from models.areas import (
    all_areas,
    councils,
    create_council,
    get_or_create_area,
    name_fault,
)
from models.permissions import Action

COUNCIL_NAME_LENGTH = 200


async def list_areas(update: Update, context: OtagaiContext) -> None:
    """Show the municipalities, their districts and councils."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    if not (await context.permissions()).may(Action.SEE_AREAS):
        await refuse(update)
        return
    areas = await all_areas(context.session)
    if not areas:
        await update.effective_message.reply_text(_("areas.empty"))
        return
    by_area: dict[int, list[str]] = {}
    for council in await councils(context.session):
        by_area.setdefault(council.area_id, []).append(council.name)
    lines = [_("areas.heading")]
    for area in areas:
        if area.parent_id is None:
            lines.append(_("areas.municipality_line", name=area.name))
        else:
            lines.append(_("areas.district_line", name=area.name))
        lines += [_("areas.council_line", name=name) for name in by_area.get(area.id, [])]
    await update.effective_message.reply_text("\n".join(lines))


async def _admin_here(update: Update, context: OtagaiContext) -> bool:
    """Return True for an administrator in a private chat; otherwise say why not."""
    if not await private_only(update, context) or update.effective_message is None:
        return False
    if not (await context.permissions()).may(Action.MANAGE_AREAS):
        await refuse(update, "areas.admin_only")
        return False
    return True


async def add_area(update: Update, context: OtagaiContext) -> None:
    """Add a municipality (/addarea 市) or a district (/addarea 市 地区)."""
    if not await _admin_here(update, context):
        return
    assert update.effective_message is not None
    args = context.args or []
    if not args:
        await update.effective_message.reply_text(_("areas.add_usage"))
        return
    municipality, district = args[0], " ".join(args[1:]) or None
    if fault := name_fault(municipality) or (district and name_fault(district)):
        await update.effective_message.reply_text(_("areas.add_bad_name", problem=_(fault)))
        return
    person = await context.ensure_person()
    area, created = await get_or_create_area(context.session, municipality, district, person.id)
    text = _("areas.added", name=area.name) if created else _("areas.exists", name=area.name)
    await update.effective_message.reply_text(text)


async def add_council(update: Update, context: OtagaiContext) -> None:
    """Add a council to an area: /addcouncil 地区 協議体の名前."""
    if not await _admin_here(update, context):
        return
    assert update.effective_message is not None
    args = context.args or []
    name = " ".join(args[1:])
    if len(args) < 2 or len(name) > COUNCIL_NAME_LENGTH:
        await update.effective_message.reply_text(_("areas.council_usage"))
        return
    matches = [a for a in await all_areas(context.session) if a.name == args[0]]
    if len(matches) != 1:
        text = (_("areas.ambiguous", name=args[0]) if matches
                else _("areas.unknown", name=args[0]))
        await update.effective_message.reply_text(text)
        return
    person = await context.ensure_person()
    await create_council(context.session, name, matches[0], person.id)
    await update.effective_message.reply_text(
        _("areas.council_added", name=name, area=matches[0].name))


def register(application: Application) -> None:
    """Attach the area commands."""
    application.add_handler(CommandHandler("areas", list_areas))
    application.add_handler(CommandHandler("addarea", add_area))
    application.add_handler(CommandHandler("addcouncil", add_council))
