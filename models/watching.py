"""Opt-in watching (見守り): who is told when a watched person goes quiet.

A watched person who leaves a check-in round (``models/checkins.py``) unanswered is asked once
more, then their district coordinator gets an *alert* to resolve; an alert left unresolved
goes to the emergency contacts the person named by a one-time link.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Index, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area, municipality_of
from models.base import Base, BigId, TimestampMixin
from models.checkins import CheckinPreference, CheckinRound, is_away
from models.clock import utcnow
from models.people import Person
from models.permissions import Action, Permissions

WATCH_CHOICES = (24, 48, 72)
CONTACT_LINK_LIFETIME = timedelta(days=7)
MAX_CONTACTS = 3


class WatchAlert(TimestampMixin, Base):
    """A watched person stayed silent; a coordinator is to contact them."""

    __tablename__ = "watch_alert"
    __table_args__ = (Index("ix_watch_alert_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    # Which coordinators were told, so their buttons can be checked and counted.
    told: Mapped[list[int] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(200))
    escalated_at: Mapped[datetime | None]  # the person's emergency contacts were told


class WatchContact(TimestampMixin, Base):
    """Someone the watched person named (a family member, a 民生委員), who joined by a link."""

    __tablename__ = "watch_contact"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    expires_at: Mapped[datetime]
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(100))  # shown to the person
    accepted_at: Mapped[datetime | None]


def set_watching(preference: CheckinPreference, on: bool, hours: int | None = None) -> None:
    """Turn watching on (with a window in hours) or off."""
    if hours is not None:
        if hours not in WATCH_CHOICES:
            raise ValueError(f"watch window must be one of {WATCH_CHOICES}")
        preference.watch_hours = hours
    if on and not preference.watching:
        preference.watching_since = utcnow()
    preference.watching = on
    if on:
        preference.paused = False  # watching needs the weekly question



async def rounds_to_remind(session: AsyncSession, now: datetime) -> list[tuple[CheckinRound,
                                                                               Person]]:
    """Return unanswered watched rounds whose window has passed and that had no reminder."""
    rows = await session.execute(
        select(CheckinRound, Person, CheckinPreference)
        .join(Person, Person.id == CheckinRound.person_id)
        .join(CheckinPreference, CheckinPreference.person_id == Person.id)
        .where(CheckinRound.watched.is_(True), CheckinRound.level.is_(None),
               CheckinRound.reminded_at.is_(None), CheckinPreference.watching.is_(True),
               Person.active.is_(True), Person.consented_at.is_not(None)))
    due = []
    for record, person, preference in rows:
        if is_away(preference, now.date()):
            continue
        if record.asked_at + timedelta(hours=preference.watch_hours) <= now:
            due.append((record, person))
    return due


async def rounds_to_alert(session: AsyncSession, now: datetime, default: Thresholds
                          ) -> list[tuple[CheckinRound, Person]]:
    """Return reminded, still unanswered watched rounds whose grace time has passed.

    The grace time is the municipality's, or the deployment's default.
    """
    rows = await session.execute(
        select(CheckinRound, Person, CheckinPreference)
        .join(Person, Person.id == CheckinRound.person_id)
        .join(CheckinPreference, CheckinPreference.person_id == Person.id)
        .where(CheckinRound.watched.is_(True), CheckinRound.level.is_(None),
               CheckinRound.reminded_at.is_not(None), CheckinRound.alerted_at.is_(None),
               CheckinPreference.watching.is_(True), Person.active.is_(True),
               Person.consented_at.is_not(None)))
    due = []
    for record, person, preference in rows:
        if is_away(preference, now.date()) or record.reminded_at is None:
            continue
        limits = await thresholds_for(session, person.district_id, default)
        if record.reminded_at + limits.alert_after <= now:
            due.append((record, person))
    return due


async def open_alerts(session: AsyncSession, district_ids: list[int] | None
                      ) -> list[tuple[WatchAlert, Person]]:
    """Return unresolved alerts in these districts (everywhere when None), oldest first."""
    query = (select(WatchAlert, Person).join(Person, Person.id == WatchAlert.person_id)
             .where(WatchAlert.resolved_at.is_(None)).order_by(WatchAlert.id))
    if district_ids is not None:
        query = query.where(WatchAlert.district_id.in_(district_ids))
    return [(alert, person) for alert, person in await session.execute(query)]


@dataclass(frozen=True)
class Thresholds:
    """Hours after which watching escalates, for one municipality."""

    alert_after: timedelta  # after the reminder: the district coordinator
    contact_after: timedelta  # after the alert, if unresolved: the emergency contacts


async def thresholds_for(session: AsyncSession, district_id: int | None, default: Thresholds
                         ) -> Thresholds:
    """Return the municipality's thresholds for a district, or the deployment's default."""
    city = await municipality_of(session, district_id)
    if city is None:
        return default
    return Thresholds(
        timedelta(hours=city.watch_alert_hours) if city.watch_alert_hours
        else default.alert_after,
        timedelta(hours=city.watch_contact_hours) if city.watch_contact_hours
        else default.contact_after)


# -- emergency contacts ---------------------------------------------------------------------

async def contacts_of(session: AsyncSession, person_id: int) -> list[tuple[WatchContact,
                                                                           Person]]:
    """Return the person's accepted emergency contacts."""
    rows = await session.execute(
        select(WatchContact, Person).join(Person, Person.id == WatchContact.contact_id)
        .where(WatchContact.person_id == person_id, WatchContact.accepted_at.is_not(None))
        .order_by(WatchContact.id))
    return [(contact, person) for contact, person in rows]


