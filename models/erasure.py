"""Withdrawing consent and /forget: everything that names a person goes.

Both remove every row that refers to the person, the way the database would if the person
row were deleted: rows that are theirs go (a foreign key ``ON DELETE CASCADE``: needs with
the coordinators' notes, check-ins, watching and its contacts, role grants, sign-ups,
interest marks, a supporter's offer, messages to or about them), and their id is cleared
where it only says who did something (``ON DELETE SET NULL``: the coordinator who took a
need, the organiser of an activity). Every foreign key to ``person`` says one or the other,
so a table added later is covered without changes here. Before that pass:

- a place they held at a meeting still to come is freed and the first in line moves up
  (the caller tells them and updates the groups' counts: ``FreedPlace``);
- their drafts (a meeting, a broadcast, an episode not yet saved) are deleted, and so are
  the activities they wrote that no coordinator approved (a draft, a proposal, a rejected
  one); approved activities stay, as the community's, without their contact;
- their id leaves the lists of coordinators told of a watching alert;
- role grants that end are recorded in the audit log by role and area only.

Withdrawal then keeps the person row with its language only, the identities it is reached
through (``models.identities``: a Telegram user id, so that they can register again), and the
audit entries of their consent (when, which version; no district). ``/forget`` deletes the row;
the audit log keeps its entries without saying whose (``models.audit``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ForeignKey, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import APPROVED, Activity
from models.audit import AuditAction, AuditEntry, record
from models.base import Base
from models.broadcasts import Broadcast, BroadcastStatus
from models.clock import utcnow
from models.digests import Episode
from models.identities import Identity
from models.meetings import Meeting, MeetingSignup, MeetingStatus, SignupStatus, leave
from models.outbox import drop_messages_of
from models.people import CONSENT_VERSION, Person, clear_personal_fields
from models.roles import RoleGrant
from models.watching import WatchAlert

CONSENT_ACTIONS = (AuditAction.CONSENT_GIVEN, AuditAction.CONSENT_DECLINED,
                   AuditAction.CONSENT_WITHDRAWN)
REMOVED_WITH_CONSENT = "consent.withdrawn"
REMOVED_WITH_PERSON = "person.forgotten"


@dataclass(frozen=True)
class FreedPlace:
    """A meeting still to come where the person's place was given up."""

    meeting: Meeting
    promoted: Person | None  # who moved up from the waiting line, if anyone


# Kept through a withdrawal like the person row itself: how the bot still reaches them (so
# that they can register again in their language). ``/forget`` deletes them with the row.
KEPT_WITH_THE_PERSON = ("person", AuditEntry.__tablename__, Identity.__tablename__)


def references_to_person() -> list[tuple[Table, ForeignKey]]:
    """Return every foreign key to ``person`` in the schema, with its table (the person
    table, the audit log and the identities aside: they are handled on their own)."""
    found = []
    for table in Base.metadata.sorted_tables:
        if table.name in KEPT_WITH_THE_PERSON:
            continue
        for key in table.foreign_keys:
            if key.column.table.name == "person":
                found.append((table, key))
    return found


async def withdraw_consent(session: AsyncSession, person: Person) -> list[FreedPlace]:
    """Withdraw the person's consent: everything personal goes but their identities and
    language (and the record of their consent); return the meeting places freed."""
    version = person.consent_version
    freed = await _erase_traces(session, person, REMOVED_WITH_CONSENT)
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.subject_id == person.id, AuditEntry.action.in_(CONSENT_ACTIONS))
        .values(area_id=None)  # the district it was given in: personal, like the district
        .execution_options(synchronize_session=False))
    for column in (AuditEntry.actor_id, AuditEntry.subject_id):
        await session.execute(
            update(AuditEntry)
            .where(column == person.id, AuditEntry.action.not_in(CONSENT_ACTIONS))
            .values({column.key: None})
            .execution_options(synchronize_session=False))
    clear_personal_fields(person)
    person.quiet_from = person.quiet_until = None
    await record(session, AuditAction.CONSENT_WITHDRAWN, actor_id=person.id,
                 subject_id=person.id, version=version or CONSENT_VERSION)
    return freed


async def forget_person(session: AsyncSession, person: Person) -> list[FreedPlace]:
    """Delete the person and everything that names them; the audit log keeps only the acts
    (its entries about them lose the link); return the meeting places freed."""
    freed = await _erase_traces(session, person, REMOVED_WITH_PERSON)
    await record(session, AuditAction.PERSON_FORGOTTEN, area_id=person.district_id)
    for column in (AuditEntry.actor_id, AuditEntry.subject_id):
        await session.execute(update(AuditEntry).where(column == person.id)
                              .values({column.key: None})
                              .execution_options(synchronize_session=False))
    await session.delete(person)
    await session.flush()
    return freed


async def _erase_traces(session: AsyncSession, person: Person, cause: str
                        ) -> list[FreedPlace]:
    """Remove every row that refers to the person, but the person row and the audit log."""
    me = person.id
    await session.flush()
    freed = await _give_up_places(session, me)
    for kind, author, draft in (
            (Activity, Activity.organiser_id, Activity.status.not_in(APPROVED)),
            (Meeting, Meeting.organiser_id, Meeting.status == MeetingStatus.DRAFT),
            (Broadcast, Broadcast.created_by_id, Broadcast.status == BroadcastStatus.DRAFT),
            (Episode, Episode.author_id, Episode.awaiting.is_(True))):
        await session.execute(delete(kind).where(author == me, draft))
    await session.execute(update(Activity).where(Activity.organiser_id == me)
                          .values(contact=None, awaiting=None, editing_by_id=None))
    await drop_messages_of(session, me)
    await _leave_alert_lists(session, me)
    grants = list(await session.scalars(select(RoleGrant).where(RoleGrant.person_id == me)))
    for grant in grants:
        await record(session, AuditAction.ROLE_REVOKED, area_id=grant.area_id,
                     role=grant.role.value, cause=cause)
    for table, key in references_to_person():
        column = key.parent
        if key.ondelete == "CASCADE":
            await session.execute(delete(table).where(column == me))
        elif key.ondelete == "SET NULL":
            await session.execute(update(table).where(column == me).values({column.name: None}))
        else:
            raise RuntimeError(f"{table.name}.{column.name}: say ON DELETE CASCADE or SET NULL")
    return freed


async def _give_up_places(session: AsyncSession, person_id: int) -> list[FreedPlace]:
    """Cancel the person's places at meetings still to come, moving the waiting line up."""
    meeting_ids = list(await session.scalars(
        select(MeetingSignup.meeting_id).join(Meeting, Meeting.id == MeetingSignup.meeting_id)
        .where(MeetingSignup.person_id == person_id,
               MeetingSignup.status.in_((SignupStatus.CONFIRMED, SignupStatus.WAITING)),
               Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > utcnow())
        .order_by(Meeting.id)))
    freed = []
    for meeting_id in meeting_ids:
        result = await leave(session, meeting_id, person_id)
        meeting = await session.get(Meeting, meeting_id)
        if result.was is not None and meeting is not None:
            freed.append(FreedPlace(meeting, result.promoted))
    return freed


async def _leave_alert_lists(session: AsyncSession, person_id: int) -> None:
    """Take a coordinator's id out of the watching alerts they were told of (alerts are few:
    a watched person silent for days)."""
    for alert in await session.scalars(select(WatchAlert).where(WatchAlert.told.is_not(None))):
        if person_id in (alert.told or []):
            alert.told = [i for i in alert.told or [] if i != person_id]
    await session.flush()
