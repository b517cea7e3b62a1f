"""Needs (困りごと): what a resident asks for, how a coordinator follows it up, who helps.

What the resident says is their *demand* (デマンド); the coordinator takes it, adds notes,
refers it or matches a supporter, and resolves or closes it. Needs and notes are personal
data: only the resident, coordinators in scope and the matched supporter see them, and
only counts leave that circle.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import JSON, ColumnElement, Enum, ForeignKey, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.activities import Activity, ActivityStatus
from models.areas import municipality_of
from models.base import Base, BigId, TimestampMixin, enum_values
from models.clock import utcnow
from models.people import Person
from models.roles import Role, RoleGrant

NOTE_LENGTH = 200
DEFAULT_RETENTION = timedelta(days=365)


class Category(enum.StrEnum):
    """Kinds of help residents actually ask for (DOMAIN.md)."""

    SHOPPING = "shopping"
    OUTINGS = "outings"
    RUBBISH = "rubbish"
    MEALS = "meals"
    HOUSEHOLD = "household"
    TALK = "talk"
    PAPERWORK = "paperwork"
    HEALTH = "health"
    CARE = "care"
    OTHER = "other"


class NeedStatus(enum.StrEnum):
    """Where a need stands."""

    DRAFT = "draft"  # the resident is still choosing
    OPEN = "open"
    TAKEN = "taken"
    REFERRED = "referred"
    MATCHED = "matched"
    RESOLVED = "resolved"
    CLOSED = "closed"  # 対応不要
    WITHDRAWN = "withdrawn"  # the resident took it back (withdrawing consent deletes it)


ACTIVE = (NeedStatus.OPEN, NeedStatus.TAKEN, NeedStatus.REFERRED, NeedStatus.MATCHED)
FINISHED = (NeedStatus.RESOLVED, NeedStatus.CLOSED, NeedStatus.WITHDRAWN)


class Referral(enum.StrEnum):
    """Where a coordinator can refer a need (besides a supporter)."""

    HOUSEHOLD_CENTRE = "houkatsu"  # 地域包括支援センター
    SOCIAL_WELFARE = "shakyo"  # 社会福祉協議会
    MINSEI = "minsei"  # 民生委員
    ACTIVITY = "activity"  # a local activity


class RequestStatus(enum.StrEnum):
    """A supporter's answer to a request."""

    ASKED = "asked"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=enum_values)


class Need(TimestampMixin, Base):
    """One need raised by one resident."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True)
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_round.id", ondelete="SET NULL"))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    awaiting_note: Mapped[bool] = mapped_column(default=False)
    status: Mapped[NeedStatus] = mapped_column(_enum(NeedStatus), default=NeedStatus.DRAFT,
                                               index=True)
    raised_at: Mapped[datetime | None] = mapped_column(index=True)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime | None]
    referred_to: Mapped[Referral | None] = mapped_column(_enum(Referral))
    referred_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    resent_at: Mapped[datetime | None]
    # A coordinator typing a note for this need.
    noting_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    @property
    def category_list(self) -> list[Category]:
        """The chosen categories, in the catalog's order."""
        chosen = set(self.categories or [])
        return [c for c in Category if c.value in chosen]


class NeedNote(TimestampMixin, Base):
    """A coordinator's note on a need (kept with it, deleted with it)."""

    __tablename__ = "need_note"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(NOTE_LENGTH))


class SupportOffer(TimestampMixin, Base):
    """What a supporter can help with, and where."""

    __tablename__ = "support_offer"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    paused: Mapped[bool] = mapped_column(default=False)


class SupportRequest(TimestampMixin, Base):
    """A coordinator asked a supporter to help with a need."""

    __tablename__ = "support_request"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    supporter_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    # Set when the request goes to an activity's organiser (the need is matched to it).
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="SET NULL"))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus),
                                                  default=RequestStatus.ASKED)
    answered_at: Mapped[datetime | None]


class NeedProblem(enum.StrEnum):
    """Why a coordinator's action on a need was refused."""

    TAKEN = "taken"
    FINISHED = "finished"