async def new_contact_link(session: AsyncSession, person: Person, now: datetime
                           ) -> WatchContact | None:
    """Return a one-time link row for a new contact; None when the person has enough."""
    if len(await contacts_of(session, person.id)) >= MAX_CONTACTS:
        return None
    link = WatchContact(person_id=person.id, token=secrets.token_urlsafe(12),
                        expires_at=now + CONTACT_LINK_LIFETIME)
    session.add(link)
    await session.flush()
    return link


class ContactProblem(enum.StrEnum):
    """Why a contact link cannot be used."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    SELF = "self"


async def open_contact_link(session: AsyncSession, token: str, opener: Person | None,
                            now: datetime) -> WatchContact | ContactProblem:
    """Return the link row an opener may accept, or why not.

    Only the secret token finds a link (never its row number). ``opener`` is None for
    someone the bot has no row for yet.
    """
    link = (await session.scalars(select(WatchContact).where(WatchContact.token == token))
            ).one_or_none()
    if link is None:
        return ContactProblem.UNKNOWN
    if opener is not None and link.person_id == opener.id:
        return ContactProblem.SELF
    if link.accepted_at is not None:
        return ContactProblem.USED
    if link.expires_at < now:
        return ContactProblem.EXPIRED
    return link


async def accept_contact(session: AsyncSession, link: WatchContact, contact: Person,
                         name: str, now: datetime) -> bool:
    """Make ``contact`` the emergency contact; one conditional UPDATE, so a link works once."""
    result = await session.execute(
        update(WatchContact).where(WatchContact.id == link.id,
                                   WatchContact.accepted_at.is_(None))
        .values(contact_id=contact.id, contact_name=name[:100], accepted_at=now)
        .execution_options(synchronize_session=False))
    await session.refresh(link)
    return result.rowcount == 1  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


async def remove_contact(session: AsyncSession, person_id: int, contact_row_id: int) -> bool:
    """Remove one of the person's contacts; False if it is not theirs."""
    link = await session.get(WatchContact, contact_row_id)
    if link is None or link.person_id != person_id:
        return False
    await session.delete(link)
    return True


async def alerts_to_escalate(session: AsyncSession, now: datetime, default: Thresholds
                             ) -> list[tuple[WatchAlert, Person]]:
    """Return unresolved alerts whose coordinator time has passed and that were not escalated."""
    rows = await session.execute(
        select(WatchAlert, Person).join(Person, Person.id == WatchAlert.person_id)
        .where(WatchAlert.resolved_at.is_(None), WatchAlert.escalated_at.is_(None))
        .order_by(WatchAlert.id))
    due = []
    for alert, person in rows:
        limits = await thresholds_for(session, alert.district_id, default)
        if alert.created_at + limits.contact_after <= now:
            due.append((alert, person))
    return due


# --- resolving an alert: a coordinator contacted the silent person ---------------------------
# Several coordinators are told of the same alert and may press 連絡がとれました at once; it is
# resolved by one conditional UPDATE, so exactly one of them resolves it and the others learn
# who did.

class AlertProblem(enum.StrEnum):
    """Why an alert cannot be resolved by this person."""

    GONE = "gone"  # no such alert (any more)
    NOT_YOURS = "not_yours"  # outside the areas the person follows


class AlertOutcome(enum.StrEnum):
    """What pressing the alert's button did."""

    RESOLVED = "resolved"  # by this coordinator, now
    ALREADY_RESOLVED = "already_resolved"  # by someone (else) before


@dataclass(frozen=True)
class Resolution:
    """The outcome, with who resolved the alert and when (this person or the earlier one)."""

    outcome: AlertOutcome
    alert: WatchAlert
    resolved_by_id: int | None
    resolved_at: datetime


async def alert_to_resolve(session: AsyncSession, alert_id: int, permissions: Permissions
                           ) -> WatchAlert | AlertProblem:
    """The alert, if it exists and lies in an area the person follows needs in."""
    alert = await session.get(WatchAlert, alert_id)
    if alert is None:
        return AlertProblem.GONE
    district = await session.get(Area, alert.district_id) if alert.district_id else None
    if district is None or not permissions.may(Action.FOLLOW_NEEDS, district):
        return AlertProblem.NOT_YOURS
    return alert


async def resolve_alert(session: AsyncSession, alert_id: int, coordinator_id: int,
                        now: datetime) -> Resolution | AlertProblem:
    """Resolve an open alert; only one coordinator wins (a conditional UPDATE)."""
    result = await session.execute(
        update(WatchAlert).where(WatchAlert.id == alert_id, WatchAlert.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=coordinator_id)
        .execution_options(synchronize_session=False))
    alert = await session.get(WatchAlert, alert_id, populate_existing=True)
    if alert is None:
        return AlertProblem.GONE
    assert alert.resolved_at is not None  # set now, or before (the UPDATE's condition)
    won = result.rowcount == 1  # type: ignore[attr-defined]  # UPDATE gives a CursorResult
    return Resolution(AlertOutcome.RESOLVED if won else AlertOutcome.ALREADY_RESOLVED,
                      alert, alert.resolved_by_id, alert.resolved_at)
