"""Areas (municipality → districts), councils, and the group chats linked to a district."""

from __future__ import annotations

import csv
import enum
import io
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import AuditAction, record
from models.base import Base, BigId, TimestampMixin, enum_values
from models.clock import utcnow
from models.identities import Identity, external
from models.text import FORMULA_STARTS

AREA_NAME_LENGTH = 100


class AreaLevel(enum.StrEnum):
    """第1層 (the whole municipality) or 第2層 (a daily-life district, 日常生活圏域)."""

    MUNICIPALITY = "municipality"
    DISTRICT = "district"


class Area(TimestampMixin, Base):
    """A municipality or one of its districts."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(AREA_NAME_LENGTH))
    level: Mapped[AreaLevel] = mapped_column(
        Enum(AreaLevel, native_enum=False, length=20, values_callable=enum_values)
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"))
    # A municipality's own thresholds (hours); None means the deployment's setting.
    watch_alert_hours: Mapped[int | None]
    watch_contact_hours: Mapped[int | None]
    need_resend_hours: Mapped[int | None]


class Council(TimestampMixin, Base):
    """A council (協議体) of a district or of the whole municipality."""

    __tablename__ = "council"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="RESTRICT"), index=True)


class GroupChat(TimestampMixin, Base):
    """A group chat the bot is in (known to its channel through ``models.identities``),
    optionally linked to a district."""

    __tablename__ = "group_chat"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)


async def municipality_of(session: AsyncSession, district_id: int | None) -> Area | None:
    """Return the municipality a district belongs to (the area itself if it is one)."""
    area = await session.get(Area, district_id) if district_id else None
    if area is None or area.parent_id is None:
        return area
    return await session.get(Area, area.parent_id)


async def find_area(session: AsyncSession, name: str, parent: Area | None = None) -> Area | None:
    """Return the area called ``name`` under ``parent`` (a municipality when None)."""
    query = select(Area).where(Area.name == name)
    if parent is None:
        return (await session.scalars(query.where(Area.parent_id.is_(None)))).one_or_none()
    return (await session.scalars(query.where(Area.parent_id == parent.id))).one_or_none()


async def all_areas(session: AsyncSession) -> list[Area]:
    """Return every area: municipalities first, each followed by its districts, by id."""
    areas = list(await session.scalars(select(Area).order_by(Area.id)))
    ordered: list[Area] = []
    for municipality in (a for a in areas if a.parent_id is None):
        ordered.append(municipality)
        ordered.extend(a for a in areas if a.parent_id == municipality.id)
    return ordered


async def districts(session: AsyncSession) -> list[Area]:
    """Return every district, in the order they were created."""
    return list(await session.scalars(
        select(Area).where(Area.level == AreaLevel.DISTRICT).order_by(Area.id)
    ))


async def get_or_create_area(
    session: AsyncSession, municipality: str, district: str | None = None,
    actor_id: int | None = None,
) -> tuple[Area, bool]:
    """Return the municipality (or its district) by name and whether it was just created."""
    created = False
    city = await find_area(session, municipality)
    if city is None:
        city = Area(name=municipality, level=AreaLevel.MUNICIPALITY)
        session.add(city)
        await session.flush()
        await record(session, AuditAction.AREA_CREATED, actor_id=actor_id, area_id=city.id)
        created = True
    if district is None:
        return city, created
    area = await find_area(session, district, parent=city)
    if area is None:
        area = Area(name=district, level=AreaLevel.DISTRICT, parent_id=city.id)
        session.add(area)
        await session.flush()
        await record(session, AuditAction.AREA_CREATED, actor_id=actor_id, area_id=area.id)
        return area, True
    return area, created


async def create_council(
    session: AsyncSession, name: str, area: Area, actor_id: int | None = None
) -> Council:
    """Return a new council of ``area``."""
    council = Council(name=name, area_id=area.id)
    session.add(council)
    await session.flush()
    await record(session, AuditAction.COUNCIL_CREATED, actor_id=actor_id, area_id=area.id)
    return council


async def councils(session: AsyncSession) -> list[Council]:
    """Return every council."""
    return list(await session.scalars(select(Council).order_by(Council.id)))


# --- Import from a spreadsheet -----------------------------------------------------------

CSV_HEADER = ("municipality", "district")


@dataclass
class ImportProblem:
    """A line of the file that cannot be imported, and why (a catalog key)."""

    line: int
    key: str


@dataclass
class ImportResult:
    """What an import did, or the problems that stopped it."""

    created: int = 0
    existing: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


# Control characters (line breaks too), invisible formatting (direction marks and overrides,
# zero-width characters), surrogates, private use, and line or paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def name_problem(line: int, name: str) -> ImportProblem | None:
    """Return why ``name`` (on ``line``) cannot be an area's name, or None if it can."""
    if len(name) > AREA_NAME_LENGTH:
        return ImportProblem(line, "areas.import.too_long")
    if any(unicodedata.category(character) in _HIDDEN_CATEGORIES for character in name):
        return ImportProblem(line, "areas.import.invisible")
    if name.startswith(FORMULA_STARTS):
        return ImportProblem(line, "areas.import.formula")
    return None


