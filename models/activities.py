"""Activities (地域資源): the neighbourhood's gatherings and help, their meanings, and interest.

An activity is proposed by a resident or supporter and approved by a coordinator of its
district, or registered active at once by a coordinator. The draft being written lives in
the same table (status ``draft``), so a conversation survives a bot restart.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Enum,
    ForeignKey,
    String,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area
from models.base import Base, BigId, TimestampMixin, enum_values, leave_steps
from models.clock import utcnow
from models.kayoinoba import Operator, SurveyCategory, Venue, default_category
from models.schedule import Schedule, occurrences

NAME_LENGTH = 100
PLACE_LENGTH = 200
DESCRIPTION_LENGTH = 500
CONTACT_LENGTH = 200
MAX_CAPACITY = 1000


class ActivityKind(enum.StrEnum):
    """The kinds of activity the source documents name."""

    GATHERING = "gathering"  # 通いの場
    SALON = "salon"
    EXERCISE = "exercise"  # 体操・介護予防
    MEAL = "meal"  # 食事会
    WATCHING = "watching"  # 見守り
    DAILY_HELP = "daily_help"  # 生活支援
    TRANSPORT = "transport"  # 送迎・移動
    HOBBY = "hobby"  # 趣味・学び
    ROLE = "role"  # 就労・役割
    OTHER = "other"


class Meaning(enum.StrEnum):
    """What an activity also does for people (意味づけ); several may apply."""

    WATCHING = "watching"  # 見守り
    NUTRITION = "nutrition"  # 栄養改善
    ISOLATION = "isolation"  # 孤立防止
    CARE_PREVENTION = "care_prevention"  # 介護予防
    PURPOSE = "purpose"  # 生きがい
    ROLE = "role"  # 役割


class ActivityStatus(enum.StrEnum):
    """Where an activity stands."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"
    REJECTED = "rejected"


VISIBLE = (ActivityStatus.ACTIVE, ActivityStatus.PAUSED)
# What a coordinator approved (or registered themselves): active, and later paused or ended.
# Proposals waiting for review and drafts were checked by nobody.
APPROVED = (ActivityStatus.ACTIVE, ActivityStatus.PAUSED, ActivityStatus.ENDED)


class Activity(TimestampMixin, Base):
    """A regular (or one-off) local activity."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    kind: Mapped[ActivityKind | None] = mapped_column(
        Enum(ActivityKind, native_enum=False, length=20, values_callable=enum_values))
    meanings: Mapped[list[str]] = mapped_column(JSON, default=list)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="RESTRICT"), index=True)
    place: Mapped[str | None] = mapped_column(String(PLACE_LENGTH))
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    contact: Mapped[str | None] = mapped_column(String(CONTACT_LENGTH))
    capacity: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(String(DESCRIPTION_LENGTH))
    status: Mapped[ActivityStatus] = mapped_column(
        Enum(ActivityStatus, native_enum=False, length=20, values_callable=enum_values),
        default=ActivityStatus.DRAFT, index=True)
    awaiting: Mapped[str | None] = mapped_column(String(20))  # the next typed answer expected
    editing_by_id: Mapped[int | None] = mapped_column(  # who is typing a change to it
        ForeignKey("person.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    review_reason: Mapped[str | None] = mapped_column(String(300))
    reviewed_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime | None]  # when it was last paused, resumed or ended
    # For the national survey of 通いの場 (models.kayoinoba); None: not chosen yet.
    survey_category: Mapped[SurveyCategory | None] = mapped_column(
        Enum(SurveyCategory, native_enum=False, length=20, values_callable=enum_values))
    operator: Mapped[Operator | None] = mapped_column(
        Enum(Operator, native_enum=False, length=20, values_callable=enum_values))
    venue: Mapped[Venue | None] = mapped_column(
        Enum(Venue, native_enum=False, length=20, values_callable=enum_values))
    has_fee: Mapped[bool | None]  # 参加費 (有・無)
    professionals: Mapped[bool | None]  # 専門職の関与 (有・無)
    kayoinoba: Mapped[bool | None]  # counted as a 通いの場; None: by its kind and schedule


class ActivityInterest(TimestampMixin, Base):
    """A person who pressed 行ってみたい on an activity."""

    __tablename__ = "activity_interest"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))


async def draft_of(session: AsyncSession, person_id: int) -> Activity | None:
    """Return the activity the person is writing, if any."""
    return (await session.scalars(
        select(Activity).where(Activity.organiser_id == person_id,
                               Activity.status == ActivityStatus.DRAFT)
        .order_by(Activity.id.desc()).limit(1))).first()


async def being_edited_by(session: AsyncSession, person_id: int) -> Activity | None:
    """Return the registered activity whose new name, place or schedule this person is typing
    (it may have ended meanwhile: the caller says so)."""
    return (await session.scalars(
        select(Activity).where(Activity.editing_by_id == person_id,
                               Activity.awaiting.is_not(None),
                               Activity.status != ActivityStatus.DRAFT)
        .order_by(Activity.id.desc()).limit(1))).first()


def waiting_for_text(person_id: int) -> ColumnElement[bool]:
    """True (in SQL) while the person's activity draft or change waits for typed text."""
    return select(Activity.id).where(
        Activity.awaiting.is_not(None),
        or_(and_(Activity.organiser_id == person_id, Activity.status == ActivityStatus.DRAFT),
            and_(Activity.editing_by_id == person_id,
                 Activity.status != ActivityStatus.DRAFT))).exists()


