"""Placeholder until the full parser lands: reads 'YYYY-MM-DD HH:MM' only."""

from __future__ import annotations

from datetime import datetime


def parse_datetime(text: str, now: datetime) -> datetime | None:
    """Return the moment in ``text`` (YYYY-MM-DD HH:MM), in ``now``'s zone, or None."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=now.tzinfo)
    except ValueError:
        return None
