"""/activities: the district's activities page by page, by kind, each with its card;
行ってみたい, and the organiser's and coordinators' buttons on the card."""

from __future__ import annotations

from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import OtagaiContext
from bot.identity import group_of
from handlers.activities.edit import (
    edit_by_button,
    set_status,
    start_change,
)
from handlers.activities.shared import (
    BROWSE,
    PAGE,
    SURVEY,
)
from handlers.activity_views import card, district_of, may_manage
from handlers.activity_views import list_line as activity_line
from handlers.common import (
    button,
    callback_data,
    edit_or_keep,
    is_private,
)
from handlers.fallback import stale_button
from handlers.monthly_count import card_button as monthly_button
from handlers.participation import SESSIONS
from handlers.router import ID, Choice, Int, Press, Router, Text
from locales.activity_text import KIND_LABELS
from locales.i18n import N_, _, plain
from models import Activity, ActivityKind, ActivityStatus, Area
from models.activities import (
    EDITABLE_FIELDS,
    TRANSITIONS,
    interest_count,
    listed,
    mark_interest,
)


async def _district_here(update: Update, context: OtagaiContext) -> Area | None:
    """Return the district to list: the group's in a group chat, else the person's own."""
    chat = update.effective_chat
    if chat is not None and not is_private(update):
        group = await group_of(context.session, chat.id)
        district_id = group.district_id if group else None
    else:
        district_id = context.person.district_id if context.person else None
    return await context.session.get(Area, district_id) if district_id else None


