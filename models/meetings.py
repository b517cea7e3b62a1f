"""Meetings (会議・ワークショップ): care meetings, workshops, councils, study sessions.

A coordinator writes a meeting (the draft lives in the same table, status ``draft``), then
residents of its area sign up. Sign-ups past the capacity wait in line; a cancellation
promotes the first in line. Every decision about capacity is taken while holding the
meeting's row: an UPDATE of ``lock_version`` takes the row lock on PostgreSQL and the
write lock on SQLite, so concurrent sign-ups are decided one after another.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import (
    ColumnElement,
    Enum,
    ForeignKey,
    String,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area, AreaLevel, GroupChat
from models.base import Base, BigId, TimestampMixin, enum_values, leave_steps
from models.clock import utcnow
from models.outbox import CONTENT_GONE, OutboxMessage, OutboxStatus
from models.people import Person
from models.when import Clarify, When, afternoon

TITLE_LENGTH = 100
PLACE_LENGTH = 200
DESCRIPTION_LENGTH = 500
MAX_CAPACITY = 1000
MAX_WALK_INS = 1000
REMINDER_KEY = "meeting-remind"


class MeetingKind(enum.StrEnum):
    """The kinds of meeting the source documents name."""

    CARE_MEETING = "care_meeting"  # ご近所ケア会議
    WORKSHOP = "workshop"  # 支え合いワークショップ
    COUNCIL = "council"  # 協議体
    STUDY = "study"  # 勉強会・研修
    REPORT = "report"  # 活動報告会
    OTHER = "other"


class MeetingStatus(enum.StrEnum):
    """Where a meeting stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class SignupStatus(enum.StrEnum):
    """Where one person's sign-up stands."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class Meeting(TimestampMixin, Base):
    """A one-off meeting people sign up for."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[MeetingKind | None] = mapped_column(
        Enum(MeetingKind, native_enum=False, length=20, values_callable=enum_values))
    title: Mapped[str | None] = mapped_column(String(TITLE_LENGTH))
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[datetime | None] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    place: Mapped[str | None] = mapped_column(String(PLACE_LENGTH))
    capacity: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_LENGTH))
    open: Mapped[bool] = mapped_column(default=True)  # False: by invitation
    signup_deadline: Mapped[datetime | None]
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    status: Mapped[MeetingStatus] = mapped_column(
        Enum(MeetingStatus, native_enum=False, length=20, values_callable=enum_values),
        default=MeetingStatus.DRAFT, index=True)
    awaiting: Mapped[str | None] = mapped_column(String(20))  # the next typed answer expected
    editing_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    lock_version: Mapped[int] = mapped_column(default=0)  # bumped to take the row's lock
    walk_ins: Mapped[int] = mapped_column(default=0)
    attendance_asked_at: Mapped[datetime | None]
    attendance_recorded_at: Mapped[datetime | None]


class MeetingSignup(TimestampMixin, Base):
    """One person's place at a meeting (or in its waiting line)."""

    __tablename__ = "meeting_signup"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    status: Mapped[SignupStatus] = mapped_column(
        Enum(SignupStatus, native_enum=False, length=20, values_callable=enum_values))
    position: Mapped[int]  # order of signing up; the waiting line goes by it
    attended: Mapped[bool] = mapped_column(default=False)


class MeetingInvitation(TimestampMixin, Base):
    """An invitation to a meeting by invitation (``Meeting.open`` False).

    Made for a person by name, or as a one-time link (``token``, no person yet) that the
    first registered person to open it claims. Only the organiser, the coordinators of the
    meeting's area and the invited see such a meeting at all.
    """

    __tablename__ = "meeting_invitation"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)  # None: a link not yet used
    token: Mapped[str | None] = mapped_column(String(32), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]  # when a link was used (None for one by name)


