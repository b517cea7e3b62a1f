"""Weekly digests: the episodes coordinators mark for them, and the claim that makes each
council's digest for a week go out exactly once.

An ISO week is named by its Monday (a ``date``); weeks run Monday to Sunday in the bot's zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import ColumnElement, Date, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area, AreaLevel, Council
from models.base import Base, BigId, TimestampMixin
from models.clock import utcnow
from models.people import Person
from models.permissions import Action, Permissions
from models.roles import Role, RoleGrant

EPISODE_LENGTH = 200


class Episode(TimestampMixin, Base):
    """A short note a coordinator marked for the weekly digest (no residents' names).

    ``text`` is None while the coordinator is still typing it (the draft survives a restart).
    """

    __tablename__ = "episode"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    week: Mapped[date] = mapped_column(Date, index=True)  # the Monday of its week
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True)
    text: Mapped[str | None] = mapped_column(String(EPISODE_LENGTH))
    awaiting: Mapped[bool] = mapped_column(default=False)


class DigestRun(TimestampMixin, Base):
    """The claim: this council's digest for this week has been produced (once)."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("council_id", "week"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column(Date)
    recipients: Mapped[int] = mapped_column(default=0)


# -- weeks ---------------------------------------------------------------------------------

def week_of(moment: datetime, zone: tzinfo) -> date:
    """Return the Monday of the week ``moment`` falls in, in ``zone``."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def week_start(week: date, zone: tzinfo) -> datetime:
    """Return the first instant of the week beginning on Monday ``week``."""
    return datetime.combine(week, time(0), tzinfo=zone)


def parse_iso_week(text: str) -> date:
    """Return the Monday of an ISO week written ``2026-W47``; raise ValueError otherwise."""
    year, _, number = text.strip().upper().partition("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def iso_week_name(week: date) -> str:
    """Return ``2026-W47`` for the week beginning on ``week``."""
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def last_full_week(now: datetime, zone: tzinfo) -> date:
    """Return the Monday of the last week that is entirely over at ``now``."""
    return week_of(now, zone) - timedelta(days=7)


# -- the claim -----------------------------------------------------------------------------

async def claim_run(session: AsyncSession, council_id: int, week: date) -> DigestRun | None:
    """Return a new claim for this council and week, or None if any process has one."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(DigestRun).values(council_id=council_id, week=week, recipients=0,
                                 created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["council_id", "week"])
        .returning(DigestRun.id))
    new_id = result.scalar_one_or_none()
    return await session.get(DigestRun, new_id) if new_id is not None else None


async def unsent_councils(session: AsyncSession, week: date) -> list[Council]:
    """Return the councils (of an existing area) whose digest of ``week`` nobody has claimed."""
    return list(await session.scalars(
        select(Council).join(Area, Area.id == Council.area_id)
        .where(~select(DigestRun.id).where(DigestRun.council_id == Council.id,
                                           DigestRun.week == week).exists())
        .order_by(Council.id)))


# -- episodes ------------------------------------------------------------------------------

async def start_episode(session: AsyncSession, author_id: int, area_id: int, week: date
                        ) -> Episode:
    """Return a draft episode waiting for its typed text (an older draft is dropped)."""
    old = await episode_draft_of(session, author_id)
    if old is not None:
        await session.delete(old)
    draft = Episode(area_id=area_id, week=week, author_id=author_id, awaiting=True)
    session.add(draft)
    await session.flush()
    return draft


async def episode_draft_of(session: AsyncSession, author_id: int) -> Episode | None:
    """Return the episode this coordinator is typing, if any."""
    return (await session.scalars(select(Episode).where(
        Episode.author_id == author_id, Episode.awaiting.is_(True))
        .order_by(Episode.id.desc()).limit(1))).first()


def waiting_for_episode(author_id: int) -> ColumnElement[bool]:
    """True (in SQL) while the coordinator's episode waits for its text."""
    return select(Episode.id).where(Episode.author_id == author_id,
                                    Episode.awaiting.is_(True)).exists()


def finish_episode(episode: Episode, text: str, week: date) -> bool:
    """Store the typed text (for the week it was typed in); False if it is empty."""
    cleaned = " ".join(text.split())[:EPISODE_LENGTH]
    if not cleaned:
        return False
    episode.text, episode.week, episode.awaiting = cleaned, week, False
    return True


async def episodes_of(session: AsyncSession, area_ids: list[int], week: date
                      ) -> list[tuple[int, str]]:
    """Return (area id, text) of the week's finished episodes in these areas, oldest first."""
    rows = await session.execute(
        select(Episode.area_id, Episode.text).where(
            Episode.area_id.in_(area_ids), Episode.week == week, Episode.awaiting.is_(False),
            Episode.text.is_not(None)).order_by(Episode.id))
    return [(area_id, text) for area_id, text in rows if text]


# -- who reads which digest ----------------------------------------------------------------

async def digest_recipients(session: AsyncSession, council: Council, area: Area
                            ) -> list[tuple[Person, bool]]:
    """Return who gets a council's weekly digest, and whether they read exact counts.

    The council's members (counts of needs and alerts suppressed) and the coordinators of its
    area at its own level (exact): a district's coordinators for a district council, the
    municipal coordinators for a municipal one. Someone who is both reads exact counts.
    """
    coordinator = Role.DISTRICT_COORDINATOR if area.level is AreaLevel.DISTRICT \
        else Role.MUNICIPAL_COORDINATOR
    rows = await session.execute(
        select(Person, RoleGrant.role).join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.area_id == council.area_id,
               RoleGrant.role.in_((Role.COUNCIL_MEMBER, coordinator)),
               Person.active.is_(True), Person.consented_at.is_not(None))
        .order_by(Person.id))
    found: dict[int, tuple[Person, bool]] = {}
    for person, role in rows:
        exact = role is coordinator or (person.id in found and found[person.id][1])
        found[person.id] = (person, exact)
    return list(found.values())


async def councils_for(session: AsyncSession, permissions: Permissions
                       ) -> list[tuple[Council, bool]]:
    """Return the councils whose digest this person may read, and whether exactly.

    Coordinators (and admins) read the councils of the areas they cover, exactly; council
    members read only the councils of the area their grant is in, with small counts hidden.
    """
    member_of = {g.area_id for g in permissions.grants if g.role is Role.COUNCIL_MEMBER}
    rows = await session.execute(select(Council, Area).join(Area, Area.id == Council.area_id)
                                 .order_by(Council.id))
    readable: list[tuple[Council, bool]] = []
    for council, area in rows:
        if permissions.may(Action.FOLLOW_NEEDS, area):
            readable.append((council, True))
        elif area.id in member_of:
            readable.append((council, False))
    return readable


def episode_area(permissions: Permissions) -> int | None:
    """Return the area a coordinator's episodes belong to: their district, else their
    municipality (None for someone who coordinates nowhere in particular)."""
    for role in (Role.DISTRICT_COORDINATOR, Role.MUNICIPAL_COORDINATOR, Role.ADMIN):
        for grant in permissions.grants:
            if grant.role is role and grant.area_id is not None:
                return grant.area_id
    return None


async def leave_episode(session: AsyncSession, author_id: int, *, drop: bool) -> bool:
    """The coordinator leaves the episode she was about to type: the empty draft goes."""
    del drop  # an episode waiting for its text has nothing else worth keeping
    found = False
    for draft in await session.scalars(select(Episode).where(Episode.author_id == author_id,
                                                             Episode.awaiting.is_(True))):
        await session.delete(draft)
        found = True
    await session.flush()
    return found
