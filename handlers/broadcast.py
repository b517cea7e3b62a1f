"""/broadcast and /broadcasts: a coordinator writes to their district, sees what happened.

The draft lives in the database, so a bot restart in the middle loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
)

from bot.context import OtagaiContext
from handlers.common import (
    Pressed,
    button,
    callback_data,
    edit_or_keep,
    group_quiet_note,
    int_value,
    private_only,
    refuse,
)
from handlers.conversation import asked
from handlers.dates import CARRIED, WHEN_STEPS, hour_too, moment_of, now_local, when_question
from handlers.fallback import stale_button
from handlers.invites import role_label
from handlers.router import ID, Choice, Press, router_of
from handlers.typed_input import TypedInput
from locales.activity_text import KIND_LABELS
from locales.i18n import (
    N_,
    _,
    current_language,
    current_zone,
    format_datetime,
    normalize_language,
    plain,
    use_language,
)
from models import Area, Audience, Broadcast, BroadcastStatus
from models.areas import all_areas
from models.broadcasts import (
    GROUP_AUDIENCES,
    cancel,
    choose_area,
    choose_audience,
    draft_for,
    interest_audience,
    interest_kind,
    leave_broadcast_draft,
    queue,
    recent,
    recipients,
    set_text,
    start_draft,
    wait_for_time,
    waiting_for_text,
)
from models.clock import utcnow
from models.outbox import TEXT_LIMIT, OutboxStatus, counts_by_status, visible_length
from models.permissions import Action
from models.when import Clarify, afternoon, read_when

PREFIX = "bc"
# Room left in one message for the heading (area, role and name) above the text.
BROADCAST_LIMIT = TEXT_LIMIT - 400
AREA, AUDIENCE, NOW, LATER, DROP, CANCEL = "a", "u", "n", "t", "x", "c"
INTEREST_KINDS = "k"  # choose the kind of activity whose interested people to write to
AUDIENCE_LABELS = {
    Audience.RESIDENTS: N_("audience.residents"),
    Audience.SUPPORTERS: N_("audience.supporters"),
    Audience.COUNCIL: N_("audience.council"),
    Audience.GROUPS: N_("audience.groups"),
    Audience.EVERYONE: N_("audience.everyone"),
}


async def _areas(context: OtagaiContext) -> list[Area]:
    permissions = await context.permissions()
    return permissions.areas_in_scope(Action.BROADCAST, await all_areas(context.session))


async def begin(update: Update, context: OtagaiContext) -> None:
    """Start a draft and ask for the message."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    if not (await context.permissions()).may(Action.BROADCAST) or not await _areas(context):
        await refuse(update, "broadcast.not_allowed")
        return
    draft = await start_draft(context.session, (await context.ensure_person()).id)
    question = _("broadcast.ask_text", limit=BROADCAST_LIMIT)
    markup = InlineKeyboardMarkup([[button("broadcast.button.drop",
                                           callback_data(PREFIX, DROP, draft.id))]])
    sent = await update.effective_message.reply_text(question, reply_markup=markup)
    await asked(context, "broadcast.text", sent, question, markup, target_id=draft.id,
                typed=True)