EDITABLE_FIELDS = ("name", "place", "schedule")


async def start_edit(session: AsyncSession, activity: Activity, person_id: int, field: str
                     ) -> None:
    """Wait for this person's typed new ``field``; an edit they left unfinished is dropped."""
    if field not in EDITABLE_FIELDS:
        raise ValueError(f"not a typed field: {field}")
    others = await session.scalars(select(Activity).where(
        Activity.editing_by_id == person_id, Activity.id != activity.id,
        Activity.status != ActivityStatus.DRAFT))
    for other in others:
        other.awaiting = other.editing_by_id = None
    activity.awaiting, activity.editing_by_id = field, person_id


def stop_edit(activity: Activity) -> None:
    """Forget a typed edit (done, or the activity ended meanwhile)."""
    activity.awaiting = activity.editing_by_id = None


def meanings_mask(meanings: list[str]) -> int:
    """Return the meanings as bits (for button data): bit i is the i-th Meaning."""
    return sum(1 << i for i, m in enumerate(Meaning) if m.value in meanings)


def meanings_of_mask(mask: int) -> list[str] | None:
    """Return the meanings a mask stands for, in a stable order; None for a forged mask."""
    if not 0 <= mask < 1 << len(Meaning):
        return None
    return [m.value for i, m in enumerate(Meaning) if mask & (1 << i)]


async def interested_people(session: AsyncSession, activity_id: int) -> list[int]:
    """Return the ids of the people who marked interest."""
    return list(await session.scalars(select(ActivityInterest.person_id).where(
        ActivityInterest.activity_id == activity_id)))


async def start_draft(session: AsyncSession, person_id: int, district_id: int | None
                      ) -> Activity:
    """Return a fresh draft waiting for its name; an unfinished older draft is dropped."""
    old = await draft_of(session, person_id)
    if old is not None:
        await session.delete(old)
    draft = Activity(organiser_id=person_id, district_id=district_id, meanings=[],
                     status=ActivityStatus.DRAFT, awaiting="name")
    session.add(draft)
    await session.flush()
    return draft


class ActivityProblem(enum.Enum):
    """Why a typed answer was not taken."""

    BAD_NAME = "bad_name"
    BAD_PLACE = "bad_place"


def rename(activity: Activity, name: str) -> ActivityProblem | None:
    """Give the activity (or the draft) its name, or say why not; the step ends."""
    if not 0 < len(name) <= NAME_LENGTH:
        return ActivityProblem.BAD_NAME
    activity.name = name
    activity.awaiting = None
    return None


def set_place(activity: Activity, place: str) -> ActivityProblem | None:
    """Say where it meets, or why not; a draft goes on to its schedule, an edit ends."""
    if not 0 < len(place) <= PLACE_LENGTH:
        return ActivityProblem.BAD_PLACE
    activity.place = place
    activity.awaiting = "schedule" if activity.status is ActivityStatus.DRAFT else None
    return None


def set_schedule(activity: Activity, schedule: Schedule) -> None:
    """When it meets (read from typed words, confirmed or still to be asked about)."""
    activity.schedule = schedule.to_json()


def wait_for(draft: Activity, step: str | None) -> None:
    """The next typed words answer ``step`` of the draft (None: no typed step)."""
    draft.awaiting = step


def set_details(draft: Activity, *, capacity: int | None = None, contact: str | None = None,
                description: str | None = None) -> None:
    """The optional answers: how many it takes, whom to ask, a few words about it."""
    if capacity is not None:
        draft.capacity = capacity
    if contact is not None:
        draft.contact = contact
    if description is not None:
        draft.description = description


def set_meanings(activity: Activity, meanings: list[str]) -> None:
    """What it means for the people who come (chosen together, in the stable order)."""
    activity.meanings = [m.value for m in Meaning if m.value in meanings]


