"""Watching (見守り): opting in, going away for a while, and coordinators resolving alerts.

Before opting in the person reads exactly who is told when they stay silent: their district
coordinator, nobody else.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CommandHandler

from bot.context import OtagaiContext
from handlers.common import (
    Pressed,
    button,
    callback_data,
    deep_link,
    edit_or_keep,
    person_name,
    private_only,
    refuse,
)
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.router import ID, Choice, Int, OneOf, Press, Text, router_of
from locales.i18n import N_, _, current_zone, format_date, format_datetime, plain
from models import Person, WatchAlert
from models.checkins import (
    AWAY_LIMIT,
    CheckinPreference,
    come_back,
    go_away,
    is_away,
    preference_of,
)
from models.clock import utcnow
from models.watching import (
    CONTACT_LINK_LIFETIME,
    MAX_CONTACTS,
    WATCH_CHOICES,
    AlertOutcome,
    AlertProblem,
    ContactProblem,
    WatchContact,
    accept_contact,
    alert_to_resolve,
    contacts_of,
    new_contact_link,
    open_contact_link,
    remove_contact,
    resolve_alert,
    set_watching,
)
from models.when import read_date
from scheduler.checkins import ALERT_PREFIX
from scheduler.needs import tell_person

PREFIX = "wt"
AWAY_PREFIX = "aw"
CONTACT_PREFIX = "wc"
CONTACT_PAYLOAD = "wc"  # /start wc<token>
CONTACT_PROBLEMS = {
    ContactProblem.UNKNOWN: N_("watch.contact_problem.unknown"),
    ContactProblem.USED: N_("watch.contact_problem.used"),
    ContactProblem.EXPIRED: N_("watch.contact_problem.expired"),
    ContactProblem.SELF: N_("watch.contact_problem.self"),
}
AWAY_CHOICES = (3, 7, 14, 30)  # days


async def _registered(update: Update, context: OtagaiContext) -> Person | None:
    person = context.person
    if person is None or not person.has_consented:
        await refuse(update, "checkin.not_registered")
        return None
    return person


def _watch_text(preference: CheckinPreference, contacts: list[WatchContact]) -> str:
    state = _("watch.on", hours=preference.watch_hours) if preference.watching \
        else _("watch.off")
    names = plain("need.list_separator").join(c.contact_name or "-" for c in contacts)
    who = _("watch.contacts", names=names) if contacts else _("watch.no_contacts")
    return "\n\n".join([_("watch.explain"), state, who])


def _watch_keyboard(preference: CheckinPreference, contacts: list[WatchContact]
                    ) -> InlineKeyboardMarkup:
    if not preference.watching:
        return InlineKeyboardMarkup([[
            button("watch.button.hours", callback_data(PREFIX, "on", hours), hours=hours)
            for hours in WATCH_CHOICES]])
    # Watching already: the other windows are a change, not a start.
    rows = [[button("watch.button.change_hours", callback_data(PREFIX, "on", hours),
                    hours=hours)
             for hours in WATCH_CHOICES if hours != preference.watch_hours]]
    if len(contacts) < MAX_CONTACTS:
        rows.append([button("watch.button.add_contact", callback_data(PREFIX, "add"))])
    rows += [[button("watch.button.remove_contact", callback_data(PREFIX, "rm", c.id),
                     name=c.contact_name or "-")] for c in contacts]
    rows.append([button("watch.button.stop", callback_data(PREFIX, "off"))])
    return InlineKeyboardMarkup(rows)


async def _contacts(context: OtagaiContext, person: Person) -> list[WatchContact]:
    return [link for link, _contact in await contacts_of(context.session, person.id)]


async def watch_command(update: Update, context: OtagaiContext) -> None:
    """/watch: what watching means, and buttons to start (with a window) or stop it."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = await _registered(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    contacts = await _contacts(context, person)
    question, markup = _watch_text(preference, contacts), _watch_keyboard(preference, contacts)
    sent = await update.effective_message.reply_text(question, reply_markup=markup)
    await asked(context, "watch.menu", sent, question, markup)  # 「48時間で始める」 typed