class MeetingAnnouncement(TimestampMixin, Base):
    """A meeting's post in a group chat, kept so its live count can be edited."""

    __tablename__ = "meeting_announcement"
    __table_args__ = (UniqueConstraint("meeting_id", "group_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group_chat.id", ondelete="SET NULL"))
    # The post's outbox row: once sent, it holds the channel's id for the message.
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"))


# --- drafts --------------------------------------------------------------------------------

async def draft_of(session: AsyncSession, person_id: int) -> Meeting | None:
    """Return the meeting the person is writing, if any."""
    return (await session.scalars(
        select(Meeting).where(Meeting.organiser_id == person_id,
                              Meeting.status == MeetingStatus.DRAFT)
        .order_by(Meeting.id.desc()).limit(1))).first()


async def being_edited_by(session: AsyncSession, person_id: int) -> Meeting | None:
    """Return the scheduled meeting whose new time or place this person is typing."""
    return (await session.scalars(
        select(Meeting).where(Meeting.editing_by_id == person_id,
                              Meeting.awaiting.is_not(None),
                              Meeting.status == MeetingStatus.SCHEDULED).limit(1))).first()


def waiting_for_text(person_id: int) -> ColumnElement[bool]:
    """True (in SQL) while the person's meeting draft or change waits for typed text."""
    return select(Meeting.id).where(
        Meeting.awaiting.is_not(None),
        or_(and_(Meeting.organiser_id == person_id, Meeting.status == MeetingStatus.DRAFT),
            and_(Meeting.editing_by_id == person_id,
                 Meeting.status == MeetingStatus.SCHEDULED))).exists()


async def start_draft(session: AsyncSession, person_id: int, area_id: int | None) -> Meeting:
    """Return a fresh draft waiting for its kind; an unfinished older draft is dropped."""
    old = await draft_of(session, person_id)
    if old is not None:
        await session.delete(old)
    draft = Meeting(organiser_id=person_id, area_id=area_id, status=MeetingStatus.DRAFT,
                    open=True, lock_version=0, walk_ins=0)
    session.add(draft)
    await session.flush()
    return draft



class MeetingProblem(enum.StrEnum):
    """Why a step of writing or changing a meeting was not taken."""

    BAD_TITLE = "bad_title"  # empty or longer than TITLE_LENGTH
    BAD_PLACE = "bad_place"  # empty or longer than PLACE_LENGTH
    BAD_CAPACITY = "bad_capacity"  # not from 1 to MAX_CAPACITY
    BAD_DEADLINE = "bad_deadline"  # past, or more than a day after the start
    TOO_LONG = "too_long"  # a description longer than DESCRIPTION_LENGTH
    NOT_ASKED = "not_asked"  # the draft is not at that step (an old button)
    NOT_ALLOWED = "not_allowed"  # an area the person may not organise in
    INCOMPLETE = "incomplete"  # a question still open, or something missing
    IN_THE_PAST = "in_the_past"  # the time has passed meanwhile: asked again


def _when_step(asks: tuple[Clarify, ...]) -> str | None:
    """The question a typed time leaves open: next year's date?, 午前 or 午後?, else none."""
    if Clarify.PAST_DATE_THIS_YEAR in asks:
        return "when_year"
    return "when_hour" if Clarify.AMBIGUOUS_HOUR in asks else None


def start_editing(meeting: Meeting, what: str, person_id: int) -> None:
    """The person is to type a scheduled meeting's new ``when``, ``place`` or a name to
    ``invite``."""
    assert what in ("when", "place", "invite")
    meeting.awaiting, meeting.editing_by_id = what, person_id


def stop_editing(meeting: Meeting) -> None:
    """The change is made, or given up (left half-typed, no longer allowed)."""
    meeting.awaiting = meeting.editing_by_id = None


def change_place(meeting: Meeting, place: str) -> MeetingProblem | None:
    """A scheduled meeting's new place typed (the change is then made: ``stop_editing``)."""
    if not 0 < len(place) <= PLACE_LENGTH:
        return MeetingProblem.BAD_PLACE
    meeting.place = place
    return None


