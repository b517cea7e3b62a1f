"""What the bot says about needs on its own: to coordinators, residents and supporters.

Every notice goes through the outbox, in the recipient's language, in a private chat. Needs
nobody took are sent again after a while to the district's and the municipality's
coordinators; finished needs are deleted after the retention period.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from locales.i18n import N_, plain
from models import Activity, Area, Need, Person, limits
from models.clock import utcnow
from models.needs import Category, SupportRequest, forget_old_needs, needs_to_resend
from models.notices import Choice, Notice, Param, labels, moment, text_or
from models.outbox import enqueue
from models.roles import municipal_coordinators_of, responsible_coordinators
from scheduler.once import once
from scheduler.services import JobServices

log = logging.getLogger(__name__)

PREFIX = "nd"  # coordinators' buttons on a need
REQUEST_PREFIX = "sr"  # supporters' answers to a request
CATEGORY_LABELS = {
    Category.SHOPPING: N_("need.category.shopping"),
    Category.OUTINGS: N_("need.category.outings"),
    Category.RUBBISH: N_("need.category.rubbish"),
    Category.MEALS: N_("need.category.meals"),
    Category.HOUSEHOLD: N_("need.category.household"),
    Category.TALK: N_("need.category.talk"),
    Category.PAPERWORK: N_("need.category.paperwork"),
    Category.HEALTH: N_("need.category.health"),
    Category.CARE: N_("need.category.care"),
    Category.OTHER: N_("need.category.other"),
}


def categories(need: Need) -> dict[str, Any]:
    """The need's kinds of help, as a notice parameter."""
    return labels((CATEGORY_LABELS[c] for c in need.category_list), N_("need.list_separator"))


def categories_text(need: Need) -> str:
    """Return the need's categories in the current language, joined."""
    return plain("need.list_separator").join(plain(CATEGORY_LABELS[c])
                                             for c in need.category_list) or "-"


def take_choices(need: Need) -> tuple[tuple[Choice, ...], ...]:
    """Return the coordinator's first buttons on a new need."""
    return ((Choice(N_("need.button.take"), (PREFIX, need.id, "take")),),
            (Choice(N_("need.button.open"), (PREFIX, need.id, "view")),))


async def _recipients(session: AsyncSession, need: Need, municipal: bool) -> list[Person]:
    district = await session.get(Area, need.district_id) if need.district_id else None
    people = await responsible_coordinators(session, need.district_id)
    if municipal and district is not None:
        people += await municipal_coordinators_of(session, district.parent_id)
    return list({p.id: p for p in people}.values())


async def tell_coordinators(session: AsyncSession, need: Need, *, again: bool = False
                            ) -> int:
    """Queue the private notice of a need to its coordinators; return how many were told.

    Past the resident's first few needs in a day (``models.limits``), the coordinators get
    one combined notice instead of one per need.
    """
    now = utcnow()
    resident = await session.get(Person, need.person_id)
    district = await session.get(Area, need.district_id) if need.district_id else None
    people = await _recipients(session, need, municipal=again)
    told = await limits.needs_told_recently(session, need, now, again=again)
    if told >= limits.NEEDS_ONE_BY_ONE:
        for coordinator in people:
            await _combine(session, need, resident, coordinator=coordinator, count=told + 1,
                           again=again)
        return len(people)
    notice = Notice(
        N_("need.notice_again") if again else N_("need.notice"),
        {"name": resident.display_name or "-" if resident else "-",
         "district": district.name if district else "-", "categories": categories(need),
         "note": text_or(need.note, N_("need.no_note")),
         "when": moment(need.raised_at or need.created_at)},
        take_choices(need))
    for coordinator in people:
        enqueue(session, key=f"need:{need.id}:{'again' if again else 'new'}:{coordinator.id}",
                notice=notice, person_id=coordinator.id,
                about=need.person_id)
    if not people:
        log.warning("need %d has no coordinator to tell", need.id)
    return len(people)