# -- the resident's side -------------------------------------------------------------------

async def start_need(session: AsyncSession, person: Person, round_id: int | None,
                     first: Category | None = None) -> Need:
    """Return the person's draft need, started now (an older draft is replaced)."""
    await session.execute(update(Need).where(Need.person_id == person.id,
                                             Need.status == NeedStatus.DRAFT)
                          .values(status=NeedStatus.WITHDRAWN, awaiting_note=False))
    need = Need(person_id=person.id, district_id=person.district_id, round_id=round_id,
                categories=[first.value] if first else [], status=NeedStatus.DRAFT,
                awaiting_note=False)
    session.add(need)
    await session.flush()
    return need


def toggle_category(need: Need, category: Category) -> None:
    """Add or remove a category of a draft."""
    chosen = list(need.categories or [])
    if category.value in chosen:
        chosen.remove(category.value)
    else:
        chosen.append(category.value)
    need.categories = chosen


def set_note(need: Need, text: str) -> None:
    """Store the resident's short note (trimmed to the limit)."""
    need.note = text.strip()[:NOTE_LENGTH] or None
    need.awaiting_note = False


def raise_need(need: Need, now: datetime) -> bool:
    """Turn a draft into an open need; False if it was not a draft with a category."""
    if need.status is not NeedStatus.DRAFT or not need.categories:
        return False
    need.status, need.raised_at, need.awaiting_note = NeedStatus.OPEN, now, False
    return True


async def draft_awaiting_note(session: AsyncSession, person_id: int) -> Need | None:
    """Return the person's draft that waits for a typed note."""
    return (await session.scalars(select(Need).where(
        Need.person_id == person_id, Need.status == NeedStatus.DRAFT,
        Need.awaiting_note.is_(True)))).first()


def waiting_for_note(person_id: int) -> ColumnElement[bool]:
    """True (in SQL) while the person's new need waits for its short note."""
    return select(Need.id).where(Need.person_id == person_id, Need.status == NeedStatus.DRAFT,
                                 Need.awaiting_note.is_(True)).exists()


async def need_of_round(session: AsyncSession, round_id: int) -> Need | None:
    """Return the latest need raised from a check-in round (a draft included)."""
    return (await session.scalars(select(Need).where(Need.round_id == round_id)
                                  .order_by(Need.id.desc()).limit(1))).first()


# -- the coordinator's side ----------------------------------------------------------------

async def needs_in(session: AsyncSession, district_ids: list[int] | None) -> list[Need]:
    """Return active needs in these districts (everywhere when None), oldest first."""
    query = select(Need).where(Need.status.in_(ACTIVE)).order_by(Need.raised_at, Need.id)
    if district_ids is not None:
        query = query.where(Need.district_id.in_(district_ids))
    return list(await session.scalars(query))


async def take(session: AsyncSession, need: Need, coordinator: Person, now: datetime
               ) -> NeedProblem | None:
    """Take an open need; only one coordinator wins (a conditional UPDATE)."""
    result = await session.execute(
        update(Need).where(Need.id == need.id, Need.status == NeedStatus.OPEN)
        .values(status=NeedStatus.TAKEN, taken_by_id=coordinator.id, taken_at=now)
        .execution_options(synchronize_session=False))
    await session.refresh(need)
    if result.rowcount == 1:  # type: ignore[attr-defined]  # UPDATE gives a CursorResult
        return None
    return NeedProblem.FINISHED if need.status in FINISHED else NeedProblem.TAKEN


def _ensure_owner(need: Need, coordinator: Person) -> None:
    if need.taken_by_id is None:
        need.taken_by_id, need.taken_at = coordinator.id, utcnow()


def refer(need: Need, coordinator: Person, where: Referral) -> NeedProblem | None:
    """Record that the need was referred on."""
    if need.status in FINISHED:
        return NeedProblem.FINISHED
    _ensure_owner(need, coordinator)
    need.status, need.referred_to, need.referred_at = NeedStatus.REFERRED, where, utcnow()
    return None