def choose_kind(draft: Meeting, kind: MeetingKind) -> None:
    """The kind chosen: the title is asked next."""
    draft.kind, draft.awaiting = kind, "title"


def set_title(draft: Meeting, title: str) -> MeetingProblem | None:
    """The title typed: the time is asked next."""
    if not 0 < len(title) <= TITLE_LENGTH:
        return MeetingProblem.BAD_TITLE
    draft.title, draft.awaiting = title, "when"
    return None


def set_when(draft: Meeting, when: When, asks: tuple[Clarify, ...] = ()) -> None:
    """The time typed; what it left open (``asks``) is asked next, else it is read back."""
    draft.starts_at = when.start.astimezone(UTC)
    draft.ends_at = when.end.astimezone(UTC) if when.end else None
    draft.awaiting = _when_step(asks)


def retype_when(draft: Meeting) -> None:
    """The time read back was wrong: it is typed again."""
    draft.awaiting = "when"


def confirm_next_year(draft: Meeting, *, hour_too: bool) -> MeetingProblem | None:
    """はい, next year's date; then 午前 or 午後 when the hour was bare too."""
    if draft.awaiting != "when_year" or draft.starts_at is None:
        return MeetingProblem.NOT_ASKED
    draft.awaiting = _when_step((Clarify.AMBIGUOUS_HOUR,) if hour_too else ())
    return None


def choose_half_day(draft: Meeting, *, in_the_afternoon: bool, zone: tzinfo
                    ) -> MeetingProblem | None:
    """午前 or 午後 for a bare hour (read in ``zone``); the time is read back next."""
    if draft.awaiting != "when_hour" or draft.starts_at is None:
        return MeetingProblem.NOT_ASKED
    if in_the_afternoon:
        set_when(draft, afternoon(When(
            draft.starts_at.astimezone(zone),
            draft.ends_at.astimezone(zone) if draft.ends_at else None)))
    draft.awaiting = None
    return None


def confirm_when(draft: Meeting) -> MeetingProblem | None:
    """The time read back is right: the place is asked next."""
    if draft.starts_at is None:
        return MeetingProblem.NOT_ASKED
    draft.awaiting = "place"
    return None


def set_place(draft: Meeting, place: str) -> MeetingProblem | None:
    """The place typed: the capacity is asked next."""
    if not 0 < len(place) <= PLACE_LENGTH:
        return MeetingProblem.BAD_PLACE
    draft.place, draft.awaiting = place, "capacity"
    return None


def set_capacity(draft: Meeting, capacity: int | None) -> MeetingProblem | None:
    """The capacity typed (None: not a number): the sign-up deadline is asked next."""
    if capacity is None or not 1 <= capacity <= MAX_CAPACITY:
        return MeetingProblem.BAD_CAPACITY
    draft.capacity, draft.awaiting = capacity, "deadline"
    return None


def set_deadline(draft: Meeting, deadline: datetime | None, now: datetime
                 ) -> MeetingProblem | None:
    """The sign-up deadline typed (None: no deadline, pressed while it is asked); no later
    than the start, and a day after it at most is read as the start. The description is
    asked next."""
    if draft.awaiting != "deadline" or draft.starts_at is None:
        return MeetingProblem.NOT_ASKED
    if deadline is not None:
        if not now < deadline <= draft.starts_at + timedelta(days=1):
            return MeetingProblem.BAD_DEADLINE
        draft.signup_deadline = min(deadline, draft.starts_at)
    draft.awaiting = "description"
    return None


def set_description(draft: Meeting, description: str | None) -> MeetingProblem | None:
    """The description typed (None: skipped, pressed while it is asked); the questions end."""
    if draft.awaiting != "description":
        return MeetingProblem.NOT_ASKED
    if description is not None:
        if len(description) > DESCRIPTION_LENGTH:
            return MeetingProblem.TOO_LONG
        draft.description = description
    draft.awaiting = None
    return None