def choose_kind(activity: Activity, kind: ActivityKind) -> None:
    """Set the kind, and the survey category it stands for when there is one (a category
    chosen by hand for an unclear kind is kept)."""
    activity.kind = kind
    category = default_category(kind.value)
    if category is not None:
        activity.survey_category = category


def toggle_meaning(activity: Activity, meaning: Meaning) -> None:
    """Add or remove one meaning."""
    chosen = list(activity.meanings or [])
    if meaning.value in chosen:
        chosen.remove(meaning.value)
    else:
        chosen.append(meaning.value)
    activity.meanings = [m.value for m in Meaning if m.value in chosen]  # a stable order


def submit(activity: Activity, *, approved: bool) -> None:
    """Finish the draft: active at once (a coordinator's own) or proposed for review."""
    activity.status = ActivityStatus.ACTIVE if approved else ActivityStatus.PROPOSED
    activity.awaiting = None


# Which status an organiser or coordinator may move an activity to, from where.
TRANSITIONS = {
    ActivityStatus.ACTIVE: (ActivityStatus.PAUSED, ActivityStatus.ENDED),
    ActivityStatus.PAUSED: (ActivityStatus.ACTIVE, ActivityStatus.ENDED),
}


def change_status(activity: Activity, new: ActivityStatus) -> None:
    """Pause, resume or end an activity; raise ValueError for anything else (an ended one)."""
    if new not in TRANSITIONS.get(activity.status, ()):
        raise ValueError(f"cannot go from {activity.status} to {new}")
    activity.status = new
    activity.status_changed_at = utcnow()


def review(activity: Activity, reviewer_id: int, *, approve: bool, reason: str | None = None
           ) -> None:
    """Approve or reject a proposed activity."""
    activity.status = ActivityStatus.ACTIVE if approve else ActivityStatus.REJECTED
    activity.reviewed_by_id = reviewer_id
    activity.reviewed_at = utcnow()
    activity.review_reason = reason


async def listed(session: AsyncSession, district_id: int, kind: ActivityKind | None = None,
                 *, offset: int = 0, limit: int = 5) -> tuple[list[Activity], int]:
    """Return one page of a district's visible activities, and how many there are."""
    query = select(Activity).where(Activity.district_id == district_id,
                                   Activity.status.in_(VISIBLE))
    if kind is not None:
        query = query.where(Activity.kind == kind)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    page = await session.scalars(query.order_by(Activity.name, Activity.id)
                                 .offset(offset).limit(limit))
    return list(page), int(total or 0)


async def mark_interest(session: AsyncSession, activity: Activity, person_id: int) -> bool:
    """Record 行ってみたい; return False if it was already recorded."""
    exists = await session.scalar(select(ActivityInterest.id).where(
        ActivityInterest.activity_id == activity.id, ActivityInterest.person_id == person_id))
    if exists is not None:
        return False
    session.add(ActivityInterest(activity_id=activity.id, person_id=person_id))
    await session.flush()
    return True


async def interest_count(session: AsyncSession, activity_id: int) -> int:
    """Return how many people marked interest."""
    return int(await session.scalar(select(func.count()).select_from(ActivityInterest).where(
        ActivityInterest.activity_id == activity_id)) or 0)


class SessionStatus(enum.StrEnum):
    """What is known about one meeting of an activity."""

    ASKED = "asked"  # the organiser was asked how many came
    HELD = "held"
    CANCELLED = "cancelled"


