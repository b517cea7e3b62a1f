"""Offering help (/offer, supporters): the kinds of help a supporter can give, and a pause.

Coordinators ask a supporter for one need from the need's card (``handlers/needs.py``); the
supporter's kinds of help decide whom the card suggests.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from bot.context import OtagaiContext
from handlers.common import (
    button,
    callback_data,
    edit_or_keep,
    private_only,
    refuse,
)
from handlers.common import chosen as mark
from handlers.conversation import asked
from handlers.fallback import stale_button
from handlers.router import Choice, Press, router_of
from locales.i18n import N_, _, plain
from models import SupportOffer
from models.needs import Category, move_offer, offer_of, toggle_offer, toggle_offer_paused
from models.permissions import Action
from scheduler.needs import CATEGORY_LABELS

OFFER_PREFIX = "of"


def _offer_text(offer: SupportOffer) -> str:
    chosen = [plain(CATEGORY_LABELS[c]) for c in Category if c.value in (offer.categories or [])]
    state = _("offer.paused") if offer.paused else _("offer.active")
    return "\n".join([_("offer.title"), state, _(
        "offer.chosen", categories=plain("need.list_separator").join(chosen) or "-")])


def category_rows(chosen: list[str] | None, *prefix: object) -> list[list[InlineKeyboardButton]]:
    """Return the category buttons, two per row, ✅ on the chosen ones; data ``prefix:value``."""
    categories = list(Category)
    return [[InlineKeyboardButton(mark(plain(CATEGORY_LABELS[c]), c.value in (chosen or [])),
                                  callback_data=callback_data(*prefix, c.value))
             for c in categories[i:i + 2]] for i in range(0, len(categories), 2)]


def _offer_keyboard(offer: SupportOffer) -> InlineKeyboardMarkup:
    rows = category_rows(offer.categories, OFFER_PREFIX)
    rows.append([button(N_("offer.button.resume") if offer.paused else N_("offer.button.pause"),
                        callback_data(OFFER_PREFIX, "pause"))])
    return InlineKeyboardMarkup(rows)


async def offer_command(update: Update, context: OtagaiContext) -> None:
    """/offer: the kinds of help a supporter can give, and a pause."""
    if not await private_only(update, context) or update.effective_message is None:
        return
    person = context.person
    if person is None or not person.has_consented or not (
            await context.permissions()).may(Action.OFFER_HELP):
        await refuse(update, "offer.supporters_only")
        return
    offer = await offer_of(context.session, person)
    question, markup = _offer_text(offer), _offer_keyboard(offer)
    sent = await update.effective_message.reply_text(question, reply_markup=markup)
    await asked(context, "offer.categories", sent, question, markup)  # 「買い物」 typed


async def on_offer_button(press: Press) -> None:
    """Toggle a kind of help, or pause and resume."""
    update, context, query = press.update, press.context, press.query
    step = press.values[0]
    person = context.person
    if person is None or not person.has_consented or not (
            await context.permissions()).may(Action.OFFER_HELP):
        await refuse(update, "offer.supporters_only")
        return
    offer = await offer_of(context.session, person)
    category = next((c for c in Category if c.value == step), None)
    if category is not None:
        toggle_offer(offer, category)
    elif step == "pause":
        toggle_offer_paused(offer)
    else:
        await stale_button(update, context)
        return
    move_offer(offer, person)
    await query.answer(plain("checkin.settings.saved"))
    question, markup = _offer_text(offer), _offer_keyboard(offer)
    await edit_or_keep(query, question, markup)
    await asked(context, "offer.categories", query.message, question, markup)


def register(application: Application) -> None:
    """Attach /offer and its buttons."""
    application.add_handler(CommandHandler("offer", offer_command))
    router_of(application).route(OFFER_PREFIX, on_offer_button, Choice(*Category, "pause"))