def choose_area(draft: Meeting, area_id: int | None, allowed: list[Area]
                ) -> MeetingProblem | None:
    """The area chosen among those the person may organise in (``allowed``)."""
    area = next((a for a in allowed if a.id == area_id), None)
    if area is None:
        return MeetingProblem.NOT_ALLOWED
    draft.area_id = area.id
    return None


def ready_to_register(draft: Meeting) -> bool:
    """True once every question is answered and nothing is missing."""
    return draft.awaiting is None and bool(
        draft.kind and draft.title and draft.starts_at and draft.place and draft.capacity
        and draft.area_id)


def switch_open(draft: Meeting) -> MeetingProblem | None:
    """Open to all ⇄ by invitation, at the summary."""
    if draft.area_id is None or draft.awaiting is not None:
        return MeetingProblem.NOT_ASKED
    draft.open = not draft.open
    return None


async def drop_draft(session: AsyncSession, draft: Meeting) -> None:
    """The organiser gave up writing the meeting."""
    await session.delete(draft)


def schedule_draft(draft: Meeting, now: datetime) -> MeetingProblem | None:
    """Register the draft as a scheduled meeting; a time passed meanwhile is asked again."""
    if not ready_to_register(draft):
        return MeetingProblem.INCOMPLETE
    assert draft.starts_at is not None
    if draft.starts_at <= now:
        draft.awaiting = "when"
        return MeetingProblem.IN_THE_PAST
    draft.status = MeetingStatus.SCHEDULED
    return None

# --- who may join ------------------------------------------------------------------------

async def in_scope(session: AsyncSession, meeting: Meeting, person: Person) -> bool:
    """True if the person lives in the meeting's district (or municipality)."""
    if person.district_id is None or meeting.area_id is None:
        return False
    if person.district_id == meeting.area_id:
        return True
    district = await session.get(Area, person.district_id)
    return district is not None and district.parent_id == meeting.area_id


async def is_invited(session: AsyncSession, meeting_id: int, person_id: int) -> bool:
    """True if the person holds an invitation to the meeting."""
    return await session.scalar(select(MeetingInvitation.id).where(
        MeetingInvitation.meeting_id == meeting_id,
        MeetingInvitation.person_id == person_id).limit(1)) is not None


async def may_see(session: AsyncSession, meeting: Meeting, person: Person | None, *,
                  manages: bool) -> bool:
    """True if the person may see the meeting: its title, time, place and buttons.

    A draft: nobody (its buttons are the organiser's own). An open meeting: everyone. A
    meeting by invitation: those who manage it (``manages``: the organiser, or someone who
    may organise meetings in its area, as the caller's permissions say), and the invited.
    Everyone else is answered as if it did not exist, so ids cannot be probed.
    """
    if meeting.status == MeetingStatus.DRAFT:
        return False
    if meeting.open or manages or (person is not None and person.id == meeting.organiser_id):
        return True
    return person is not None and await is_invited(session, meeting.id, person.id)


def scope_area_ids(district: Area | None) -> list[int]:
    """Return the areas whose meetings a resident of ``district`` may see: it and its city."""
    if district is None:
        return []
    return [district.id, *([district.parent_id] if district.parent_id else [])]


async def district_ids_of(session: AsyncSession, area: Area) -> list[int]:
    """Return the districts an area covers (itself, or a municipality's districts)."""
    if area.level == AreaLevel.DISTRICT:
        return [area.id]
    return list(await session.scalars(select(Area.id).where(Area.parent_id == area.id)))


