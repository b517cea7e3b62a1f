"""What the database still holds about someone: every value of every row, searched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from models.base import Base


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


async def rows_mentioning(engine: AsyncEngine, needles: list[str],
                          allowed: frozenset[tuple[str, str]] = frozenset()
                          ) -> list[tuple[str, str, str]]:
    """Return (table, column, value) for every stored value that contains one of
    ``needles`` (text, JSON, numbers and files alike), but the ``allowed`` columns."""
    found = []
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                for column, value in row._mapping.items():
                    if value is None or (table.name, column) in allowed:
                        continue
                    text = _as_text(value)
                    found += [(table.name, column, text) for needle in needles
                              if needle in text]
    return found


async def references_to(engine: AsyncEngine, person_id: int) -> list[tuple[str, str, int]]:
    """Return (table, column, row count) for every foreign key to ``person`` that still
    points at ``person_id``."""
    found = []
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for key in table.foreign_keys:
                if key.column.table.name != "person":
                    continue
                rows = (await connection.execute(
                    select(table).where(key.parent == person_id))).all()
                if rows:
                    found.append((table.name, key.parent.name, len(rows)))
    return found
