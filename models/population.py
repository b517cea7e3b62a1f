"""Population per district: people aged 65+, 75+ and those certified for care (要介護・要支援
認定者), as the municipality's statistics give them, so that rates can be computed (the
national 通いの場 indicator is its participants among people aged 65+).

One row per district and date of reference (the resident register's date, usually 1 April or
30 September). A rate uses the latest figures dated on or before the end of its period, else
the earliest ones: population changes slowly, and a report should not go blank because the
new figures are a month late.

``otagai areas population FILE`` imports them from a CSV file; a file with any bad line
changes nothing and names every bad line and column.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, ForeignKey, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area, AreaLevel
from models.base import Base, BigId, TimestampMixin
from models.clock import utcnow

MAX_PEOPLE = 10_000_000  # more than any Japanese city; a bigger number is a slip
CSV_COLUMNS = ("district", "aged_65_plus", "aged_75_plus", "certified", "as_of")
REQUIRED = CSV_COLUMNS[:4]


class DistrictPopulation(TimestampMixin, Base):
    """A district's older population on one date."""

    __tablename__ = "district_population"
    __table_args__ = (UniqueConstraint("district_id", "as_of"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    district_id: Mapped[int] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), index=True)
    as_of: Mapped[date] = mapped_column(Date)  # the date the figures refer to
    aged_65_plus: Mapped[int]
    aged_75_plus: Mapped[int]
    certified: Mapped[int]  # 要介護・要支援認定者


@dataclass
class PopulationProblem:
    """A cell (or a line) of the file that cannot be imported: a catalog key and the column."""

    line: int
    key: str
    column: str = ""


@dataclass
class PopulationResult:
    """What an import did, or the problems that stopped it."""

    stored: int = 0
    problems: list[PopulationProblem] = field(default_factory=list)


