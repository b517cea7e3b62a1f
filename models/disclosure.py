"""Everything the bot holds about one person, for /mydata (disclosure under Japan's APPI).

One call gathers it all in a fixed number of queries, whatever the person has done. Other
people appear only as far as the person's own record needs them: a coordinator's note is
given with its text and the writer's role, never the writer's name; an emergency contact by
the name the contact gave; an audit entry says who acted by role only, and an act of the
person's on someone else never says on whom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import Activity, ActivityInterest
from models.areas import Area
from models.audit import AuditEntry
from models.checkins import CheckinPreference, CheckinRound
from models.meetings import Meeting, MeetingInvitation, MeetingSignup
from models.needs import Need, NeedNote, SupportOffer, SupportRequest
from models.outbox import OutboxMessage
from models.people import Person, describe
from models.roles import Role, RoleGrant
from models.watching import WatchAlert, WatchContact

YOU = "you"  # the person themselves, where a role would stand for someone else
SOMEONE = "someone"  # another person who holds no role (or no longer exists)


def _at(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass
class _Held:
    """The rows about one person, as read."""

    grants: list[RoleGrant]
    needs: list[Need]
    notes: list[NeedNote]
    requests_on_mine: list[SupportRequest]
    preference: CheckinPreference | None
    rounds: list[CheckinRound]
    alerts: list[WatchAlert]
    my_contacts: list[WatchContact]
    contact_for: list[tuple[WatchContact, str | None]]
    offer: SupportOffer | None
    asked_of_me: list[SupportRequest]
    signed_up: list[tuple[MeetingSignup, Meeting]]
    invited: list[tuple[MeetingInvitation, Meeting]]
    interests: list[tuple[ActivityInterest, Activity]]
    organised: list[Activity]
    audit: list[AuditEntry]
    messages: list[tuple[bool, str, int]]  # (about them, status, how many)


async def _read(session: AsyncSession, me: int) -> _Held:
    """One statement per kind of row, however many rows there are."""
    return _Held(
        grants=list(await session.scalars(select(RoleGrant).where(RoleGrant.person_id == me))),
        needs=list(await session.scalars(
            select(Need).where(Need.person_id == me).order_by(Need.id))),
        notes=list(await session.scalars(
            select(NeedNote).join(Need, Need.id == NeedNote.need_id)
            .where(Need.person_id == me).order_by(NeedNote.id))),
        requests_on_mine=list(await session.scalars(
            select(SupportRequest).join(Need, Need.id == SupportRequest.need_id)
            .where(Need.person_id == me).order_by(SupportRequest.id))),
        preference=await session.get(CheckinPreference, me),
        rounds=list(await session.scalars(
            select(CheckinRound).where(CheckinRound.person_id == me)
            .order_by(CheckinRound.asked_at))),
        alerts=list(await session.scalars(
            select(WatchAlert).where(WatchAlert.person_id == me).order_by(WatchAlert.id))),
        my_contacts=list(await session.scalars(
            select(WatchContact).where(WatchContact.person_id == me)
            .order_by(WatchContact.id))),
        contact_for=[(contact, name) for contact, name in await session.execute(
            select(WatchContact, Person.display_name)
            .join(Person, Person.id == WatchContact.person_id)
            .where(WatchContact.contact_id == me).order_by(WatchContact.id))],
        offer=await session.get(SupportOffer, me),
        asked_of_me=list(await session.scalars(
            select(SupportRequest).where(SupportRequest.supporter_id == me)
            .order_by(SupportRequest.id))),
        signed_up=[(signup, meeting) for signup, meeting in await session.execute(
            select(MeetingSignup, Meeting).join(Meeting, Meeting.id == MeetingSignup.meeting_id)
            .where(MeetingSignup.person_id == me).order_by(MeetingSignup.id))],
        invited=[(invitation, meeting) for invitation, meeting in await session.execute(
            select(MeetingInvitation, Meeting)
            .join(Meeting, Meeting.id == MeetingInvitation.meeting_id)
            .where(MeetingInvitation.person_id == me).order_by(MeetingInvitation.id))],
        interests=[(interest, activity) for interest, activity in await session.execute(
            select(ActivityInterest, Activity)
            .join(Activity, Activity.id == ActivityInterest.activity_id)
            .where(ActivityInterest.person_id == me).order_by(ActivityInterest.id))],
        organised=list(await session.scalars(
            select(Activity).where(Activity.organiser_id == me).order_by(Activity.id))),
        audit=list(await session.scalars(
            select(AuditEntry).where(or_(AuditEntry.actor_id == me, AuditEntry.subject_id == me))
            .order_by(AuditEntry.id))),
        messages=[(about is not None, str(status), int(count))
                  for about, status, count in await session.execute(
                      select(OutboxMessage.subject_person_id, OutboxMessage.status, func.count())
                      .where(or_(OutboxMessage.person_id == me,
                                 OutboxMessage.subject_person_id == me))
                      .group_by(OutboxMessage.subject_person_id, OutboxMessage.status))],
    )


@dataclass
class _Names:
    """How the file names others (by role) and areas (by name)."""

    me: int
    roles: dict[int, Role]
    areas: dict[int, str]

    def role(self, person_id: int | None) -> str | None:
        """Who someone is to the person: themselves, their highest role, or just someone."""
        if person_id is None:
            return None
        if person_id == self.me:
            return YOU
        role = self.roles.get(person_id)
        return role.value if role else SOMEONE

    def area(self, area_id: int | None) -> str | None:
        """The area's name."""
        return self.areas.get(area_id) if area_id is not None else None