def name_fault(name: str) -> str | None:
    """Return the message key saying why ``name`` cannot be an area's name, or None."""
    problem = name_problem(0, name)
    return problem.key if problem else None


def read_area_rows(data: bytes) -> tuple[list[tuple[int, str, str]], list[ImportProblem]]:
    """Return (line, municipality, district) rows of a CSV file, and its problems.

    UTF-8, with or without Excel's byte-order mark; a header row ``municipality,district``.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [ImportProblem(1, "areas.import.not_utf8")]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(c.strip().lower() for c in header[:2]) != CSV_HEADER:
        return [], [ImportProblem(1, "areas.import.bad_header")]
    rows: list[tuple[int, str, str]] = []
    problems: list[ImportProblem] = []
    try:
        for row in reader:
            line = reader.line_num
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if len(cells) < 2 or not cells[0] or not cells[1]:
                problems.append(ImportProblem(line, "areas.import.missing_cell"))
            elif problem := name_problem(line, cells[0]) or name_problem(line, cells[1]):
                problems.append(problem)
            else:
                rows.append((line, cells[0], cells[1]))
    except csv.Error:  # a field over the csv module's limit, or broken quoting
        problems.append(ImportProblem(reader.line_num, "areas.import.bad_csv"))
    return rows, problems


async def import_areas(session: AsyncSession, data: bytes) -> ImportResult:
    """Return the result of importing districts from CSV; nothing is added if a line is bad."""
    rows, problems = read_area_rows(data)
    result = ImportResult(problems=problems)
    if problems:
        return result
    for _line, municipality, district in rows:
        _area, created = await get_or_create_area(session, municipality, district)
        if created:
            result.created += 1
        else:
            result.existing += 1
    return result


# --- Group chats ---------------------------------------------------------------------------

async def find_group(session: AsyncSession, channel: str, external_id: int | str
                     ) -> GroupChat | None:
    """Return the group chat this channel knows by ``external_id``, if the bot knows it."""
    return (await session.scalars(
        select(GroupChat).join(Identity, Identity.group_id == GroupChat.id)
        .where(Identity.channel == channel, Identity.external_id == external(external_id))
    )).one_or_none()


async def track_group(
    session: AsyncSession, channel: str, external_id: int | str, title: str, *, present: bool
) -> GroupChat:
    """Return the group after recording that the bot was added to it or removed from it.

    The identity is claimed first with one upsert, so two processes handling a new group's
    first updates at once make one group: the second waits for the first, then finds it.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    group = await find_group(session, channel, external_id)
    if group is None:
        group = GroupChat(title=title[:255], active=present)
        session.add(group)
        await session.flush()
        claimed = await session.execute(
            insert(Identity).values(channel=channel, external_id=external(external_id),
                                    group_id=group.id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["channel", "external_id"]))
        if claimed.rowcount:  # type: ignore[attr-defined]  # INSERT gives a CursorResult
            return group
        await session.delete(group)  # another process made it first: use theirs
        await session.flush()
        found = await find_group(session, channel, external_id)
        assert found is not None
        group = found
    if title:
        group.title = title[:255]
    group.active = present
    await session.flush()
    return group


async def link_group(
    session: AsyncSession, group: GroupChat, district: Area | None, actor_id: int
) -> GroupChat:
    """Return the group after linking it to ``district`` (None unlinks it)."""
    previous = group.district_id
    group.district_id = district.id if district else None
    action = AuditAction.GROUP_LINKED if district else AuditAction.GROUP_UNLINKED
    await record(session, action, actor_id=actor_id, area_id=district.id if district else previous,
                 group_id=group.id)
    return group
