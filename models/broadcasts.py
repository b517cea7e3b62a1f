"""Broadcasts: a coordinator's message to an audience in their area, sent through the outbox."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Enum, ForeignKey, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.activities import VISIBLE, Activity, ActivityInterest, ActivityKind
from models.areas import Area, AreaLevel, GroupChat
from models.base import Base, BigId, TimestampMixin, enum_values
from models.clock import utcnow
from models.outbox import CONTENT_GONE, OutboxMessage, OutboxStatus, enqueue
from models.people import Person
from models.roles import Role, RoleGrant


class Audience(enum.StrEnum):
    """Who a broadcast goes to, within its area."""

    RESIDENTS = "residents"
    SUPPORTERS = "supporters"
    COUNCIL = "council"
    GROUPS = "groups"
    EVERYONE = "everyone"
    # People who marked 行ってみたい on an activity of one kind, in the area (the kind is in
    # the value, so the column needs nothing new).
    INTERESTED_GATHERING = "interest_gathering"
    INTERESTED_SALON = "interest_salon"
    INTERESTED_EXERCISE = "interest_exercise"
    INTERESTED_MEAL = "interest_meal"
    INTERESTED_WATCHING = "interest_watching"
    INTERESTED_DAILY_HELP = "interest_daily_help"
    INTERESTED_TRANSPORT = "interest_transport"
    INTERESTED_HOBBY = "interest_hobby"
    INTERESTED_ROLE = "interest_role"
    INTERESTED_OTHER = "interest_other"


GROUP_AUDIENCES = (Audience.GROUPS, Audience.EVERYONE)  # the audiences that reach groups


INTEREST_PREFIX = "interest_"


def interest_audience(kind: ActivityKind) -> Audience:
    """Return the audience "people who marked interest in an activity of ``kind``"."""
    return Audience(INTEREST_PREFIX + kind.value)


def interest_kind(audience: Audience) -> ActivityKind | None:
    """Return the activity kind of an interest audience, or None for the others."""
    if not audience.value.startswith(INTEREST_PREFIX):
        return None
    return ActivityKind(audience.value.removeprefix(INTEREST_PREFIX))


class BroadcastStatus(enum.StrEnum):
    """Where a broadcast stands."""

    DRAFT = "draft"
    QUEUED = "queued"
    CANCELLED = "cancelled"
    REPORTED = "reported"


class Broadcast(TimestampMixin, Base):
    """A message a coordinator sends to many people at once."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    audience: Mapped[Audience | None] = mapped_column(
        Enum(Audience, native_enum=False, length=20, values_callable=enum_values)
    )
    status: Mapped[BroadcastStatus] = mapped_column(
        Enum(BroadcastStatus, native_enum=False, length=20, values_callable=enum_values),
        default=BroadcastStatus.DRAFT,
    )
    awaiting: Mapped[str | None] = mapped_column(String(20))  # what typed input comes next
    send_at: Mapped[datetime | None]
    recipients: Mapped[int] = mapped_column(default=0)


_ROLE_OF = {Audience.SUPPORTERS: Role.SUPPORTER, Audience.COUNCIL: Role.COUNCIL_MEMBER}


def _private(person: Person) -> Recipient:
    return Recipient(f"p{person.id}", person.id, None, person.language)


def _district_ids(area: Area, districts: list[Area]) -> list[int]:
    if area.level == AreaLevel.DISTRICT:
        return [area.id]
    return [d.id for d in districts if d.parent_id == area.id]


@dataclass(frozen=True, order=True)
class Recipient:
    """A chat a broadcast reaches: a person's private chat or a group."""

    key: str  # "p<person id>" or "g<group id>": one message each
    person_id: int | None
    group_id: int | None
    language: str | None  # the person's; None for a group (the deployment's default)


async def recipients(session: AsyncSession, area: Area, audience: Audience) -> list[Recipient]:
    """Return everyone the broadcast reaches, once each.

    People count only with consent in force and while they have not blocked the bot.
    """
    districts = list(await session.scalars(select(Area).where(Area.level == AreaLevel.DISTRICT)))
    district_ids = _district_ids(area, districts)
    found: dict[str, Recipient] = {}
    people = select(Person).where(Person.active.is_(True), Person.consented_at.is_not(None))
    if audience in (Audience.RESIDENTS, Audience.EVERYONE):
        for person in await session.scalars(people.where(Person.district_id.in_(district_ids))):
            found.setdefault(f"p{person.id}", _private(person))
    roles = list(_ROLE_OF.values()) if audience is Audience.EVERYONE else (
        [_ROLE_OF[audience]] if audience in _ROLE_OF else [])
    if roles:
        scope = [area.id, *district_ids]
        holders = people.join(RoleGrant, RoleGrant.person_id == Person.id).where(
            RoleGrant.role.in_(roles), RoleGrant.area_id.in_(scope))
        for person in await session.scalars(holders):
            found.setdefault(f"p{person.id}", _private(person))
    kind = interest_kind(audience)
    if kind is not None:
        interested = people.join(ActivityInterest, ActivityInterest.person_id == Person.id).join(
            Activity, Activity.id == ActivityInterest.activity_id).where(
            Activity.kind == kind, Activity.district_id.in_(district_ids),
            Activity.status.in_(VISIBLE))
        for person in await session.scalars(interested):
            found.setdefault(f"p{person.id}", _private(person))
    if audience in GROUP_AUDIENCES:
        groups = select(GroupChat).where(GroupChat.active.is_(True),
                                         GroupChat.district_id.in_(district_ids))
        for group in await session.scalars(groups):
            found.setdefault(f"g{group.id}", Recipient(f"g{group.id}", None, group.id, None))
    return sorted(found.values())


