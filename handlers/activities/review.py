"""A coordinator's review of a proposed activity: approve it, or decline it with a reason;
the proposer is told either way."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.context import OtagaiContext
from handlers.activities.shared import REJECT_REASONS, REVIEW, SURVEY
from handlers.common import (
    button,
    callback_data,
    edit_or_keep,
    refuse,
)
from handlers.fallback import stale_button
from handlers.router import ID, Choice, Press, Router
from locales.i18n import N_, _, plain
from models import Activity, ActivityStatus, Area, Person
from models.activities import (
    review,
)
from models.kayoinoba import asks_category
from models.notices import Notice, label
from models.outbox import enqueue
from models.permissions import coordinates_activity


def register_buttons(router: Router) -> None:
    router.route(REVIEW, on_review_button, ID, steps="a")
    router.route(REVIEW, on_review_button, ID, Choice(*REJECT_REASONS), steps="r")


async def on_review_button(press: Press) -> None:
    """A coordinator approves or rejects a proposal; the proposer is told either way."""
    update, context, query, values = press.update, press.context, press.query, press.raw
    step = press.step
    activity = await context.session.get(Activity, press.values[0])
    district = (await context.session.get(Area, activity.district_id)
                if activity and activity.district_id else None)
    if activity is None or district is None:
        await stale_button(update, context)
        return
    if not coordinates_activity(await context.permissions(), activity, district):
        await refuse(update, "activity.review_not_allowed")
        return
    if activity.status != ActivityStatus.PROPOSED:
        await query.answer(plain("activity.already_reviewed"), show_alert=True)
        return
    reason_key = REJECT_REASONS.get(values[2]) if step == "r" and len(values) > 2 else None
    if step == "r" and reason_key is None:
        await stale_button(update, context)
        return
    reviewer = await context.ensure_person()
    review(activity, reviewer.id, approve=step == "a", reason=values[2] if reason_key else None)
    await query.answer()
    if reason_key is None:  # offered the survey's fields, to fill in now or later
        text = _("activity.approved_by_you", name=activity.name or "-")
        rows = [[button("survey.button.open", callback_data(SURVEY, "m", activity.id))]]
        if activity.survey_category is None and asks_category(activity.kind):
            # the proposer did not know what it mainly does: the coordinator is asked
            text += "\n\n" + _("survey.ask_category_on_review")
            rows.insert(0, [button("survey.button.choose_category",
                                   callback_data(SURVEY, "c", activity.id))])
        await edit_or_keep(query, text, InlineKeyboardMarkup(rows))
    else:
        await edit_or_keep(query, _("activity.rejected_by_you", name=activity.name or "-",
                                    reason=plain(reason_key)))
    await _tell_proposer(context, activity, reason_key)


async def _tell_proposer(context: OtagaiContext, activity: Activity, reason_key: str | None
                         ) -> None:
    proposer = (await context.session.get(Person, activity.organiser_id)
                if activity.organiser_id else None)
    if proposer is None:
        return
    if reason_key is None:
        notice = Notice(N_("activity.approved"), {"name": activity.name or "-"})
    else:
        notice = Notice(N_("activity.rejected"), {"name": activity.name or "-",
                                                  "reason": label(reason_key)})
    enqueue(context.session, key=f"activity-reviewed:{activity.id}", notice=notice,
            person_id=proposer.id)