class ActivitySession(TimestampMixin, Base):
    """One meeting of an activity and how many came: what the weekly digest counts."""

    __tablename__ = "activity_session"
    __table_args__ = (UniqueConstraint("activity_id", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[SessionStatus] = mapped_column(
        Enum(SessionStatus, native_enum=False, length=20, values_callable=enum_values),
        default=SessionStatus.ASKED)
    participants: Mapped[int | None]
    reported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime | None] = mapped_column(index=True)
    awaiting_count: Mapped[bool] = mapped_column(default=False)  # a typed number comes next


MAX_PARTICIPANTS = 1000
CORRECTION_DAYS = 14
DEFAULT_LENGTH = timedelta(hours=1)  # when a schedule gives no end time


def ended_sessions(activity: Activity, since: datetime, now: datetime, zone: tzinfo
                   ) -> list[datetime]:
    """Return the starts of the activity's sessions after ``since`` that are over by ``now``,
    oldest first (none without a schedule)."""
    if not activity.schedule:
        return []
    schedule = Schedule.from_json(activity.schedule)
    length = (datetime.combine(now.date(), schedule.end) - datetime.combine(
        now.date(), schedule.start)) if schedule.end else DEFAULT_LENGTH
    return [start for start in occurrences(schedule, since, now, zone) if start + length <= now]


async def session_at(session: AsyncSession, activity_id: int, starts_at: datetime
                     ) -> ActivitySession | None:
    """Return the record of the session starting at ``starts_at``, if there is one."""
    return (await session.scalars(select(ActivitySession).where(
        ActivitySession.activity_id == activity_id,
        ActivitySession.starts_at == starts_at))).first()


async def sessions_since(session: AsyncSession, activity_id: int, since: datetime
                         ) -> list[ActivitySession]:
    """Return the activity's session records since ``since``."""
    return list(await session.scalars(select(ActivitySession).where(
        ActivitySession.activity_id == activity_id, ActivitySession.starts_at >= since)))


async def open_session(session: AsyncSession, activity_id: int, starts_at: datetime
                       ) -> ActivitySession | None:
    """Return a new session record to ask about, or None if one exists (any process)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ActivitySession)
        .values(activity_id=activity_id, starts_at=starts_at, status=SessionStatus.ASKED,
                awaiting_count=False, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["activity_id", "starts_at"])
        .returning(ActivitySession.id))
    new_id = result.scalar_one_or_none()
    return await session.get(ActivitySession, new_id) if new_id is not None else None


def record_count(record: ActivitySession, reporter_id: int, participants: int | None) -> None:
    """Record how many came (None: the session was cancelled)."""
    if participants is not None and not 0 <= participants <= MAX_PARTICIPANTS:
        raise ValueError("participants out of range")
    record.status = SessionStatus.CANCELLED if participants is None else SessionStatus.HELD
    record.participants = participants
    record.reported_by_id = reporter_id
    record.reported_at = utcnow()
    record.awaiting_count = False


async def active_activities(session: AsyncSession) -> list[Activity]:
    """Return every active activity."""
    return list(await session.scalars(select(Activity).where(
        Activity.status == ActivityStatus.ACTIVE)))


async def recent_sessions(session: AsyncSession, organiser_id: int, since: datetime
                          ) -> list[tuple[ActivitySession, Activity]]:
    """Return the organiser's sessions since ``since``, newest first, with their activity."""
    rows = await session.execute(
        select(ActivitySession, Activity).join(Activity)
        .where(Activity.organiser_id == organiser_id, ActivitySession.starts_at >= since)
        .order_by(ActivitySession.starts_at.desc()))
    return [(record, activity) for record, activity in rows]


async def awaiting_count_of(session: AsyncSession, person_id: int) -> ActivitySession | None:
    """Return the session whose count this person is about to type, if any."""
    return (await session.scalars(
        select(ActivitySession).where(ActivitySession.awaiting_count.is_(True),
                                      ActivitySession.reported_by_id == person_id)
        .limit(1))).first()


def waiting_for_count(person_id: int) -> ColumnElement[bool]:
    """True (in SQL) while a session waits for the number the person chose to type."""
    return select(ActivitySession.id).where(ActivitySession.awaiting_count.is_(True),
                                            ActivitySession.reported_by_id == person_id).exists()


async def registry(session: AsyncSession) -> list[tuple[Activity, str, int]]:
    """Return every approved activity (active, paused or ended; never a draft or a proposal
    nobody reviewed) with its district name and interest count, by district and name: what
    a council is handed."""
    interest = (select(ActivityInterest.activity_id, func.count().label("n"))
                .group_by(ActivityInterest.activity_id).subquery())
    rows = await session.execute(
        select(Activity, Area.name, func.coalesce(interest.c.n, 0))
        .join(Area, Area.id == Activity.district_id)
        .outerjoin(interest, interest.c.activity_id == Activity.id)
        .where(Activity.status.in_(APPROVED))
        .order_by(Area.id, Activity.name, Activity.id))
    return [(activity, district, int(count)) for activity, district, count in rows]


async def leave_activity_steps(session: AsyncSession, person_id: int, *, drop: bool) -> bool:
    """The person leaves the activity they are writing or changing: ``drop`` deletes the
    draft (as its own 「やめる」 does), otherwise its typed step stops waiting; a typed
    change to a registered activity is forgotten. Return whether anything was open."""
    return await leave_steps(session, Activity, ActivityStatus.DRAFT, person_id, drop=drop)


async def leave_count(session: AsyncSession, person_id: int, *, drop: bool) -> bool:
    """The person leaves the number of participants they were about to type."""
    del drop  # the session stays unreported, as before the question
    found = False
    for record in await session.scalars(select(ActivitySession).where(
            ActivitySession.awaiting_count.is_(True),
            ActivitySession.reported_by_id == person_id)):
        record.awaiting_count, found = False, True
    return found