async def draft_for(session: AsyncSession, person_id: int) -> Broadcast | None:
    """Return the person's broadcast being written, if any."""
    return (await session.scalars(
        select(Broadcast).where(Broadcast.created_by_id == person_id,
                                Broadcast.status == BroadcastStatus.DRAFT)
        .order_by(Broadcast.id.desc()).limit(1)
    )).first()


def waiting_for_text(person_id: int) -> ColumnElement[bool]:
    """True (in SQL) while the person's broadcast draft waits for typed text or a time."""
    return select(Broadcast.id).where(Broadcast.created_by_id == person_id,
                                      Broadcast.status == BroadcastStatus.DRAFT,
                                      Broadcast.awaiting.is_not(None)).exists()


async def start_draft(session: AsyncSession, person_id: int) -> Broadcast:
    """Return a fresh draft waiting for its text; an older unfinished draft is dropped."""
    old = await draft_for(session, person_id)
    if old is not None:
        await session.delete(old)
    draft = Broadcast(created_by_id=person_id, status=BroadcastStatus.DRAFT, awaiting="text")
    session.add(draft)
    await session.flush()
    return draft


def set_text(draft: Broadcast, text: str) -> None:
    """The draft's words, typed: next comes the area (or, with one area, the audience)."""
    draft.text = text
    draft.awaiting = None


def choose_area(draft: Broadcast, area: Area) -> None:
    """Send to ``area`` (one the author may broadcast to: the caller checked)."""
    draft.area_id = area.id


def choose_audience(draft: Broadcast, audience: Audience) -> None:
    """Send to residents, supporters, groups or everyone in the area."""
    draft.audience = audience


def wait_for_time(draft: Broadcast) -> None:
    """The author's next typed words are when to send."""
    draft.awaiting = "time"


async def queue(session: AsyncSession, broadcast: Broadcast, area: Area,
                heading: Callable[[str | None], str], send_at: datetime | None = None) -> int:
    """Write one outbox row per recipient in this transaction; return how many.

    Each message starts with ``heading(language)``: who is speaking, in the reader's language
    (an empty heading adds nothing).
    """
    assert broadcast.text is not None
    assert broadcast.audience is not None
    targets = await recipients(session, area, broadcast.audience)
    due = send_at or utcnow()
    for target in targets:
        top = heading(target.language)
        text = f"{top}\n\n{broadcast.text}" if top else broadcast.text
        enqueue(session, key=f"broadcast:{broadcast.id}:{target.key}", text=text,
                due_at=due, person_id=target.person_id, group_id=target.group_id,
                broadcast_id=broadcast.id, about=broadcast.created_by_id)  # her name heads it
    broadcast.status = BroadcastStatus.QUEUED
    broadcast.awaiting = None
    broadcast.send_at = due
    broadcast.recipients = len(targets)
    await session.flush()
    return len(targets)


async def cancel(session: AsyncSession, broadcast: Broadcast) -> int:
    """Cancel what has not gone yet; return how many messages were stopped."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast.id,
               OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, **CONTENT_GONE)
        .execution_options(synchronize_session=False)
    )
    broadcast.status = BroadcastStatus.CANCELLED
    return int(result.rowcount)  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


async def recent(session: AsyncSession, person_id: int | None, limit: int = 5) -> list[Broadcast]:
    """Return the latest broadcasts (of one person, or everyone's), newest first."""
    query = select(Broadcast).where(Broadcast.status != BroadcastStatus.DRAFT)
    if person_id is not None:
        query = query.where(Broadcast.created_by_id == person_id)
    return list(await session.scalars(query.order_by(Broadcast.id.desc()).limit(limit)))


async def finished_unreported(session: AsyncSession) -> list[Broadcast]:
    """Return queued broadcasts whose every message has reached a final state."""
    open_ids = select(OutboxMessage.broadcast_id).where(
        OutboxMessage.broadcast_id.is_not(None),
        OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
    return list(await session.scalars(
        select(Broadcast).where(Broadcast.status == BroadcastStatus.QUEUED,
                                Broadcast.id.not_in(open_ids))
    ))


async def leave_broadcast_draft(session: AsyncSession, person_id: int, *, drop: bool) -> bool:
    """The person leaves the broadcast they are writing: ``drop`` deletes the draft,
    otherwise its typed step stops waiting. Return whether anything was open."""
    found = False
    for draft in await session.scalars(select(Broadcast).where(
            Broadcast.created_by_id == person_id, Broadcast.status == BroadcastStatus.DRAFT)):
        if drop:
            await session.delete(draft)
            found = True
        else:
            found = found or draft.awaiting is not None
            draft.awaiting = None
    await session.flush()
    return found
