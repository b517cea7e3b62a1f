"""The application's clock: the one place that asks what time it is.

Everything that needs "now" — row defaults, the dispatcher, every job, reading 「明日」 —
calls :func:`utcnow`. In production it is the machine's clock. Tests move it with
:func:`travel` (it keeps ticking from the moment given, so retries and timeouts still
work) and :func:`reset`; nothing else in the code reads the wall clock (ruff's banned-api
rule enforces it, and CI runs the suite again with the machine's clock moved).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# How far the application's clock is from the machine's; zero outside tests.
_offset = timedelta(0)


def utcnow() -> datetime:
    """Return the application's current time, timezone-aware, in UTC."""
    return datetime.now(UTC) + _offset  # noqa: TID251 - the one reading of the wall clock


def travel(moment: datetime) -> None:
    """Move the clock so that it reads ``moment`` now, and keeps ticking from there."""
    if moment.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware moment")
    global _offset  # noqa: PLW0603 - the process has one clock, as it has one wall clock
    _offset = moment - datetime.now(UTC)  # noqa: TID251


def advance(delta: timedelta) -> None:
    """Move the clock forward (or back, with a negative ``delta``)."""
    global _offset  # noqa: PLW0603
    _offset += delta


def reset() -> None:
    """Put the clock back on the machine's time."""
    global _offset  # noqa: PLW0603
    _offset = timedelta(0)