def finish(need: Need, coordinator: Person, status: NeedStatus, now: datetime
           ) -> NeedProblem | None:
    """Resolve a need, or close it as 対応不要."""
    assert status in (NeedStatus.RESOLVED, NeedStatus.CLOSED)
    if need.status in FINISHED:
        return NeedProblem.FINISHED
    _ensure_owner(need, coordinator)
    need.status, need.finished_at, need.noting_by_id = status, now, None
    return None


def add_note(session: AsyncSession, need: Need, author: Person, text: str) -> NeedNote:
    """Add a coordinator's note."""
    note = NeedNote(need_id=need.id, author_id=author.id, text=text.strip()[:NOTE_LENGTH])
    session.add(note)
    need.noting_by_id = None
    return note


async def notes_of(session: AsyncSession, need_id: int) -> list[NeedNote]:
    """Return a need's notes, oldest first."""
    return list(await session.scalars(select(NeedNote).where(NeedNote.need_id == need_id)
                                      .order_by(NeedNote.id)))


def wait_for_note(need: Need) -> None:
    """The resident's next typed words are the need's note."""
    need.awaiting_note = True


def stop_noting(need: Need) -> None:
    """No coordinator's note is being typed on the need any more."""
    need.noting_by_id = None


async def need_being_noted_by(session: AsyncSession, person_id: int) -> Need | None:
    """Return the need this coordinator is typing a note for."""
    return (await session.scalars(select(Need).where(Need.noting_by_id == person_id))).first()


def waiting_for_follow_up(person_id: int) -> ColumnElement[bool]:
    """True (in SQL) while a coordinator's note on a need waits to be typed."""
    return select(Need.id).where(Need.noting_by_id == person_id).exists()


async def needs_to_resend(session: AsyncSession, now: datetime, default: timedelta
                          ) -> list[Need]:
    """Return open needs nobody took in time (the municipality's hours, or ``default``)
    that were not sent again yet."""
    candidates = await session.scalars(
        select(Need).where(Need.status == NeedStatus.OPEN, Need.resent_at.is_(None),
                           Need.raised_at.is_not(None)).order_by(Need.id))
    due = []
    for need in candidates:
        city = await municipality_of(session, need.district_id)
        after = timedelta(hours=city.need_resend_hours) if city and city.need_resend_hours \
            else default
        if need.raised_at is not None and need.raised_at + after <= now:
            due.append(need)
    return due


async def forget_old_needs(session: AsyncSession, now: datetime, keep: timedelta) -> int:
    """Delete finished needs (and their notes) older than the retention period."""
    old = list(await session.scalars(select(Need).where(
        Need.status.in_(FINISHED), Need.finished_at < now - keep)))
    for need in old:
        await session.delete(need)
    return len(old)


# -- supporters ----------------------------------------------------------------------------

async def offer_of(session: AsyncSession, person: Person) -> SupportOffer:
    """Return the supporter's offer, creating an empty one in their district."""
    offer = await session.get(SupportOffer, person.id)
    if offer is None:
        offer = SupportOffer(person_id=person.id, district_id=person.district_id,
                             categories=[], paused=False)
        session.add(offer)
        await session.flush()
    return offer


def toggle_offer_paused(offer: SupportOffer) -> None:
    """Stop being asked for a while, or be asked again."""
    offer.paused = not offer.paused


def move_offer(offer: SupportOffer, person: Person) -> None:
    """Keep the offer in the supporter's district (they may have moved since it was made)."""
    offer.district_id = person.district_id


def toggle_offer(offer: SupportOffer, category: Category) -> None:
    """Add or remove a kind of help from an offer."""
    chosen = list(offer.categories or [])
    if category.value in chosen:
        chosen.remove(category.value)
    else:
        chosen.append(category.value)
    offer.categories = chosen


