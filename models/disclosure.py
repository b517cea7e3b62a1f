"""Everything the bot holds about one person, for /mydata (disclosure under Japan's APPI).

One call gathers it all in a fixed number of queries, whatever the person has done. Other
people appear only as far as the person's own record needs them: a coordinator's note is
given with its text and the writer's role, never the writer's name; an emergency contact by
the name the contact gave; an audit entry says who acted by role only, and an act of the
person's on someone else never says on whom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import Activity, ActivityInterest
from models.areas import Area
from models.audit import AuditEntry
from models.checkins import CheckinPreference, CheckinRound, WatchAlert, WatchContact
from models.meetings import Meeting, MeetingSignup
from models.needs import Need, NeedNote, SupportOffer, SupportRequest
from models.people import Person, describe
from models.roles import RoleGrant

YOU = "you"  # the person themselves, where a role would stand for someone else
SOMEONE = "someone"  # another person who holds no role (or no longer exists)


def _at(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


async def disclosure(session: AsyncSession, person: Person) -> dict[str, Any]:
    """Return everything held about ``person``, in sections with plain English keys.

    The person row's own fields stay at the top (as /mydata always gave them); the rest
    comes in sections: ``roles``, ``needs`` (with coordinators' notes and requests to
    supporters), ``checkins``, ``watching`` (settings, emergency contacts by name, the
    people one is a contact for, alerts), ``support_offer``, ``support_requests`` (asked
    of the person as a supporter), ``meeting_signups``, ``activity_interests``,
    ``activities_organised`` and ``audit``.
    """
    me = person.id
    grants = list(await session.scalars(select(RoleGrant).where(RoleGrant.person_id == me)))
    needs = list(await session.scalars(
        select(Need).where(Need.person_id == me).order_by(Need.id)))
    notes = list(await session.scalars(
        select(NeedNote).join(Need, Need.id == NeedNote.need_id)
        .where(Need.person_id == me).order_by(NeedNote.id)))
    requests_on_mine = list(await session.scalars(
        select(SupportRequest).join(Need, Need.id == SupportRequest.need_id)
        .where(Need.person_id == me).order_by(SupportRequest.id)))
    preference = await session.get(CheckinPreference, me)
    rounds = list(await session.scalars(
        select(CheckinRound).where(CheckinRound.person_id == me).order_by(CheckinRound.asked_at)))
    alerts = list(await session.scalars(
        select(WatchAlert).where(WatchAlert.person_id == me).order_by(WatchAlert.id)))
    my_contacts = list(await session.scalars(
        select(WatchContact).where(WatchContact.person_id == me).order_by(WatchContact.id)))
    contact_for = (await session.execute(
        select(WatchContact, Person.display_name).join(Person, Person.id == WatchContact.person_id)
        .where(WatchContact.contact_id == me).order_by(WatchContact.id))).all()
    offer = await session.get(SupportOffer, me)
    asked_of_me = list(await session.scalars(
        select(SupportRequest).where(SupportRequest.supporter_id == me)
        .order_by(SupportRequest.id)))
    signed_up = (await session.execute(
        select(MeetingSignup, Meeting).join(Meeting, Meeting.id == MeetingSignup.meeting_id)
        .where(MeetingSignup.person_id == me).order_by(MeetingSignup.id))).all()
    interests = (await session.execute(
        select(ActivityInterest, Activity)
        .join(Activity, Activity.id == ActivityInterest.activity_id)
        .where(ActivityInterest.person_id == me).order_by(ActivityInterest.id))).all()
    organised = list(await session.scalars(
        select(Activity).where(Activity.organiser_id == me).order_by(Activity.id)))
    audit = list(await session.scalars(
        select(AuditEntry).where(or_(AuditEntry.actor_id == me, AuditEntry.subject_id == me))
        .order_by(AuditEntry.id)))

    others = {i for i in (
        *(n.author_id for n in notes), *(n.taken_by_id for n in needs),
        *(r.asked_by_id for r in (*requests_on_mine, *asked_of_me)),
        *(a.resolved_by_id for a in alerts), *(a.reviewed_by_id for a in organised),
        *(e.actor_id for e in audit)) if i is not None and i != me}
    their_roles: dict[int, RoleGrant] = {}
    if others:
        for grant in await session.scalars(
                select(RoleGrant).where(RoleGrant.person_id.in_(others))):
            held = their_roles.get(grant.person_id)
            if held is None or grant.role.rank > held.role.rank:
                their_roles[grant.person_id] = grant
    area_ids = {i for i in (
        person.district_id, *(g.area_id for g in grants), *(n.district_id for n in needs),
        *(m.area_id for _s, m in signed_up), *(a.district_id for _i, a in interests),
        *(a.district_id for a in organised), *(e.area_id for e in audit),
        offer.district_id if offer else None) if i is not None}
    areas: dict[int, str] = {}
    if area_ids:
        areas = {i: name for i, name in await session.execute(
            select(Area.id, Area.name).where(Area.id.in_(area_ids)))}

    def role_of(person_id: int | None) -> str | None:
        """Who someone is to the person: themselves, a role, or just someone."""
        if person_id is None:
            return None
        if person_id == me:
            return YOU
        grant = their_roles.get(person_id)
        return grant.role.value if grant else SOMEONE

    def area(area_id: int | None) -> str | None:
        return areas.get(area_id) if area_id is not None else None

    data = describe(person)
    data["district"] = area(person.district_id)
    data["roles"] = [{"role": g.role.value, "area_id": g.area_id, "area": area(g.area_id),
                      "since": _at(g.created_at)}
                     for g in sorted(grants, key=lambda g: (-g.role.rank, g.area_id or 0))]
    data["needs"] = [_need(need, notes, requests_on_mine, role_of, area) for need in needs]
    data["checkins"] = {
        "settings": None if preference is None else {
            "weekday": preference.weekday, "hour": preference.hour,
            "paused": preference.paused, "skip_holidays": preference.skip_holidays,
            "away_until": _at(preference.away_until)},
        "rounds": [{"asked_at": _at(r.asked_at), "scheduled": r.scheduled,
                    "watched": r.watched, "answered_at": _at(r.answered_at),
                    "level": r.level.value if r.level else None,
                    "reminded_at": _at(r.reminded_at), "alerted_at": _at(r.alerted_at)}
                   for r in rounds],
    }
    data["watching"] = {
        "on": bool(preference and preference.watching),
        "hours": preference.watch_hours if preference else None,
        "since": _at(preference.watching_since) if preference else None,
        "emergency_contacts": [{"name": c.contact_name, "since": _at(c.accepted_at)}
                               for c in my_contacts if c.accepted_at is not None],
        "unused_contact_links": [{"made_at": _at(c.created_at), "expires_at": _at(c.expires_at)}
                                 for c in my_contacts if c.accepted_at is None],
        "contact_for": [{"name": name, "since": _at(c.accepted_at)} for c, name in contact_for],
        "alerts": [{"at": _at(a.created_at), "resolved_at": _at(a.resolved_at),
                    "resolved_by": role_of(a.resolved_by_id), "note": a.note,
                    "contacts_told_at": _at(a.escalated_at)} for a in alerts],
    }
    data["support_offer"] = None if offer is None else {
        "categories": list(offer.categories or []), "district": area(offer.district_id),
        "paused": offer.paused, "since": _at(offer.created_at)}
    data["support_requests"] = [
        {"asked_at": _at(r.created_at), "asked_by": role_of(r.asked_by_id),
         "status": r.status.value, "answered_at": _at(r.answered_at)} for r in asked_of_me]
    data["meeting_signups"] = [
        {"meeting": m.title, "kind": m.kind.value if m.kind else None, "area": area(m.area_id),
         "starts_at": _at(m.starts_at), "place": m.place, "meeting_status": m.status.value,
         "status": s.status.value, "attended": s.attended, "signed_up_at": _at(s.created_at)}
        for s, m in signed_up]
    data["activity_interests"] = [
        {"activity": a.name, "district": area(a.district_id), "at": _at(i.created_at)}
        for i, a in interests]
    data["activities_organised"] = [
        {"name": a.name, "kind": a.kind.value if a.kind else None,
         "meanings": list(a.meanings or []), "district": area(a.district_id), "place": a.place,
         "schedule": a.schedule, "contact": a.contact, "capacity": a.capacity,
         "description": a.description, "status": a.status.value,
         "reviewed_by": role_of(a.reviewed_by_id), "review_reason": a.review_reason,
         "created_at": _at(a.created_at)} for a in organised]
    data["audit"] = [
        {"at": _at(e.at), "action": e.action.value, "area": area(e.area_id),
         "by": role_of(e.actor_id),
         # An act of the person's on someone else: the act, never on whom.
         "about": None if e.subject_id is None else YOU if e.subject_id == me else SOMEONE,
         "detail": {k: v for k, v in (e.detail or {}).items() if k in ("role", "version")}}
        for e in audit]
    return data


def _need(need: Need, notes: Iterable[NeedNote], requests: Iterable[SupportRequest],
          role_of: Callable[[int | None], str | None],
          area: Callable[[int | None], str | None]) -> dict[str, Any]:
    return {
        "status": need.status.value, "categories": [c.value for c in need.category_list],
        "note": need.note, "district": area(need.district_id), "started_at": _at(need.created_at),
        "raised_at": _at(need.raised_at), "taken_by": role_of(need.taken_by_id),
        "taken_at": _at(need.taken_at),
        "referred_to": need.referred_to.value if need.referred_to else None,
        "referred_at": _at(need.referred_at), "finished_at": _at(need.finished_at),
        "notes": [{"at": _at(n.created_at), "by": role_of(n.author_id), "text": n.text}
                  for n in notes if n.need_id == need.id],
        "supporter_requests": [
            {"asked_at": _at(r.created_at), "to": "activity" if r.activity_id else "supporter",
             "status": r.status.value, "answered_at": _at(r.answered_at)}
            for r in requests if r.need_id == need.id],
    }
