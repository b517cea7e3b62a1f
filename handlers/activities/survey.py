"""An activity's fields for the national 通いの場 survey (``models.kayoinoba``): 主な活動内容,
運営主体, 開催場所, 参加費, 専門職の関与, and whether it counts as a 通いの場 at all.

The organiser is asked the category when proposing, where the kind does not say it; the
rest is set by the organiser or a coordinator of the district from the activity's card (and
offered to the coordinator who approves a proposal). Every choice is a button, saved at
once; 「わからない」 leaves it blank for the municipality to fill in.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.activities.shared import SURVEY
from handlers.activity_views import may_manage
from handlers.common import (
    button,
    callback_data,
    chosen,
    edit_or_keep,
    refuse,
)
from handlers.fallback import stale_button
from handlers.router import ID, Press, Router, Text
from locales.i18n import N_, _, plain
from models import Activity
from models.activities import VISIBLE
from models.kayoinoba import Operator, SurveyCategory, Venue, band, counts_as_place
from models.schedule import Schedule

UNKNOWN = "n"  # the button data of 「わからない」
CHOICE_BYTES = 24  # the longest choice in a button's data (a survey category's value)
# The fields, their button code, their enum (None: yes or no) and their label key.
FIELDS: dict[str, tuple[str, type[StrEnum] | None, str]] = {
    "c": ("survey_category", SurveyCategory, N_("survey.column.category")),
    "o": ("operator", Operator, N_("survey.column.operator")),
    "v": ("venue", Venue, N_("survey.column.venue")),
    "f": ("has_fee", None, N_("survey.column.fee")),
    "p": ("professionals", None, N_("survey.column.professionals")),
    "k": ("kayoinoba", None, N_("survey.column.counted")),
}
YES_NO = {True: N_("survey.yes"), False: N_("survey.no")}
GROUPS = {SurveyCategory: "category", Operator: "operator", Venue: "venue"}
YES_NO_BUTTONS = {
    "f": (N_("survey.button.fee_yes"), N_("survey.button.fee_no")),
    "p": (N_("survey.button.professionals_yes"), N_("survey.button.professionals_no")),
    "k": (N_("survey.button.counted_yes"), N_("survey.button.counted_no")),
}


def choice_rows(values: type[StrEnum], current: str | None,
                data: Callable[[str], str]) -> list[list[InlineKeyboardButton]]:
    """Return one button per value (two a row, the current one marked) and 「わからない」."""
    group = GROUPS[values]
    options = [InlineKeyboardButton(chosen(plain(f"survey.{group}.{v.value}"), v == current),
                                    callback_data=data(v.value)) for v in values]
    rows = [options[i:i + 2] for i in range(0, len(options), 2)]
    rows.append([button("survey.button.unknown", data(UNKNOWN))])
    return rows


def _shown(activity: Activity, code: str) -> str:
    field, values, _label = FIELDS[code]
    value = getattr(activity, field)
    if value is None:
        return plain("survey.unset_auto") if code == "k" else plain("survey.unset")
    if values is not None:
        return plain(f"survey.{GROUPS[values]}.{value}")
    yes, no = YES_NO_BUTTONS[code]
    return plain(yes if value else no)


def menu(activity: Activity) -> tuple[str, InlineKeyboardMarkup]:
    """Return the survey fields as they are, with a button for each."""
    schedule = Schedule.from_json(activity.schedule) if activity.schedule else None
    found = band(schedule) if schedule else None
    counted = counts_as_place(activity.kind.value if activity.kind else None,
                              activity.kayoinoba, schedule)
    text = _("survey.menu", name=activity.name or "-",
             category=_shown(activity, "c"), operator=_shown(activity, "o"),
             venue=_shown(activity, "v"), fee=_shown(activity, "f"),
             professionals=_shown(activity, "p"), counted=_shown(activity, "k"),
             band=plain(f"survey.band.{found}") if found else plain("survey.no_band"),
             counted_now=plain(YES_NO[counted]))
    codes = list(FIELDS)
    rows = [[InlineKeyboardButton(plain(FIELDS[c][2]),
                                  callback_data=callback_data(SURVEY, c, activity.id))
             for c in codes[i:i + 2]] for i in range(0, len(codes), 2)]
    rows.append([button("survey.button.done", callback_data(SURVEY, "d", activity.id))])
    return text, InlineKeyboardMarkup(rows)


def _choices(activity: Activity, code: str) -> InlineKeyboardMarkup:
    field, values, _label = FIELDS[code]
    current = getattr(activity, field)

    def data(value: str) -> str:
        return callback_data(SURVEY, code, activity.id, value)

    if values is not None:
        return InlineKeyboardMarkup(choice_rows(values, current, data))
    yes, no = YES_NO_BUTTONS[code]
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(chosen(plain(yes), current is True), callback_data=data("y")),
         InlineKeyboardButton(chosen(plain(no), current is False), callback_data=data("x"))],
        [button("survey.button.unknown", data(UNKNOWN))]])


def _value(code: str, raw: str) -> tuple[bool, object]:
    """Return whether ``raw`` is a valid choice for the field, and the value to keep."""
    values = FIELDS[code][1]
    if raw == UNKNOWN:
        return True, None
    if values is None:
        return raw in ("y", "x"), raw == "y"
    known = {v.value: v for v in values}
    return raw in known, known.get(raw)


def register_buttons(router: Router) -> None:
    """The survey fields' buttons: the menu (``m``), done (``d``), and each field's choices
    (the field's code as the step, then the choice, when one was pressed)."""
    router.route(SURVEY, on_survey_button, ID, steps=("m", "d"))
    router.route(SURVEY, on_survey_button, ID, Text(CHOICE_BYTES, optional=True),
                 steps=tuple(FIELDS))


async def on_survey_button(press: Press) -> None:
    """The menu from the card, a field's choices, a choice saved, or done."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    step, activity_id = press.step or "", press.values[0]
    activity = await context.session.get(Activity, activity_id)
    if activity is None or activity.status not in VISIBLE:
        await stale_button(update, context)
        return
    if not await may_manage(context, activity):
        await refuse(update, "activity.manage_not_allowed")
        return
    await query.answer()
    if step == "m" and query.message is not None:  # from the card: a new message
        text, keyboard = menu(activity)
        await query.message.reply_text(text, reply_markup=keyboard)
    elif step == "d":
        await edit_or_keep(query, menu(activity)[0])
    elif press.value(1) is None:
        await edit_or_keep(query, _("survey.choose", name=activity.name or "-",
                                    field=plain(FIELDS[step][2])), _choices(activity, step))
    else:
        valid, value = _value(step, values[2])
        if not valid:
            await stale_button(update, context)
            return
        setattr(activity, FIELDS[step][0], value)
        text, keyboard = menu(activity)
        await edit_or_keep(query, text, keyboard)