async def _combine(session: AsyncSession, need: Need, resident: Person | None, *,
                   coordinator: Person, count: int, again: bool) -> None:
    """Queue (or bring up to date) the one combined notice of a resident's many needs."""
    now = utcnow()
    notice = Notice(
        N_("need.notice_combined_again") if again else N_("need.notice_combined"),
        {"name": resident.display_name or "-" if resident else "-", "count": count,
         "first": limits.NEEDS_ONE_BY_ONE + 1,
         "hours": int(limits.NEED_WINDOW.total_seconds() // 3600)})
    waiting = await limits.recent_combined_notice(session, need.person_id, coordinator.id,
                                                  now, again=again)
    if waiting is not None:
        # Joins the notice while it waits; once sent, the rest of the day's needs are in /needs.
        await limits.update_waiting_notice(session, waiting, notice)
        return
    enqueue(session, key=limits.combined_notice_prefix(need.person_id, again=again)
            + f"{need.id}:{coordinator.id}", notice=notice,
            person_id=coordinator.id, due_at=now + limits.COMBINED_NOTICE_DELAY,
            about=need.person_id)


async def tell_resident(session: AsyncSession, need: Need, key: str, event: str) -> None:
    """Queue a plain-words update to the resident (``key`` is a catalog key)."""
    resident = await session.get(Person, need.person_id)
    if resident is None or not resident.active or not resident.has_consented:
        return
    enqueue(session, key=f"need:{need.id}:resident:{event}",
            notice=Notice(key, {"categories": categories(need)}), person_id=resident.id)


async def queue_support_request(session: AsyncSession, need: Need, request: SupportRequest,
                                supporter: Person) -> None:
    """Queue the private request to a supporter (or an activity's organiser): the kind of
    help and the district only."""
    district = await session.get(Area, need.district_id) if need.district_id else None
    activity = await session.get(Activity, request.activity_id) if request.activity_id \
        else None
    params: dict[str, Param] = {"categories": categories(need),
                                "district": district.name if district else "-"}
    if activity is not None:
        params["activity"] = activity.name or "-"
    notice = Notice(
        N_("need.request_activity") if activity is not None else N_("need.request"), params,
        ((Choice(N_("need.button.accept"), (REQUEST_PREFIX, request.id, "yes")),
          Choice(N_("need.button.decline"), (REQUEST_PREFIX, request.id, "no"))),))
    enqueue(session, key=f"support-request:{request.id}",
            notice=notice, person_id=supporter.id, about=need.person_id)


async def tell_person(session: AsyncSession, person_id: int | None, key: str, event: str, *,
                      about: int | None = None, **params: str | int) -> None:
    """Queue a short notice (catalog ``key``) to a coordinator or supporter; ``about``: the
    person it names, if not the recipient."""
    person = await session.get(Person, person_id) if person_id else None
    if person is None or not person.active:
        return
    notice = Notice(key, dict(params))
    enqueue(session, key=f"{event}:{person.id}", notice=notice,
            person_id=person.id, about=about)


async def resend_untaken(session: AsyncSession, now: datetime, default: timedelta) -> int:
    """Send needs nobody took again, now also to the municipal coordinators."""
    needs = await needs_to_resend(session, now, default)
    for need in needs:
        need.resent_at = now
        await tell_coordinators(session, need, again=True)
    return len(needs)


async def needs_job(services: JobServices) -> None:
    """The periodic job: resend untaken needs and delete old finished ones."""
    if services.sessions is None:
        return
    settings = services.settings
    async def work(session: AsyncSession) -> tuple[int, int]:
        now = utcnow()
        resent = await resend_untaken(session, now,
                                      timedelta(hours=settings.need_resend_hours))
        forgotten = await forget_old_needs(session, now,
                                           timedelta(days=settings.need_retention_days))
        return resent, forgotten

    resent, forgotten = await once(services.sessions, "needs", work) or (0, 0)
    if resent or forgotten:
        log.info("needs: %d sent again, %d deleted after retention", resent, forgotten)