async def _show(context: OtagaiContext, query: Pressed | CallbackQuery, draft: Broadcast,
                text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Show the draft's next question in place of the last, and record it as the open one
    (its buttons' words typed are the buttons; a typed step takes any text)."""
    await edit_or_keep(query, text, markup)
    await asked(context, f"broadcast.{draft.awaiting or 'ask'}", query.message, text, markup,
                target_id=draft.id, typed=draft.awaiting is not None)


async def capture_text(update: Update, context: OtagaiContext) -> None:
    """Take typed text when a draft waits for it; otherwise let other handlers see it."""
    message, person = update.effective_message, context.person
    if message is None or person is None or not message.text:
        return
    draft = await draft_for(context.session, person.id)
    if draft is None or draft.awaiting is None:
        return
    if draft.awaiting == "text":  # text_html keeps bold and links, and escapes the rest
        reply, markup = await _take_text(context, draft, message.text_html)
    else:
        reply, markup = await _take_time(context, draft, message.text)
    sent = await message.reply_text(reply, reply_markup=markup)
    if markup is not None:  # 「はい」「午後2時」 typed are its buttons; a time typed again is read
        await asked(context, f"broadcast.{draft.awaiting or 'ask'}", sent, reply, markup,
                    target_id=draft.id, typed=draft.awaiting is not None)
    raise ApplicationHandlerStop  # the text was for the draft, not for anyone else


Answer = tuple[str, InlineKeyboardMarkup | None]


async def _take_text(context: OtagaiContext, draft: Broadcast, text: str) -> Answer:
    if visible_length(text) > BROADCAST_LIMIT:
        return _("broadcast.too_long", length=visible_length(text), limit=BROADCAST_LIMIT), None
    set_text(draft, text)
    areas = await _areas(context)
    if len(areas) == 1:
        choose_area(draft, areas[0])
        return _("broadcast.ask_audience", area=areas[0].name), _audience_keyboard(draft)
    rows = [[InlineKeyboardButton(a.name, callback_data=callback_data(PREFIX, AREA, draft.id,
                                                                       a.id))] for a in areas]
    return _("broadcast.ask_area"), InlineKeyboardMarkup(rows)


async def _take_time(context: OtagaiContext, draft: Broadcast, text: str) -> Answer:
    """Read a typed time; ask about a date past this year or a bare hour, then read it back
    (sent at that time only after はい: the time travels in the buttons)."""
    now = now_local()
    found = read_when(text, now)
    if found is None or found.when.end is not None:
        return _("broadcast.bad_time"), None
    if found.when.start <= now:
        return _("broadcast.past_time", when=format_datetime(found.when.start)), None
    question, keyboard, _step = when_question(PREFIX, draft.id, found.when, found.asks,
                                              carry=True, moment=True)
    return question, keyboard


async def _answer_time(update: Update, context: OtagaiContext, draft: Broadcast,
                       values: list[str], query: Pressed | CallbackQuery) -> None:
    """はい to next year's date, 午前/午後, はい at the read-back (queued for then), or type
    the time again."""
    step, when = values[0], moment_of(values, 2)
    if draft.awaiting != "time" or (step != "wn" and when is None):
        await stale_button(update, context)
        return
    if step == "wn" or when is None:
        await query.answer()
        await _show(context, query, draft, _("broadcast.ask_time"))
        return
    if step == "wy":
        await _send_at(update, context, draft, query, when.start)
        return
    await query.answer()
    asks = (Clarify.AMBIGUOUS_HOUR,) if step == "yy" and hour_too(values) else ()
    question, keyboard, _step = when_question(
        PREFIX, draft.id, afternoon(when) if step == "hp" else when, asks, carry=True,
        moment=True)
    await _show(context, query, draft, question, keyboard)


async def _send_at(update: Update, context: OtagaiContext, draft: Broadcast,
                   query: Pressed | CallbackQuery, when: datetime) -> None:
    """Queue the broadcast for ``when`` (read back and confirmed)."""
    if when <= utcnow():
        await query.answer()
        await edit_or_keep(query, _("broadcast.past_time", when=format_datetime(when)))
        return  # still waiting for a time
    area = await context.session.get(Area, draft.area_id) if draft.area_id else None
    if area is None or area not in await _areas(context):
        await refuse(update, "broadcast.not_allowed")
        return
    count = await queue(context.session, draft, area, await _heading(context, area),
                        send_at=when.astimezone(UTC))
    keyboard = InlineKeyboardMarkup([[button("broadcast.button.cancel_scheduled",
                                             callback_data(PREFIX, CANCEL, draft.id))]])
    await query.answer()
    await edit_or_keep(query, _("broadcast.scheduled", when=format_datetime(when), count=count),
                       keyboard)


def audience_label(audience: Audience) -> str:
    """Return who a broadcast goes to, in words."""
    kind = interest_kind(audience)
    if kind is not None:
        return plain("audience.interested", kind=plain(KIND_LABELS[kind]))
    return plain(AUDIENCE_LABELS[audience])


def _audience_keyboard(draft: Broadcast) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(plain(label), callback_data=callback_data(
        PREFIX, AUDIENCE, draft.id, audience))] for audience, label in AUDIENCE_LABELS.items()]
    rows.append([button("broadcast.button.interested",
                        callback_data(PREFIX, INTEREST_KINDS, draft.id))])
    rows.append([button("broadcast.button.drop", callback_data(PREFIX, DROP, draft.id))])
    return InlineKeyboardMarkup(rows)