async def _page(context: OtagaiContext, district: Area, offset: int,
                kind: ActivityKind | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """Return one page of the district's activities (of one kind, if chosen)."""
    activities, total = await listed(context.session, district.id, kind, offset=offset,
                                     limit=PAGE)
    kind_code = kind.value if kind else ""
    choose = [button("activity.button.by_kind", callback_data(BROWSE, "kinds", district.id))]
    if not activities:
        text = (_("activity.none_of_kind", district=district.name,
                  kind=plain(KIND_LABELS[kind])) if kind
                else _("activity.none_yet", district=district.name))
        return text, InlineKeyboardMarkup([choose] if kind else [])
    heading = _("activity.list_heading", district=district.name, start=offset + 1,
                end=offset + len(activities), total=total)
    if kind:
        heading += " " + _("activity.list_kind", kind=plain(KIND_LABELS[kind]))
    lines = [heading, *(activity_line(a) for a in activities)]
    rows = [[InlineKeyboardButton(a.name or "-", callback_data=callback_data(BROWSE, "v", a.id))]
            for a in activities]
    paging = []
    if offset > 0:
        paging.append(button("activity.button.previous", callback_data(
            BROWSE, "p", district.id, max(offset - PAGE, 0), kind_code)))
    if offset + PAGE < total:
        paging.append(button("activity.button.more", callback_data(
            BROWSE, "p", district.id, offset + PAGE, kind_code)))
    if paging:
        rows.append(paging)
    rows.append(choose)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _kind_filter(district: Area) -> InlineKeyboardMarkup:
    kinds = list(KIND_LABELS.items())
    rows = [[InlineKeyboardButton(plain(label), callback_data=callback_data(
        BROWSE, "p", district.id, 0, kind)) for kind, label in kinds[i:i + 2]]
        for i in range(0, len(kinds), 2)]
    rows.append([button("activity.button.all_kinds", callback_data(BROWSE, "p", district.id, 0))])
    return InlineKeyboardMarkup(rows)


async def browse(update: Update, context: OtagaiContext) -> None:
    """List the district's activities, five at a time, each with its next session."""
    message = update.effective_message
    if message is None:
        return
    district = await _district_here(update, context)
    if district is None:
        await message.reply_text(_("activity.no_district") if is_private(update)
                                 else _("activity.group_not_linked"))
        return
    text, keyboard = await _page(context, district, 0)
    await message.reply_text(text, reply_markup=keyboard)


OFFSET = Int(digits=6)  # a place in the list
MASK = Int(digits=6)  # the meanings chosen, one bit each
STATUS_LENGTH = 10


def browse_buttons(router: Router) -> None:
    """Paging and cards, and the organiser's changes (``handlers.activities.edit``)."""
    router.route(BROWSE, on_list_button, ID, Int(digits=6, optional=True),
                 Choice(*ActivityKind, optional=True), steps="p")
    router.route(BROWSE, on_list_button, ID, steps="kinds")
    route = partial(router.route, BROWSE, on_card_button, ID)
    route(steps=("v", "i", "em"))
    route(Choice(*EDITABLE_FIELDS), steps="e")
    route(Choice(*ActivityKind, optional=True), steps="ek")
    route(MASK, steps=("et", "es"))
    route(Text(STATUS_LENGTH), steps="s")


async def on_list_button(press: Press) -> None:
    """Page through the district's list (of one kind), or choose the kind."""
    update, context, query = press.update, press.context, press.query
    offset, kind_code = press.value(1) or 0, press.value(2)
    district = await context.session.get(Area, press.values[0])
    if district is None:
        await stale_button(update, context)
        return
    await query.answer()
    if press.step == "kinds":
        await edit_or_keep(query, _("activity.choose_kind"), _kind_filter(district))
    else:
        await edit_or_keep(query, *await _page(
            context, district, offset, ActivityKind(kind_code) if kind_code else None))


async def on_card_button(press: Press) -> None:
    """Open a card, mark 行ってみたい, or change the activity (organiser or coordinator)."""
    update, context, query, step = press.update, press.context, press.query, press.step
    activity = await context.session.get(Activity, press.values[0])
    if activity is None or activity.status not in (ActivityStatus.ACTIVE, ActivityStatus.PAUSED):
        await query.answer(plain("activity.cannot_change"), show_alert=True)
        return
    if step == "i":
        await _interested(update, context, activity)
    elif step == "e":
        await start_change(update, context, activity, press.values[1])
    elif step in ("ek", "em", "et", "es"):
        await edit_by_button(update, context, activity, step, press.raw[2:])
    elif step == "s":
        await set_status(update, context, activity, press.values[1])
    else:
        await _show_card(update, context, activity)


async def _show_card(update: Update, context: OtagaiContext, activity: Activity) -> None:
    query = update.callback_query
    assert query is not None
    district = await district_of(context, activity)
    sees_count = await may_manage(context, activity)
    count = await interest_count(context.session, activity.id) if sees_count else None
    rows = [[button("activity.button.interested", callback_data(BROWSE, "i", activity.id))]]
    if sees_count and is_private(update):  # the organiser or a coordinator: managing
        rows += [[button("activity.button.record_count", callback_data(SESSIONS, activity.id))],
                 [monthly_button(activity)]]
        rows += [[button("activity.button.change_name",
                         callback_data(BROWSE, "e", activity.id, "name")),
                  button("activity.button.change_kind", callback_data(BROWSE, "ek", activity.id))],
                 [button("activity.button.change_meanings",
                         callback_data(BROWSE, "em", activity.id))]]
        rows += [[button("activity.button.change_place",
                         callback_data(BROWSE, "e", activity.id, "place")),
                  button("activity.button.change_schedule",
                         callback_data(BROWSE, "e", activity.id, "schedule"))]]
        rows += [[button("survey.button.open", callback_data(SURVEY, "m", activity.id))]]
        rows += [[button(STATUS_BUTTONS[new], callback_data(BROWSE, "s", activity.id, new))]
                 for new in TRANSITIONS.get(activity.status, ())]
    keyboard = InlineKeyboardMarkup(rows)
    await query.answer()
    if query.message is not None:
        await query.message.reply_text(card(activity, district.name if district else "-",
                                            count), reply_markup=keyboard)


STATUS_BUTTONS = {
    ActivityStatus.ACTIVE: N_("activity.button.resume"),
    ActivityStatus.PAUSED: N_("activity.button.pause"),
    ActivityStatus.ENDED: N_("activity.button.end"),
}


async def _interested(update: Update, context: OtagaiContext, activity: Activity) -> None:
    query = update.callback_query
    assert query is not None
    person = context.person
    if person is None or not person.has_consented:
        # Interest is personal data: only with consent, and the answer stays private.
        await query.answer(plain("activity.interest_needs_registration"), show_alert=True)
        return
    added = await mark_interest(context.session, activity, person.id)
    name = activity.name or "-"
    text = (plain("activity.interest_added", name=name) if added
            else plain("activity.interest_already", name=name))
    await query.answer(text, show_alert=True)