async def _names(session: AsyncSession, person: Person, held: _Held) -> _Names:
    """The roles of the others the rows mention and the areas' names: two statements."""
    others = {i for i in (
        *(n.author_id for n in held.notes), *(n.taken_by_id for n in held.needs),
        *(r.asked_by_id for r in (*held.requests_on_mine, *held.asked_of_me)),
        *(a.resolved_by_id for a in held.alerts), *(a.reviewed_by_id for a in held.organised),
        *(e.actor_id for e in held.audit), *(i.invited_by_id for i, _m in held.invited))
        if i is not None and i != person.id}
    roles: dict[int, Role] = {}
    if others:
        for grant in await session.scalars(
                select(RoleGrant).where(RoleGrant.person_id.in_(others))):
            held_role = roles.get(grant.person_id)
            if held_role is None or grant.role.rank > held_role.rank:
                roles[grant.person_id] = grant.role
    area_ids = {i for i in (
        person.district_id, *(g.area_id for g in held.grants),
        *(n.district_id for n in held.needs), *(m.area_id for _s, m in held.signed_up),
        *(m.area_id for _i, m in held.invited),
        *(a.district_id for _i, a in held.interests), *(a.district_id for a in held.organised),
        *(e.area_id for e in held.audit), held.offer.district_id if held.offer else None)
        if i is not None}
    areas: dict[int, str] = {}
    if area_ids:
        areas = {row.id: row.name for row in await session.execute(
            select(Area.id, Area.name).where(Area.id.in_(area_ids)))}
    return _Names(person.id, roles, areas)