def _interest_keyboard(draft: Broadcast) -> InlineKeyboardMarkup:
    kinds = list(KIND_LABELS.items())
    rows = [[InlineKeyboardButton(plain(label), callback_data=callback_data(
        PREFIX, AUDIENCE, draft.id, interest_audience(kind))) for kind, label in kinds[i:i + 2]]
        for i in range(0, len(kinds), 2)]
    rows.append([button("broadcast.button.drop", callback_data(PREFIX, DROP, draft.id))])
    return InlineKeyboardMarkup(rows)


async def _preview(context: OtagaiContext, draft: Broadcast, area: Area) -> Answer:
    assert draft.audience is not None
    assert draft.text is not None
    targets = await recipients(context.session, area, draft.audience)
    groups = sum(1 for target in targets if target.group_id is not None)
    if not targets:
        return (_("broadcast.nobody", area=area.name, audience=audience_label(draft.audience)),
                _audience_keyboard(draft))
    keyboard = InlineKeyboardMarkup([
        [button("broadcast.button.now", callback_data(PREFIX, NOW, draft.id))],
        [button("broadcast.button.later", callback_data(PREFIX, LATER, draft.id))],
        [button("broadcast.button.drop", callback_data(PREFIX, DROP, draft.id))],
    ])
    preview = _("broadcast.preview", area=area.name, audience=audience_label(draft.audience),
                people=len(targets) - groups, groups=groups)
    heading = (await _heading(context, area))(None)
    return f"{preview}\n\n{heading}\n\n{draft.text}", keyboard


async def _heading(context: OtagaiContext, area: Area) -> Callable[[str | None], str]:
    """Return the heading of a broadcast in a reader's language (the sender's when None):
    the area, and the sender's role there and name, as a municipal newsletter signs."""
    role = (await context.permissions()).role_in(area)
    name = context.person.display_name if context.person else None
    sender = current_language()

    def heading(language: str | None) -> str:
        with use_language(normalize_language(language, sender), current_zone()):
            return _("broadcast.heading", area=area.name, role=role_label(role), name=name or "-")
    return heading


async def on_button(press: Press) -> None:
    """Area, audience, send now, send later, drop, or cancel a scheduled broadcast."""
    update, context, values, step = press.update, press.context, press.raw, press.step or ""
    query, person = press.query, context.person
    broadcast = await context.session.get(Broadcast, press.values[0])
    if broadcast is None or person is None or broadcast.created_by_id != person.id:
        await stale_button(update, context)
    elif step == CANCEL:
        await _cancel_scheduled(update, context, broadcast, query)
    elif broadcast.status != BroadcastStatus.DRAFT or step not in STEPS:
        await stale_button(update, context)
    else:
        await STEPS[step](update, context, broadcast, values, query)


async def _drop(update: Update, context: OtagaiContext, draft: Broadcast, _v: list[str],
                query: Pressed | CallbackQuery) -> None:
    await context.session.delete(draft)
    await query.answer()
    await edit_or_keep(query, _("broadcast.dropped"))


async def _choose_area(
    update: Update, context: OtagaiContext, draft: Broadcast, values: list[str],
    query: Pressed | CallbackQuery
) -> None:
    area_id = int_value(values, 2)
    area = next((a for a in await _areas(context) if a.id == area_id), None)
    if area is None:
        await refuse(update, "broadcast.not_allowed")
        return
    choose_area(draft, area)
    await query.answer()
    await _show(context, query, draft, _("broadcast.ask_audience", area=area.name),
                _audience_keyboard(draft))


async def _choose_interest_kind(
    update: Update, context: OtagaiContext, draft: Broadcast, _v: list[str],
    query: Pressed | CallbackQuery
) -> None:
    area = await _draft_area(update, context, draft)
    if area is None:
        return
    await query.answer()
    await _show(context, query, draft, _("broadcast.ask_interest_kind", area=area.name),
                _interest_keyboard(draft))


async def _draft_area(update: Update, context: OtagaiContext, draft: Broadcast) -> Area | None:
    """Return the draft's area if the person may still broadcast there, else refuse."""
    area = next((a for a in await _areas(context) if a.id == draft.area_id), None)
    if area is None or draft.text is None:
        await refuse(update, "broadcast.not_allowed")
        return None
    return area


