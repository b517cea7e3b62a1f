"""Following needs up (/needs, coordinators): need cards, referrals, asking a supporter.

A need is shown only to coordinators whose scope covers its district; a supporter sees the
kind of help and the district when asked, and the details only after accepting. What a
supporter offers (/offer) is in ``handlers/offers.py``.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
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
    int_value,
    private_only,
    refuse,
)
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.offers import OFFER_PREFIX
from handlers.router import ID, Choice, OneOf, Press, router_of
from handlers.typed_input import TypedInput
from locales.i18n import N_, _, format_datetime, plain
from models import Area, Need, Person, SupportRequest
from models.areas import districts
from models.clock import utcnow
from models.needs import (
    FINISHED,
    NeedProblem,
    NeedStatus,
    Referral,
    activities_for,
    add_note,
    answer_request,
    ask_supporter,
    candidates_for,
    finish,
    leave_follow_up_note,
    matched_supporter,
    need_being_noted_by,
    needs_in,
    notes_of,
    refer,
    stop_noting,
    take,
    waiting_for_follow_up,
)
from models.permissions import Action
from scheduler import needs as notices
from scheduler.needs import PREFIX, REQUEST_PREFIX, categories_text

LIST_LIMIT = 15
STATUS_LABELS = {
    NeedStatus.OPEN: N_("need.status.open"),
    NeedStatus.TAKEN: N_("need.status.taken"),
    NeedStatus.REFERRED: N_("need.status.referred"),
    NeedStatus.MATCHED: N_("need.status.matched"),
    NeedStatus.RESOLVED: N_("need.status.resolved"),
    NeedStatus.CLOSED: N_("need.status.closed"),
    NeedStatus.WITHDRAWN: N_("need.status.withdrawn"),
    NeedStatus.DRAFT: N_("need.status.withdrawn"),
}
PROBLEMS = {
    NeedProblem.TAKEN: N_("need.problem.taken"),
    NeedProblem.FINISHED: N_("need.problem.finished"),
}
REFERRAL_LABELS = {
    Referral.HOUSEHOLD_CENTRE: N_("need.referral.houkatsu"),
    Referral.SOCIAL_WELFARE: N_("need.referral.shakyo"),
    Referral.MINSEI: N_("need.referral.minsei"),
    Referral.ACTIVITY: N_("need.referral.activity"),
}


async def _district_ids_in_scope(context: OtagaiContext) -> list[int]:
    permissions = await context.permissions()
    areas = permissions.areas_in_scope(Action.FOLLOW_NEEDS, await districts(context.session))
    return [a.id for a in areas]


async def _may_follow(context: OtagaiContext, need: Need) -> bool:
    district = await context.session.get(Area, need.district_id) if need.district_id else None
    return (await context.permissions()).may(Action.FOLLOW_NEEDS, district) \
        if district is not None else (await context.permissions()).may(Action.FOLLOW_NEEDS)


# -- the list and the card -------------------------------------------------------------------

async def needs_command(update: Update, context: OtagaiContext) -> None:
    """/needs: active needs in the coordinator's scope, oldest first."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    scope = await _district_ids_in_scope(context)
    if not scope:
        await refuse(update)
        return
    needs = await needs_in(context.session, scope)
    if not needs:
        await update.effective_message.reply_text(_("need.list.empty"))
        return
    lines = [_("need.list.heading", count=len(needs))]
    rows = []
    for need in needs[:LIST_LIMIT]:
        when = format_datetime(need.raised_at or need.created_at)
        status = plain(STATUS_LABELS[need.status])
        lines.append(_("need.list.line", id=need.id, categories=categories_text(need),
                       when=when, status=status))
        rows.append([button("need.list.button", callback_data(PREFIX, need.id, "view"),
                            id=need.id, categories=categories_text(need))])
    if len(needs) > LIST_LIMIT:
        lines.append(_("need.list.more", count=len(needs) - LIST_LIMIT))
    question, markup = "\n".join(lines), InlineKeyboardMarkup(rows)
    sent = await update.effective_message.reply_text(question, reply_markup=markup)
    await asked(context, "need.list", sent, question, markup)  # 「1番を見る」 typed


