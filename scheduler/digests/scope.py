"""What a digest is about (``Scope``) and the sections other modules add to it (``Section``).

Kept apart from ``aggregate`` so that a section's module (``meetings``) and the aggregation
that calls it import these types, not each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import Area, AreaLevel, Council


@dataclass(frozen=True)
class Scope:
    """Whom a digest is about: the council, its area and the districts it covers."""

    council: Council
    area: Area
    districts: tuple[Area, ...]
    # Every district of the municipality (for a district council, its district's siblings
    # too): the suppression of small counts is decided over all of them (suppression.py).
    municipality: tuple[Area, ...] = ()

    @property
    def municipal(self) -> bool:
        """True for a council of the whole municipality (broken down by district)."""
        return self.area.level is AreaLevel.MUNICIPALITY

    @property
    def district_ids(self) -> list[int]:
        """The ids of the districts covered."""
        return [d.id for d in self.districts]

    @property
    def municipality_ids(self) -> list[int]:
        """The ids of every district of the municipality (the covered ones at least)."""
        return sorted({d.id for d in (*self.municipality, *self.districts)})


@dataclass
class Section:
    """A section added by a ``SectionBuilder`` (meetings, later): lines and a sheet.

    ``lines`` are (catalog key, params) rendered in the reader's language; ``columns`` are
    catalog keys of the sheet's columns and ``rows`` one (district id or None for the whole
    scope, values) per row.
    """

    title: str  # catalog key of the heading in the text (catalog markup)
    sheet: str  # catalog key of the workbook sheet's name (plain, no / or :)
    lines: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int | None, list[Any]]] = field(default_factory=list)


SectionBuilder = Callable[[AsyncSession, Scope, list[date], list[datetime]], Awaitable[Section]]