async def candidates_for(session: AsyncSession, need: Need) -> list[Person]:
    """Return supporters of the need's district who offered one of its kinds of help."""
    wanted = set(need.categories or [])
    rows = await session.execute(
        select(Person, SupportOffer).join(SupportOffer, SupportOffer.person_id == Person.id)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.role == Role.SUPPORTER, SupportOffer.paused.is_(False),
               SupportOffer.district_id == need.district_id, Person.active.is_(True),
               Person.consented_at.is_not(None), Person.id != need.person_id)
        .order_by(Person.id))
    found: dict[int, Person] = {}
    for person, offer in rows:
        if wanted & set(offer.categories or []):
            found[person.id] = person
    return list(found.values())


async def ask_supporter(session: AsyncSession, need: Need, supporter: Person,
                        coordinator: Person, activity_id: int | None = None
                        ) -> SupportRequest | None:
    """Return a new request to a supporter (or to an activity's organiser, with
    ``activity_id``), or None if one is already open for this need and person."""
    existing = (await session.scalars(select(SupportRequest).where(
        SupportRequest.need_id == need.id, SupportRequest.supporter_id == supporter.id,
        SupportRequest.status.in_((RequestStatus.ASKED, RequestStatus.ACCEPTED))))).first()
    if existing is not None or need.status in FINISHED:
        return None
    _ensure_owner(need, coordinator)
    if need.status is NeedStatus.OPEN:
        need.status = NeedStatus.TAKEN
    if activity_id is not None:
        need.referred_to = Referral.ACTIVITY
    request = SupportRequest(need_id=need.id, supporter_id=supporter.id,
                             asked_by_id=coordinator.id, activity_id=activity_id,
                             status=RequestStatus.ASKED)
    session.add(request)
    await session.flush()
    return request


def answer_request(request: SupportRequest, need: Need, accepted: bool, now: datetime) -> bool:
    """Record the supporter's answer; False if it was answered already or the need is over."""
    if request.status is not RequestStatus.ASKED or need.status in FINISHED:
        return False
    request.status = RequestStatus.ACCEPTED if accepted else RequestStatus.DECLINED
    request.answered_at = now
    if accepted:
        need.status = NeedStatus.MATCHED
    return True


async def activities_for(session: AsyncSession, need: Need, limit: int = 10
                         ) -> list[Activity]:
    """Return active activities with an organiser in the need's district."""
    if need.district_id is None:
        return []
    return list(await session.scalars(
        select(Activity).where(Activity.district_id == need.district_id,
                               Activity.status == ActivityStatus.ACTIVE,
                               Activity.organiser_id.is_not(None),
                               Activity.organiser_id != need.person_id)
        .order_by(Activity.name, Activity.id).limit(limit)))


async def matched_supporter(session: AsyncSession, need_id: int) -> Person | None:
    """Return the supporter who accepted this need, if any."""
    return (await session.scalars(
        select(Person).join(SupportRequest, SupportRequest.supporter_id == Person.id)
        .where(SupportRequest.need_id == need_id,
               SupportRequest.status == RequestStatus.ACCEPTED))).first()


async def leave_need_draft(session: AsyncSession, person_id: int, *, drop: bool) -> bool:
    """The resident leaves the need being written: ``drop`` withdraws the draft (as its own
    「取り消す」 does), otherwise only its note stops waiting (the draft's buttons still send
    it). Return whether anything was open."""
    found = False
    for need in await session.scalars(select(Need).where(Need.person_id == person_id,
                                                         Need.status == NeedStatus.DRAFT)):
        if drop:
            need.status, found = NeedStatus.WITHDRAWN, True
        else:
            found = found or need.awaiting_note
        need.awaiting_note = False
    return found


async def leave_follow_up_note(session: AsyncSession, person_id: int, *, drop: bool) -> bool:
    """A coordinator leaves the note she was about to type on a need; True if one waited."""
    del drop  # nothing else to drop: the need itself stays as it is
    found = False
    for need in await session.scalars(select(Need).where(Need.noting_by_id == person_id)):
        need.noting_by_id, found = None, True
    return found