async def _card(context: OtagaiContext, need: Need
                ) -> tuple[str, InlineKeyboardMarkup | None]:
    session = context.session
    resident = await session.get(Person, need.person_id)
    district = await session.get(Area, need.district_id) if need.district_id else None
    taken_by = await session.get(Person, need.taken_by_id) if need.taken_by_id else None
    supporter = await matched_supporter(session, need.id)
    lines = [_("need.card", id=need.id, name=resident.display_name if resident else "-",
               district=district.name if district else "-", categories=categories_text(need),
               note=need.note or plain("need.no_note"),
               when=format_datetime(need.raised_at or need.created_at),
               status=plain(STATUS_LABELS[need.status]))]
    if taken_by is not None:
        lines.append(_("need.card.taken_by", name=taken_by.display_name or "-"))
    if need.referred_to is not None:
        lines.append(_("need.card.referred", where=plain(REFERRAL_LABELS[need.referred_to])))
    if supporter is not None:
        lines.append(_("need.card.supporter", name=supporter.display_name or "-"))
    for note in await notes_of(session, need.id):
        lines.append(_("need.card.note", when=format_datetime(note.created_at), text=note.text))
    rows = []
    if need.status not in FINISHED:
        if need.status is NeedStatus.OPEN:
            rows.append([button("need.button.take", callback_data(PREFIX, need.id, "take"))])
        rows += [
            [button("need.button.note", callback_data(PREFIX, need.id, "note")),
             button("need.button.refer", callback_data(PREFIX, need.id, "refer"))],
            [button("need.button.match", callback_data(PREFIX, need.id, "match"))],
            [button("need.button.resolve", callback_data(PREFIX, need.id, "resolve")),
             button("need.button.close", callback_data(PREFIX, need.id, "close"))],
        ]
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


DONE = "done"  # a step that answered the button itself
Outcome = NeedProblem | str | None


async def on_need_button(press: Press) -> None:
    """Everything a coordinator does to one need: one function per step below."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    need = await context.session.get(Need, press.values[0])
    step = STEPS.get(press.values[1])
    if need is None or need.status is NeedStatus.DRAFT or step is None:
        await stale_button(update, context)
        return
    if not await _may_follow(context, need):
        await refuse(update, "need.not_in_scope")
        return
    outcome = await step(update, context, need, values[2:], query)
    if outcome == DONE:
        return
    if isinstance(outcome, NeedProblem):
        await query.answer(plain(PROBLEMS[outcome]), show_alert=True)
    else:
        await query.answer()
    await _show(context, query, need, *await _card(context, need))


async def _show(context: OtagaiContext, query: Pressed | CallbackQuery, need: Need, text: str,
                markup: InlineKeyboardMarkup | None) -> None:
    """Show the need's card or a choice in place of the last, as the open question (its
    buttons' words typed are the buttons)."""
    await edit_or_keep(query, text, markup)
    if markup is not None:
        await asked(context, "need.card", query.message, text, markup, target_id=need.id)


async def _view(update: Update, context: OtagaiContext, need: Need, args: list[str],
                query: Pressed | CallbackQuery) -> Outcome:
    return None


async def _take(update: Update, context: OtagaiContext, need: Need, args: list[str],
                query: Pressed | CallbackQuery) -> Outcome:
    problem = await take(context.session, need, await context.ensure_person(), utcnow())
    if problem is None:
        await notices.tell_resident(context.session, need, N_("need.resident.taken"),
                                    "taken")
    return problem


async def _note(update: Update, context: OtagaiContext, need: Need, args: list[str],
                query: Pressed | CallbackQuery) -> Outcome:
    if need.status in FINISHED:
        return NeedProblem.FINISHED
    need.noting_by_id = (await context.ensure_person()).id
    await query.answer()
    if query.message is not None:
        question = _("need.ask_coordinator_note", id=need.id)
        sent = await query.message.reply_text(question)
        await asked(context, "need.coordinator_note", sent, question, target_id=need.id,
                    typed=True)
    return DONE