async def on_watch_button(press: Press) -> None:
    """Start watching with the chosen window, or stop."""
    update, context, query = press.update, press.context, press.query
    step, hours = press.step, press.value(0)
    person = await _registered(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    if step == "on" and hours in WATCH_CHOICES:
        set_watching(preference, True, hours)
    elif step == "off":
        set_watching(preference, False)
    elif step == "add" and preference.watching:
        await _send_contact_link(query, context, person)
        return
    elif step == "rm" and await remove_contact(context.session, person.id, hours or 0):
        await context.session.flush()
    else:
        await stale_button(update, context)
        return
    await query.answer(plain("checkin.settings.saved"))
    contacts = await _contacts(context, person)
    question, markup = _watch_text(preference, contacts), _watch_keyboard(preference, contacts)
    await edit_or_keep(query, question, markup)
    await asked(context, "watch.menu", query.message, question, markup)


async def _send_contact_link(query: Pressed | CallbackQuery, context: OtagaiContext,
                             person: Person) -> None:
    link = await new_contact_link(context.session, person, utcnow())
    if link is None:
        await query.answer(plain("watch.too_many_contacts", count=MAX_CONTACTS),
                           show_alert=True)
        return
    await query.answer()
    if query.message is not None:
        await query.message.reply_text(_("watch.contact_link", days=CONTACT_LINK_LIFETIME.days,
                                         link=deep_link(context, CONTACT_PAYLOAD + link.token)))


async def open_contact_invitation(update: Update, context: OtagaiContext, token: str) -> None:
    """/start wc<token>: someone was asked to be a watched person's emergency contact."""
    message = update.effective_message
    assert message is not None
    opener = await context.ensure_person()
    found = await open_contact_link(context.session, token, opener, utcnow())
    if isinstance(found, ContactProblem):
        await message.reply_text(_(CONTACT_PROBLEMS[found]))
        return
    watched = await context.session.get(Person, found.person_id)
    # The buttons carry the link's secret token, not its row number: pressing them proves
    # the presser holds the link (row numbers count up from 1 and anyone can forge them).
    await message.reply_text(
        _("watch.contact_ask", name=watched.display_name if watched else "-"),
        reply_markup=InlineKeyboardMarkup([[
            button("watch.button.contact_yes",
                   callback_data(CONTACT_PREFIX, found.token, "yes")),
            button("watch.button.contact_no",
                   callback_data(CONTACT_PREFIX, found.token, "no"))]]))


async def on_contact_button(press: Press) -> None:
    """The invited contact accepts (once) or declines.

    The button carries the link's token. Without the right one (a forged or guessed button)
    the presser is refused without a word about the person, and nothing is stored, not even
    a row for the presser.
    """
    update, context, query = press.update, press.context, press.query
    token, choice = press.values
    found = await open_contact_link(context.session, token, context.person, utcnow())
    if found is ContactProblem.UNKNOWN:
        await query.answer(plain("watch.contact_problem.button"), show_alert=True)
        return
    if isinstance(found, ContactProblem):
        await query.answer(plain(CONTACT_PROBLEMS[found]), show_alert=True)
        return
    link = found
    await query.answer()
    watched = await context.session.get(Person, link.person_id)
    name = watched.display_name if watched else "-"
    if choice == "no":
        await edit_or_keep(query, _("watch.contact_declined", name=name))
        return
    opener = await context.ensure_person()
    contact_name = person_name(update.effective_user)
    if not await accept_contact(context.session, link, opener, contact_name, utcnow()):
        await edit_or_keep(query, _(CONTACT_PROBLEMS[ContactProblem.USED]))
        return
    await edit_or_keep(query, _("watch.contact_accepted", name=name))
    if watched is not None:
        await tell_person(context.session, watched.id, N_("watch.contact_joined"),
                          f"watch-contact-joined:{link.id}", about=opener.id,
                          name=contact_name)


def _away_keyboard(away: bool) -> InlineKeyboardMarkup:
    rows = [[button("away.button.days", callback_data(AWAY_PREFIX, days), days=days)
             for days in AWAY_CHOICES]]
    if away:
        rows.append([button("away.button.back", callback_data(AWAY_PREFIX, "back"))])
    return InlineKeyboardMarkup(rows)


async def away_command(update: Update, context: OtagaiContext) -> None:
    """/away [date]: no check-ins and no watching alerts until a date (travel, hospital)."""
    message = update.effective_message
    if not await private_only(update, context) or message is None:
        return
    person = await _registered(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    today = utcnow().astimezone(current_zone()).date()
    typed = " ".join(context.args or []).strip()
    if typed:
        found = read_date(typed, utcnow().astimezone(current_zone()))
        until, rolled = found if found is not None else (None, False)
        if until is not None and rolled:  # 11月1日 on 30 November: asked, never taken silently
            await _ask_next_year(message, context, until, today)
        elif until is None or go_away(preference, until, today) is not None:
            await message.reply_text(_("away.bad_date", days=AWAY_LIMIT.days))
        else:
            await message.reply_text(_("away.saved", date=format_date(until)))
        return
    away = is_away(preference, today)
    state = _("away.now", date=format_date(preference.away_until)) if away and \
        preference.away_until else _("away.not_away")
    question, markup = "\n\n".join([_("away.explain"), state]), _away_keyboard(away)
    sent = await message.reply_text(question, reply_markup=markup)
    await asked(context, "away.days", sent, question, markup)  # 「7日」 typed is the button


async def _ask_next_year(message: Message, context: OtagaiContext, until: date,
                         today: date) -> None:
    """A date that passed this year: next year's, if that is not too far; else say so."""
    if until - today > AWAY_LIMIT:
        await message.reply_text(_("away.past_date", month=until.month, day=until.day,
                                   days=AWAY_LIMIT.days))
        return
    question = _("meeting.ask_next_year", year=until.year, month=until.month, day=until.day)
    markup = InlineKeyboardMarkup([
        [button("meeting.button.yes", callback_data(AWAY_PREFIX, "on", until.toordinal()))],
        [button("meeting.button.no_retype", callback_data(AWAY_PREFIX, "no"))]])
    sent = await message.reply_text(question, reply_markup=markup)
    await asked(context, "away.next_year", sent, question, markup)


async def on_away_button(press: Press) -> None:
    """Go away for some days (or until next year's date, confirmed), or say one is back."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    days = press.values[0] if isinstance(press.values[0], int) else None
    person = await _registered(update, context)
    if person is None:
        return
    preference = await preference_of(context.session, person.id)
    today = utcnow().astimezone(current_zone()).date()
    until = _date_of(values[1:2])
    if values[:1] == ["back"]:
        come_back(preference)
        text = _("away.back")
    elif values[:1] == ["no"]:
        text = _("away.retype")
    elif values[:1] == ["on"] and until is not None \
            and go_away(preference, until, today) is None:  # next year's date, confirmed
        text = _("away.saved", date=format_date(until))
    elif days in AWAY_CHOICES:
        until = today + timedelta(days=days)
        go_away(preference, until, today)
        text = _("away.saved", date=format_date(until))
    else:
        await stale_button(update, context)
        return
    await query.answer()
    await edit_or_keep(query, text)


def _date_of(values: list[str]) -> date | None:
    """The date carried in a button (its ordinal), or None when missing or forged."""
    try:
        return date.fromordinal(int(values[0]))
    except (IndexError, ValueError, OverflowError):
        return None


async def on_alert_button(press: Press) -> None:
    """A coordinator contacted the person: the alert is resolved (once)."""
    update, context, query = press.update, press.context, press.query
    alert = await alert_to_resolve(context.session, press.values[0], await context.permissions())
    if alert is AlertProblem.GONE:
        await stale_button(update, context)
        return
    if alert is AlertProblem.NOT_YOURS:
        await refuse(update, "need.not_in_scope")
        return
    assert isinstance(alert, WatchAlert)
    person = await context.session.get(Person, alert.person_id)
    name = person.display_name if person else "-"
    me = await context.ensure_person()
    done = await resolve_alert(context.session, alert.id, me.id, utcnow())
    if isinstance(done, AlertProblem):
        await stale_button(update, context)
        return
    if done.outcome is AlertOutcome.ALREADY_RESOLVED:
        resolver = await context.session.get(Person, done.resolved_by_id) \
            if done.resolved_by_id else None
        await query.answer(plain("watch.already_resolved",
                                 by=resolver.display_name if resolver else "-"),
                           show_alert=True)
        return
    await query.answer()
    await edit_or_keep(query, _("watch.resolved", name=name,
                                when=format_datetime(done.resolved_at)))


def register(application: Application) -> None:
    """Attach /watch, /away and the alert button."""
    application.add_handler(CommandHandler("watch", watch_command))
    application.add_handler(CommandHandler("away", away_command))
    router = router_of(application)
    router.route(PREFIX, on_watch_button, steps=("add", "off"))
    router.route(PREFIX, on_watch_button, Int(digits=3), steps="on")  # hours
    router.route(PREFIX, on_watch_button, ID, steps="rm")  # a contact
    router.route(AWAY_PREFIX, on_away_button,  # days, or next year's date (its ordinal)
                 OneOf(Choice("back", "on", "no"), Int(digits=3)), Int(digits=7, optional=True))
    router.route(CONTACT_PREFIX, on_contact_button, Text(32), Choice("yes", "no"))  # a token
    router.route(ALERT_PREFIX, on_alert_button, ID, Choice("ok", optional=True))