async def upcoming(session: AsyncSession, area_ids: list[int], now: datetime,
                   limit: int = 5, *, invited: int | None = None) -> list[Meeting]:
    """Return the next scheduled meetings, soonest first: the open ones of these areas and,
    for ``invited`` (a person's id), those the person is invited to, wherever they are."""
    shown = and_(Meeting.area_id.in_(area_ids), Meeting.open.is_(True))
    if invited is not None:
        shown = or_(shown, Meeting.id.in_(select(MeetingInvitation.meeting_id).where(
            MeetingInvitation.person_id == invited)))
    return list(await session.scalars(
        select(Meeting).where(shown, Meeting.status == MeetingStatus.SCHEDULED,
                              Meeting.starts_at > now)
        .order_by(Meeting.starts_at, Meeting.id).limit(limit)))


async def organised_by(session: AsyncSession, person_id: int, since: datetime,
                       limit: int = 10) -> list[Meeting]:
    """Return the person's meetings starting after ``since``, soonest first."""
    return list(await session.scalars(
        select(Meeting).where(Meeting.organiser_id == person_id,
                              Meeting.status != MeetingStatus.DRAFT,
                              Meeting.starts_at >= since)
        .order_by(Meeting.starts_at, Meeting.id).limit(limit)))


# --- counts and lists --------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    """How many are confirmed and how many wait."""

    confirmed: int
    waiting: int


async def counts(session: AsyncSession, meeting_id: int) -> Counts:
    """Return the meeting's live counts."""
    rows = dict((await session.execute(
        select(MeetingSignup.status, func.count()).where(MeetingSignup.meeting_id == meeting_id)
        .group_by(MeetingSignup.status))).all())
    return Counts(int(rows.get(SignupStatus.CONFIRMED, 0)), int(rows.get(SignupStatus.WAITING, 0)))


async def signups(session: AsyncSession, meeting_id: int,
                  statuses: tuple[SignupStatus, ...] = (SignupStatus.CONFIRMED,
                                                         SignupStatus.WAITING)
                  ) -> list[tuple[MeetingSignup, Person]]:
    """Return sign-ups with their people: confirmed first, each in the order they came."""
    rows = await session.execute(
        select(MeetingSignup, Person).join(Person, Person.id == MeetingSignup.person_id)
        .where(MeetingSignup.meeting_id == meeting_id, MeetingSignup.status.in_(statuses))
        .order_by(MeetingSignup.status, MeetingSignup.position))
    found = [(signup, person) for signup, person in rows]
    order = {SignupStatus.CONFIRMED: 0, SignupStatus.WAITING: 1, SignupStatus.CANCELLED: 2}
    return sorted(found, key=lambda pair: (order[pair[0].status], pair[0].position))


async def signup_of(session: AsyncSession, meeting_id: int, person_id: int
                    ) -> MeetingSignup | None:
    """Return the person's sign-up row for the meeting, in any status."""
    return (await session.scalars(select(MeetingSignup).where(
        MeetingSignup.meeting_id == meeting_id, MeetingSignup.person_id == person_id)
        .execution_options(populate_existing=True))).first()


# --- joining and leaving ------------------------------------------------------------------

class JoinOutcome(enum.StrEnum):
    """What pressing 参加する did."""

    CONFIRMED = "confirmed"
    WAITING = "waiting"
    ALREADY_CONFIRMED = "already_confirmed"
    ALREADY_WAITING = "already_waiting"
    CLOSED = "closed"  # past the deadline or already started
    CANCELLED = "cancelled"  # the meeting was called off
    NOT_INVITED = "not_invited"  # by invitation, and this person has none


@dataclass(frozen=True)
class JoinResult:
    """The outcome and whether this sign-up filled the last place."""

    outcome: JoinOutcome
    became_full: bool = False


async def _lock(session: AsyncSession, meeting_id: int) -> Meeting | None:
    """Take the meeting's row for the rest of the transaction; return it freshly read.

    The UPDATE is the transaction's first write, so on SQLite it waits for the write lock
    (busy timeout) and on PostgreSQL for the row lock; whoever comes next sees our rows.
    """
    await session.execute(
        update(Meeting).where(Meeting.id == meeting_id)
        .values(lock_version=Meeting.lock_version + 1)
        .execution_options(synchronize_session=False))
    return await session.get(Meeting, meeting_id, populate_existing=True)