async def _choose_audience(
    update: Update, context: OtagaiContext, draft: Broadcast, values: list[str],
    query: Pressed | CallbackQuery
) -> None:
    try:
        audience = Audience(values[2])
    except (IndexError, ValueError):
        await stale_button(update, context)
        return
    area = await _draft_area(update, context, draft)
    if area is None:
        return
    choose_audience(draft, audience)
    await query.answer()
    await _show(context, query, draft, *await _preview(context, draft, area))


async def _send_now(
    update: Update, context: OtagaiContext, draft: Broadcast, _v: list[str],
    query: Pressed | CallbackQuery
) -> None:
    area = await _draft_area(update, context, draft)
    if area is None or draft.audience is None:
        return
    count = await queue(context.session, draft, area, await _heading(context, area))
    await query.answer()
    note = group_quiet_note(context) if draft.audience in GROUP_AUDIENCES else ""
    await edit_or_keep(query, _("broadcast.queued", count=count) + note)
    if context.services.dispatcher is not None:
        context.services.dispatcher.wake()


async def _send_later(
    update: Update, context: OtagaiContext, draft: Broadcast, _v: list[str],
    query: Pressed | CallbackQuery
) -> None:
    if await _draft_area(update, context, draft) is None or draft.audience is None:
        return
    wait_for_time(draft)
    await query.answer()
    await _show(context, query, draft, _("broadcast.ask_time"))


STEPS = {DROP: _drop, AREA: _choose_area, AUDIENCE: _choose_audience, NOW: _send_now,
         LATER: _send_later, INTEREST_KINDS: _choose_interest_kind,
         **dict.fromkeys(WHEN_STEPS, _answer_time)}


async def _cancel_scheduled(update: Update, context: OtagaiContext, broadcast: Broadcast,
                            query: Pressed | CallbackQuery) -> None:
    if broadcast.status != BroadcastStatus.QUEUED:
        await query.answer(plain("broadcast.already_done"), show_alert=True)
        return
    stopped = await cancel(context.session, broadcast)
    await query.answer()
    await edit_or_keep(query, _("broadcast.cancelled", count=stopped))


async def list_broadcasts(update: Update, context: OtagaiContext) -> None:
    """Show the person's latest broadcasts with their delivery numbers."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    if not (await context.permissions()).may(Action.BROADCAST):
        await refuse(update, "broadcast.not_allowed")
        return
    person = await context.ensure_person()
    lines, rows = [_("broadcast.list_heading")], []
    for broadcast in await recent(context.session, person.id):
        counts = await counts_by_status(context.session, broadcast.id)
        lines.append(_("broadcast.list_line", id=broadcast.id,
                       when=format_datetime(broadcast.send_at or broadcast.created_at),
                       sent=counts[OutboxStatus.SENT],
                       waiting=counts[OutboxStatus.PENDING] + counts[OutboxStatus.SENDING],
                       failed=counts[OutboxStatus.FAILED], blocked=counts[OutboxStatus.BLOCKED],
                       cancelled=counts[OutboxStatus.CANCELLED]))
        if broadcast.status == BroadcastStatus.QUEUED and counts[OutboxStatus.PENDING]:
            rows.append([button("broadcast.button.cancel_numbered",
                                callback_data(PREFIX, CANCEL, broadcast.id), id=broadcast.id)])
    if len(lines) == 1:
        lines.append(_("broadcast.list_empty"))
    await update.effective_message.reply_text(
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows else None)


def register(application: Application) -> None:
    """Attach /broadcast, /broadcasts and their buttons (typed text: ``TYPED``)."""
    application.add_handler(CommandHandler("broadcast", begin))
    application.add_handler(CommandHandler("broadcasts", list_broadcasts))
    router = router_of(application)
    router.route(PREFIX, on_button, ID, steps=(DROP, NOW, LATER, CANCEL, INTEREST_KINDS))
    router.route(PREFIX, on_button, ID, ID, steps=AREA)
    router.route(PREFIX, on_button, ID, Choice(*Audience), steps=AUDIENCE)
    router.route(PREFIX, on_button, ID, *CARRIED, steps=WHEN_STEPS)  # the time's questions


# Typed text while this capability waits for it (see handlers.typed_input).
TYPED = TypedInput(waiting_for_text, capture_text, leave_broadcast_draft,
                   N_("conversation.what.broadcast"), (PREFIX,))