async def _referral_menu(update: Update, context: OtagaiContext, need: Need, args: list[str],
                         query: Pressed | CallbackQuery) -> Outcome:
    await query.answer()
    await _show(context, query, need, _("need.choose_referral", id=need.id),
                InlineKeyboardMarkup(
                    [[button(label, callback_data(PREFIX, need.id, "to", where.value))]
                     for where, label in REFERRAL_LABELS.items()]
                    + [[button("need.button.back", callback_data(PREFIX, need.id, "view"))]]))
    return DONE


async def _refer(update: Update, context: OtagaiContext, need: Need, args: list[str],
                 query: Pressed | CallbackQuery) -> Outcome:
    where = next((r for r in Referral if args[:1] == [r.value]), None)
    if where is None:
        await stale_button(update, context)
        return DONE
    if where is Referral.ACTIVITY:
        return await _show_activities(update, context, need, query)
    problem = refer(need, await context.ensure_person(), where)
    if problem is None:
        await notices.tell_resident(context.session, need, N_("need.resident.referred"),
                                    f"referred-{where.value}")
    return problem


async def _resolve(update: Update, context: OtagaiContext, need: Need, args: list[str],
                   query: Pressed | CallbackQuery) -> Outcome:
    problem = finish(need, await context.ensure_person(), NeedStatus.RESOLVED, utcnow())
    if problem is None:
        await notices.tell_resident(context.session, need, N_("need.resident.resolved"),
                                    "resolved")
    return problem


async def _close(update: Update, context: OtagaiContext, need: Need, args: list[str],
                 query: Pressed | CallbackQuery) -> Outcome:
    return finish(need, await context.ensure_person(), NeedStatus.CLOSED, utcnow())


async def _show_candidates(update: Update, context: OtagaiContext, need: Need,
                           args: list[str], query: Pressed | CallbackQuery) -> Outcome:
    if need.status in FINISHED:
        return NeedProblem.FINISHED
    await query.answer()
    people = await candidates_for(context.session, need)
    rows = [[button("need.candidate", callback_data(PREFIX, need.id, "ask", p.id),
                    name=p.display_name or "-")] for p in people[:10]]
    rows.append([button("need.button.back", callback_data(PREFIX, need.id, "view"))])
    text = _("need.candidates", categories=categories_text(need)) if people \
        else _("need.no_candidates", categories=categories_text(need))
    await _show(context, query, need, text, InlineKeyboardMarkup(rows))
    return DONE


async def _show_activities(update: Update, context: OtagaiContext, need: Need,
                           query: Pressed | CallbackQuery) -> Outcome:
    if need.status in FINISHED:
        return NeedProblem.FINISHED
    await query.answer()
    activities = await activities_for(context.session, need)
    rows = [[button("need.activity_choice", callback_data(PREFIX, need.id, "act", a.id),
                    name=a.name or "-")] for a in activities]
    rows.append([button("need.button.back", callback_data(PREFIX, need.id, "view"))])
    text = _("need.activities") if activities else _("need.no_activities")
    await _show(context, query, need, text, InlineKeyboardMarkup(rows))
    return DONE


async def _ask_organiser(update: Update, context: OtagaiContext, need: Need, args: list[str],
                         query: Pressed | CallbackQuery) -> Outcome:
    chosen = {a.id: a for a in await activities_for(context.session, need)}.get(
        int_value(args, 0) or 0)
    organiser = await context.session.get(Person, chosen.organiser_id) \
        if chosen and chosen.organiser_id else None
    if chosen is None or organiser is None:
        await stale_button(update, context)
        return DONE
    return await _request_help(update, context, need, organiser, query,
                               activity_id=chosen.id)


async def _ask(update: Update, context: OtagaiContext, need: Need, args: list[str],
               query: Pressed | CallbackQuery) -> Outcome:
    candidates = {p.id: p for p in await candidates_for(context.session, need)}
    supporter = candidates.get(int_value(args, 0) or 0)
    if supporter is None:
        await stale_button(update, context)
        return DONE
    return await _request_help(update, context, need, supporter, query)