def signup_open(meeting: Meeting, now: datetime) -> bool:
    """True while sign-up is open: before the deadline and before the start."""
    if meeting.starts_at is None or now >= meeting.starts_at:
        return False
    return meeting.signup_deadline is None or now < meeting.signup_deadline


async def join(session: AsyncSession, meeting_id: int, person_id: int, now: datetime
               ) -> JoinResult:
    """Sign the person up: confirmed while there is room, else in the waiting line."""
    meeting = await _lock(session, meeting_id)
    if meeting is not None and meeting.status != MeetingStatus.DRAFT and not meeting.open \
            and meeting.organiser_id != person_id \
            and not await is_invited(session, meeting_id, person_id):
        return JoinResult(JoinOutcome.NOT_INVITED)  # before saying anything about it
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
        return JoinResult(JoinOutcome.CANCELLED)
    existing = await signup_of(session, meeting_id, person_id)
    if existing is not None and existing.status == SignupStatus.CONFIRMED:
        return JoinResult(JoinOutcome.ALREADY_CONFIRMED)
    if existing is not None and existing.status == SignupStatus.WAITING:
        return JoinResult(JoinOutcome.ALREADY_WAITING)
    if not signup_open(meeting, now):
        return JoinResult(JoinOutcome.CLOSED)
    current = await counts(session, meeting_id)
    room = meeting.capacity is None or current.confirmed < meeting.capacity
    status = SignupStatus.CONFIRMED if room else SignupStatus.WAITING
    last = await session.scalar(select(func.max(MeetingSignup.position)).where(
        MeetingSignup.meeting_id == meeting_id))
    position = int(last or 0) + 1
    if existing is None:
        session.add(MeetingSignup(meeting_id=meeting_id, person_id=person_id, status=status,
                                  position=position, attended=False))
    else:
        existing.status, existing.position = status, position
    await session.flush()
    became_full = room and meeting.capacity is not None \
        and current.confirmed + 1 == meeting.capacity
    return JoinResult(JoinOutcome(status.value), became_full)


@dataclass(frozen=True)
class LeaveResult:
    """What cancelling did: the sign-up's former status and who moved up, if anyone."""

    was: SignupStatus | None
    promoted: Person | None = None


async def leave(session: AsyncSession, meeting_id: int, person_id: int) -> LeaveResult:
    """Cancel the person's sign-up; a freed place goes to the first person waiting."""
    meeting = await _lock(session, meeting_id)
    existing = await signup_of(session, meeting_id, person_id)
    if meeting is None or existing is None or existing.status == SignupStatus.CANCELLED:
        return LeaveResult(None)
    was = existing.status
    existing.status = SignupStatus.CANCELLED
    await session.flush()
    await cancel_reminders(session, meeting_id, person_id)
    promoted = None
    if was == SignupStatus.CONFIRMED and meeting.status == MeetingStatus.SCHEDULED:
        promoted = await _promote(session, meeting)
    return LeaveResult(was, promoted)


async def _promote(session: AsyncSession, meeting: Meeting) -> Person | None:
    current = await counts(session, meeting.id)
    if meeting.capacity is not None and current.confirmed >= meeting.capacity:
        return None
    first = (await session.scalars(
        select(MeetingSignup).where(MeetingSignup.meeting_id == meeting.id,
                                    MeetingSignup.status == SignupStatus.WAITING)
        .order_by(MeetingSignup.position).limit(1))).first()
    if first is None:
        return None
    first.status = SignupStatus.CONFIRMED
    await session.flush()
    return await session.get(Person, first.person_id)


# --- changes by the organiser ------------------------------------------------------------

