"""Invitations to meetings by invitation (a care meeting about one person, for instance).

The organiser (or a coordinator of the meeting's area) invites people of the area by name,
or makes a one-time link to pass to someone; the first registered person to open the link
is invited. An invitation lets a person see the meeting and sign up; without one the
meeting does not exist for them (``models.meetings.may_see`` and ``join``).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models.areas import Area
from models.meetings import (
    Meeting,
    MeetingInvitation,
    MeetingStatus,
    district_ids_of,
    is_invited,
)
from models.people import Person

PAGE_SIZE = 8  # names shown at once
SEARCH_LIMIT = 8  # matches shown for a typed part of a name


def _spaceless(column: ColumnElement[str | None] | InstrumentedAttribute[str | None]
               ) -> ColumnElement[str]:
    """The name without spaces (half- and full-width), lower-cased, so 佐藤花子 finds 佐藤 花子."""
    return func.lower(func.replace(func.replace(column, " ", ""), "\u3000", ""))


async def _candidates_query(session: AsyncSession, meeting: Meeting) -> Select[Person]:
    area = await session.get(Area, meeting.area_id) if meeting.area_id else None
    districts = await district_ids_of(session, area) if area is not None else []
    query = select(Person).where(
        Person.district_id.in_(districts), Person.consented_at.is_not(None),
        Person.active.is_(True), Person.display_name.is_not(None))
    if meeting.organiser_id is not None:
        query = query.where(Person.id != meeting.organiser_id)
    return query


@dataclass(frozen=True)
class Candidates:
    """A page of the people one may invite, and how many there are in all."""

    people: list[Person]
    total: int
    invited: set[int]  # ids of those on the page already invited


async def candidates(session: AsyncSession, meeting: Meeting, *, page: int = 0,
                     search: str | None = None) -> Candidates:
    """Return people of the meeting's district(s) one may invite, by name.

    Registered, active people who live there (residents, supporters, staff), the organiser
    excepted. ``search`` (part of a name, spaces ignored) narrows them; a page holds
    ``PAGE_SIZE`` names in the order of their names.
    """
    query = await _candidates_query(session, meeting)
    if search is not None:
        wanted = search.replace(" ", "").replace("\u3000", "").lower()
        query = query.where(_spaceless(Person.display_name).contains(wanted, autoescape=True))
    total = int(await session.scalar(
        select(func.count()).select_from(query.subquery())) or 0)
    size = SEARCH_LIMIT if search is not None else PAGE_SIZE
    people = list(await session.scalars(
        query.order_by(Person.display_name, Person.id).offset(page * size).limit(size)))
    invited = set(await session.scalars(select(MeetingInvitation.person_id).where(
        MeetingInvitation.meeting_id == meeting.id,
        MeetingInvitation.person_id.in_([p.id for p in people])))) if people else set()
    return Candidates(people, total, {i for i in invited if i is not None})


async def invite(session: AsyncSession, meeting: Meeting, person_id: int,
                 invited_by: Person | None) -> Person | None:
    """Invite one person of the meeting's area by name; return them if newly invited.

    None when the meeting is not by invitation or not scheduled, the person is not one who
    may be invited (``candidates``: a forged id from elsewhere), or is already invited.
    """
    if meeting.open or meeting.status != MeetingStatus.SCHEDULED:
        return None
    query = await _candidates_query(session, meeting)
    person = (await session.scalars(query.where(Person.id == person_id))).first()
    if person is None or await is_invited(session, meeting.id, person.id):
        return None
    session.add(MeetingInvitation(meeting_id=meeting.id, person_id=person.id,
                                  invited_by_id=invited_by.id if invited_by else None))
    await session.flush()
    return person


async def invited_people(session: AsyncSession, meeting_id: int) -> list[Person]:
    """Return everyone invited to the meeting, in the order they were invited."""
    return list(await session.scalars(
        select(Person).join(MeetingInvitation, MeetingInvitation.person_id == Person.id)
        .where(MeetingInvitation.meeting_id == meeting_id).order_by(MeetingInvitation.id)))


async def new_link(session: AsyncSession, meeting: Meeting, made_by: Person | None
                   ) -> MeetingInvitation | None:
    """Return a one-time invitation link (its unguessable token) for the meeting."""
    if meeting.open or meeting.status != MeetingStatus.SCHEDULED:
        return None
    invitation = MeetingInvitation(meeting_id=meeting.id, token=secrets.token_urlsafe(12),
                                   invited_by_id=made_by.id if made_by else None)
    session.add(invitation)
    await session.flush()
    return invitation


class LinkProblem(enum.StrEnum):
    """Why an invitation link cannot be used."""

    UNKNOWN = "unknown"  # no such link, or its meeting is over, called off or started
    USED = "used"  # someone else opened it first


async def claim_link(session: AsyncSession, token: str, person: Person, now: datetime
                     ) -> Meeting | LinkProblem:
    """Invite ``person`` by the link; return its meeting, or why the link cannot be used.

    One conditional UPDATE claims it, so two people opening it at once cannot both be
    invited by it. Someone already invited (or the organiser) keeps the link unused.
    """
    invitation = (await session.scalars(select(MeetingInvitation).where(
        MeetingInvitation.token == token))).one_or_none()
    meeting = await session.get(Meeting, invitation.meeting_id) if invitation else None
    if invitation is None or meeting is None or meeting.status != MeetingStatus.SCHEDULED \
            or meeting.starts_at is None or meeting.starts_at <= now:
        return LinkProblem.UNKNOWN
    if person.id in (invitation.person_id, meeting.organiser_id) \
            or await is_invited(session, meeting.id, person.id):
        return meeting
    if invitation.person_id is not None:
        return LinkProblem.USED
    claimed = await session.execute(
        update(MeetingInvitation)
        .where(MeetingInvitation.id == invitation.id, MeetingInvitation.person_id.is_(None))
        .values(person_id=person.id, claimed_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # UPDATE gives a CursorResult
        return LinkProblem.USED
    return meeting