async def disclosure(session: AsyncSession, person: Person) -> dict[str, Any]:
    """Return everything held about ``person``, in sections with plain English keys.

    The person row's own fields stay at the top (as /mydata always gave them); the rest
    comes in sections: ``roles``, ``needs`` (with coordinators' notes and requests to
    supporters), ``checkins``, ``watching`` (settings, emergency contacts by name, the
    people one is a contact for, alerts), ``support_offer``, ``support_requests`` (asked
    of the person as a supporter), ``meeting_signups``, ``meeting_invitations``,
    ``activity_interests``, ``activities_organised``, ``messages`` (the bot's messages to
    the person and about them to others, counted by status: a sent message's words are not
    kept) and ``audit``. At most 20 statements, whatever the amount.
    """
    held = await _read(session, person.id)
    names = await _names(session, person, held)
    role, area, preference, offer = names.role, names.area, held.preference, held.offer
    data = await describe(session, person)
    data["district"] = area(person.district_id)
    data["roles"] = [{"role": g.role.value, "area_id": g.area_id, "area": area(g.area_id),
                      "since": _at(g.created_at)}
                     for g in sorted(held.grants, key=lambda g: (-g.role.rank, g.area_id or 0))]
    data["needs"] = [_need(need, held.notes, held.requests_on_mine, role, area)
                     for need in held.needs]
    data["checkins"] = {
        "settings": None if preference is None else {
            "weekday": preference.weekday, "hour": preference.hour,
            "paused": preference.paused, "skip_holidays": preference.skip_holidays,
            "away_until": _at(preference.away_until)},
        "rounds": [{"asked_at": _at(r.asked_at), "scheduled": r.scheduled,
                    "watched": r.watched, "answered_at": _at(r.answered_at),
                    "level": r.level.value if r.level else None,
                    "reminded_at": _at(r.reminded_at), "alerted_at": _at(r.alerted_at)}
                   for r in held.rounds],
    }
    data["watching"] = {
        "on": bool(preference and preference.watching),
        "hours": preference.watch_hours if preference else None,
        "since": _at(preference.watching_since) if preference else None,
        "emergency_contacts": [{"name": c.contact_name, "since": _at(c.accepted_at)}
                               for c in held.my_contacts if c.accepted_at is not None],
        "unused_contact_links": [{"made_at": _at(c.created_at), "expires_at": _at(c.expires_at)}
                                 for c in held.my_contacts if c.accepted_at is None],
        "contact_for": [{"name": name, "since": _at(c.accepted_at)}
                        for c, name in held.contact_for],
        "alerts": [{"at": _at(a.created_at), "resolved_at": _at(a.resolved_at),
                    "resolved_by": role(a.resolved_by_id), "note": a.note,
                    "contacts_told_at": _at(a.escalated_at)} for a in held.alerts],
    }
    data["support_offer"] = None if offer is None else {
        "categories": list(offer.categories or []), "district": area(offer.district_id),
        "paused": offer.paused, "since": _at(offer.created_at)}
    data["support_requests"] = [
        {"asked_at": _at(r.created_at), "asked_by": role(r.asked_by_id),
         "status": r.status.value, "answered_at": _at(r.answered_at)} for r in held.asked_of_me]
    data["meeting_signups"] = [
        {"meeting": m.title, "kind": m.kind.value if m.kind else None, "area": area(m.area_id),
         "starts_at": _at(m.starts_at), "place": m.place, "meeting_status": m.status.value,
         "status": s.status.value, "attended": s.attended, "signed_up_at": _at(s.created_at)}
        for s, m in held.signed_up]
    data["meeting_invitations"] = [
        {"meeting": m.title, "kind": m.kind.value if m.kind else None, "area": area(m.area_id),
         "starts_at": _at(m.starts_at), "place": m.place, "meeting_status": m.status.value,
         "invited_by": role(i.invited_by_id), "by_link": i.token is not None,
         "invited_at": _at(i.claimed_at or i.created_at)}
        for i, m in held.invited]
    data["activity_interests"] = [
        {"activity": a.name, "district": area(a.district_id), "at": _at(i.created_at)}
        for i, a in held.interests]
    data["activities_organised"] = [
        {"name": a.name, "kind": a.kind.value if a.kind else None,
         "meanings": list(a.meanings or []), "district": area(a.district_id), "place": a.place,
         "schedule": a.schedule, "contact": a.contact, "capacity": a.capacity,
         "description": a.description, "status": a.status.value,
         "reviewed_by": role(a.reviewed_by_id), "review_reason": a.review_reason,
         "created_at": _at(a.created_at)} for a in held.organised]
    data["messages"] = {"to_you": {}, "about_you": {}}
    for about, status, count in held.messages:
        data["messages"]["about_you" if about else "to_you"][status] = count
    data["audit"] = [
        {"at": _at(e.at), "action": e.action.value, "area": area(e.area_id),
         "by": role(e.actor_id),
         # An act of the person's on someone else: the act, never on whom.
         "about": None if e.subject_id is None else YOU if e.subject_id == person.id
         else SOMEONE,
         "detail": {k: v for k, v in (e.detail or {}).items() if k in ("role", "version")}}
        for e in held.audit]
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