async def cancel_reminders(session: AsyncSession, meeting_id: int,
                           person_id: int | None = None) -> int:
    """Stop reminders not yet sent (for one person, or everyone); return how many."""
    prefix = f"{REMINDER_KEY}:{meeting_id}:" + (f"{person_id}:" if person_id else "")
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.idempotency_key.startswith(prefix, autoescape=True),
               OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, **CONTENT_GONE)
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


async def change_when(session: AsyncSession, meeting: Meeting, when: When, now: datetime
                      ) -> MeetingProblem | None:
    """Move a scheduled meeting to a time still to come (a past one: still waiting for one)."""
    if when.start <= now:
        return MeetingProblem.IN_THE_PAST
    await reschedule(session, meeting, when.start.astimezone(UTC),
                     when.end.astimezone(UTC) if when.end else None)
    return None


async def reschedule(session: AsyncSession, meeting: Meeting, starts_at: datetime,
                     ends_at: datetime | None) -> None:
    """Move the meeting; reminders for the old time are stopped (the job sends new ones)."""
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    if meeting.signup_deadline is not None and meeting.signup_deadline > starts_at:
        meeting.signup_deadline = starts_at
    await cancel_reminders(session, meeting.id)


async def call_off(session: AsyncSession, meeting: Meeting) -> None:
    """Cancel the meeting and every reminder still waiting."""
    meeting.status = MeetingStatus.CANCELLED
    meeting.awaiting = meeting.editing_by_id = None
    await cancel_reminders(session, meeting.id)


def ends(meeting: Meeting) -> datetime:
    """When the meeting is over (two hours after the start when no end was given)."""
    assert meeting.starts_at is not None
    return meeting.ends_at or meeting.starts_at + timedelta(hours=2)


async def toggle_attended(session: AsyncSession, meeting: Meeting, signup_id: int
                          ) -> MeetingSignup | None:
    """Flip whether a confirmed participant came; None if it is not this meeting's."""
    signup = await session.get(MeetingSignup, signup_id)
    if signup is None or signup.meeting_id != meeting.id \
            or signup.status != SignupStatus.CONFIRMED:
        return None
    signup.attended = not signup.attended
    meeting.attendance_recorded_at = utcnow()
    return signup


def change_walk_ins(meeting: Meeting, delta: int) -> None:
    """Add to or take from the count of people who came without signing up."""
    meeting.walk_ins = min(max((meeting.walk_ins or 0) + delta, 0), MAX_WALK_INS)
    meeting.attendance_recorded_at = utcnow()


# --- group posts ---------------------------------------------------------------------------

async def groups_for(session: AsyncSession, meeting: Meeting) -> list[GroupChat]:
    """Return the active group chats linked to the meeting's district(s)."""
    area = await session.get(Area, meeting.area_id) if meeting.area_id else None
    if area is None:
        return []
    ids = await district_ids_of(session, area)
    return list(await session.scalars(select(GroupChat).where(
        GroupChat.active.is_(True), GroupChat.district_id.in_(ids)).order_by(GroupChat.id)))


async def announcements(session: AsyncSession, meeting_id: int
                        ) -> list[tuple[MeetingAnnouncement, str | None]]:
    """Return the meeting's group posts with the channel's id for each message, once sent."""
    rows = await session.execute(
        select(MeetingAnnouncement, OutboxMessage.sent_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == MeetingAnnouncement.outbox_id)
        .where(MeetingAnnouncement.meeting_id == meeting_id))
    return [(post, sent) for post, sent in rows]


async def leave_meeting_steps(session: AsyncSession, person_id: int, *, drop: bool) -> bool:
    """The person leaves the meeting they are writing or changing: ``drop`` deletes the
    draft (as its own 「やめる」 does), otherwise its typed step stops waiting; a typed change
    to a scheduled meeting is forgotten. Return whether anything was open."""
    return await leave_steps(session, Meeting, MeetingStatus.DRAFT, person_id, drop=drop)