def decode(data: bytes) -> str | None:
    """Return the text of a CSV file: UTF-8 (with or without Excel's byte-order mark) or
    Shift_JIS (Excel's 「CSV (コンマ区切り)」 on Japanese Windows); None if neither."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _count(text: str) -> int | None:
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").strip()  # １，２００ too
    if not cleaned.isascii() or not cleaned.lstrip("-").isdigit():
        return None
    return int(cleaned)


@dataclass(frozen=True)
class PopulationLine:
    """One valid line of the file."""

    line: int
    district: Area
    aged_65_plus: int
    aged_75_plus: int
    certified: int
    as_of: date


async def _district_names(session: AsyncSession) -> dict[str, list[Area]]:
    """Every district by its name and by ``市/地区``."""
    areas = list(await session.scalars(select(Area)))
    by_id = {a.id: a for a in areas}
    names: dict[str, list[Area]] = {}
    for area in areas:
        if area.level is AreaLevel.DISTRICT:
            names.setdefault(area.name, []).append(area)
            parent = by_id.get(area.parent_id or 0)
            if parent is not None:
                names.setdefault(f"{parent.name}/{area.name}", []).append(area)
    return names


def _district_problem(line: int, name: str, found: list[Area]) -> PopulationProblem | None:
    if not name:
        return PopulationProblem(line, "population.import.empty", "district")
    if not found:
        return PopulationProblem(line, "population.import.unknown_district", "district")
    if len(found) > 1:
        return PopulationProblem(line, "population.import.ambiguous", "district")
    return None


def _number(line: int, column: str, cell: str) -> tuple[int, PopulationProblem | None]:
    value = _count(cell)
    if not cell:
        return 0, PopulationProblem(line, "population.import.empty", column)
    if value is None:
        return 0, PopulationProblem(line, "population.import.not_number", column)
    if value < 0:
        return value, PopulationProblem(line, "population.import.negative", column)
    if value > MAX_PEOPLE:
        return value, PopulationProblem(line, "population.import.too_big", column)
    return value, None


def _line(line: int, cells: list[str], names: dict[str, list[Area]], default_as_of: date
          ) -> tuple[PopulationLine | None, list[PopulationProblem]]:
    """One line read: its figures, or every problem of its cells."""
    cells = cells + [""] * (5 - len(cells))
    found = names.get(cells[0], [])
    problems = [p for p in [_district_problem(line, cells[0], found)] if p]
    numbers: list[int] = []
    for column, cell in zip(REQUIRED[1:], cells[1:4], strict=True):
        value, problem = _number(line, column, cell)
        numbers.append(value)
        problems += [problem] if problem else []
    if not problems and numbers[1] > numbers[0]:
        problems.append(PopulationProblem(line, "population.import.older_than_65",
                                          "aged_75_plus"))
    as_of = default_as_of
    if cells[4]:
        try:
            as_of = date.fromisoformat(cells[4])
        except ValueError:
            problems.append(PopulationProblem(line, "population.import.bad_date", "as_of"))
    if problems:
        return None, problems
    return PopulationLine(line, found[0], numbers[0], numbers[1], numbers[2], as_of), []


async def read_population(session: AsyncSession, data: bytes, default_as_of: date
                          ) -> tuple[list[PopulationLine], list[PopulationProblem]]:
    """Return the valid lines of a population CSV and the problems of the others.

    Header: ``district,aged_65_plus,aged_75_plus,certified[,as_of]``; a district is named
    as in ``otagai areas list`` (``市/地区`` when two municipalities have one of that name);
    numbers may have thousands separators; ``as_of`` is YYYY-MM-DD (today when absent)."""
    text = decode(data)
    if text is None:
        return [], [PopulationProblem(1, "population.import.not_text")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [c.strip().lower() for c in next(reader, [])]
    except csv.Error:
        return [], [PopulationProblem(1, "population.import.bad_csv")]
    if tuple(header[:4]) != REQUIRED or (len(header) > 4 and header[4] not in ("as_of", "")):
        return [], [PopulationProblem(1, "population.import.bad_header")]
    names = await _district_names(session)
    lines: list[PopulationLine] = []
    problems: list[PopulationProblem] = []
    seen: set[tuple[int, date]] = set()
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            item, found = _line(reader.line_num, cells, names, default_as_of)
            problems += found
            if item is None:
                continue
            if (item.district.id, item.as_of) in seen:
                problems.append(PopulationProblem(item.line, "population.import.twice",
                                                  "district"))
                continue
            seen.add((item.district.id, item.as_of))
            lines.append(item)
    except csv.Error:  # a field over the csv module's limit, or broken quoting
        problems.append(PopulationProblem(reader.line_num, "population.import.bad_csv"))
    return lines, problems


async def import_population(session: AsyncSession, data: bytes, today: date
                            ) -> PopulationResult:
    """Store the figures of a CSV file (replacing a district's figures of the same date);
    nothing is stored when any line is bad."""
    lines, problems = await read_population(session, data, today)
    if problems:
        return PopulationResult(problems=problems)
    for item in lines:
        row = (await session.scalars(select(DistrictPopulation).where(
            DistrictPopulation.district_id == item.district.id,
            DistrictPopulation.as_of == item.as_of))).one_or_none()
        if row is None:
            row = DistrictPopulation(district_id=item.district.id, as_of=item.as_of,
                                     created_at=utcnow())
            session.add(row)
        row.aged_65_plus, row.aged_75_plus = item.aged_65_plus, item.aged_75_plus
        row.certified = item.certified
    await session.flush()
    return PopulationResult(stored=len(lines))


async def population_at(session: AsyncSession, district_ids: Collection[int], day: date
                        ) -> dict[int, DistrictPopulation]:
    """Return each district's figures for a period ending on ``day``: the latest dated on or
    before it, else the earliest after it; districts without figures are left out."""
    rows = await session.scalars(
        select(DistrictPopulation).where(DistrictPopulation.district_id.in_(district_ids))
        .order_by(DistrictPopulation.district_id, DistrictPopulation.as_of))
    chosen: dict[int, DistrictPopulation] = {}
    for row in rows:
        if row.district_id not in chosen or row.as_of <= day:
            chosen[row.district_id] = row  # ascending: the latest on or before ``day`` wins
    return chosen