async def _request_help(update: Update, context: OtagaiContext, need: Need, helper: Person,
                        query: Pressed | CallbackQuery, *, activity_id: int | None = None
                        ) -> Outcome:
    """Send a supporter (or an activity's organiser) the request, once; show the card."""
    if need.status in FINISHED:
        return NeedProblem.FINISHED
    request = await ask_supporter(context.session, need, helper,
                                  await context.ensure_person(), activity_id)
    if request is None:
        await query.answer(plain("need.already_asked", name=helper.display_name or "-"),
                           show_alert=True)
        return DONE
    await notices.queue_support_request(context.session, need, request, helper)
    await query.answer(plain("need.asked", name=helper.display_name or "-"))
    await _show(context, query, need, *await _card(context, need))
    return DONE


STEPS = {"view": _view, "take": _take, "note": _note, "refer": _referral_menu, "to": _refer,
         "match": _show_candidates, "ask": _ask, "act": _ask_organiser, "resolve": _resolve,
         "close": _close}


async def capture_coordinator_note(update: Update, context: OtagaiContext) -> None:
    """A coordinator's typed note on the need they chose to write about."""
    message, person = update.effective_message, context.person
    if message is None or person is None or not message.text:
        return
    need = await need_being_noted_by(context.session, person.id)
    if need is None:
        return
    if not await _may_follow(context, need):
        stop_noting(need)
        await message.reply_text(_("need.not_in_scope"))
        raise ApplicationHandlerStop
    add_note(context.session, need, person, message.text)
    await context.session.flush()
    text, markup = await _card(context, need)
    text = _("need.note_saved") + "\n\n" + text
    sent = await message.reply_text(text, reply_markup=markup)
    if markup is not None:
        await asked(context, "need.card", sent, text, markup, target_id=need.id)
    raise ApplicationHandlerStop


# -- supporters ------------------------------------------------------------------------------

async def on_request_button(press: Press) -> None:
    """A supporter accepts or declines a request sent to them."""
    update, context, query = press.update, press.context, press.query
    request = await context.session.get(SupportRequest, press.values[0])
    need = await context.session.get(Need, request.need_id) if request else None
    choice = press.values[1]
    person = context.person
    if request is None or need is None or choice not in ("yes", "no"):
        await stale_button(update, context)
        return
    if person is None or request.supporter_id != person.id:
        await refuse(update, "need.not_your_request")
        return
    if not answer_request(request, need, choice == "yes", utcnow()):
        await query.answer(plain("need.request_closed"), show_alert=True)
        return
    await query.answer()
    name = person.display_name or "-"
    if choice == "yes":
        resident = await context.session.get(Person, need.person_id)
        district = await context.session.get(Area, need.district_id) if need.district_id \
            else None
        await edit_or_keep(query, _(
            "need.request_accepted", name=resident.display_name if resident else "-",
            district=district.name if district else "-", categories=categories_text(need),
            note=need.note or plain("need.no_note")))
        await notices.tell_person(context.session, request.asked_by_id,
                                  N_("need.supporter_accepted"), f"request:{request.id}:accepted",
                                  about=person.id, name=name, id=need.id)
        await notices.tell_resident(context.session, need, N_("need.resident.matched"),
                                    f"matched-{request.id}")
    else:
        await edit_or_keep(query, _("need.request_declined"))
        await notices.tell_person(context.session, request.asked_by_id,
                                  N_("need.supporter_declined"), f"request:{request.id}:declined",
                                  about=person.id, name=name, id=need.id)


def register(application: Application) -> None:
    """Attach /needs, its buttons, and coordinators' typed notes."""
    application.add_handler(CommandHandler("needs", needs_command))
    router = router_of(application)
    router.route(PREFIX, on_need_button, ID, Choice(*STEPS),
                 OneOf(Choice(*Referral), ID, optional=True))  # where to, or whom
    router.route(REQUEST_PREFIX, on_request_button, ID, Choice("yes", "no"))


# Typed text while this capability waits for it (see handlers.typed_input).
TYPED = TypedInput(waiting_for_follow_up, capture_coordinator_note, leave_follow_up_note,
                   N_("conversation.what.follow_up_note"),
                   (PREFIX, REQUEST_PREFIX, OFFER_PREFIX))
