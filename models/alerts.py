"""A watching alert resolved: a coordinator contacted the silent person.

Several coordinators are told of the same alert and may press 連絡がとれました at once; the
alert is resolved by one conditional UPDATE, so exactly one of them resolves it and the others
learn who did.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Area, WatchAlert
from models.permissions import Action, Permissions


class AlertProblem(enum.StrEnum):
    """Why an alert cannot be resolved by this person."""

    GONE = "gone"  # no such alert (any more)
    NOT_YOURS = "not_yours"  # outside the areas the person follows


class AlertOutcome(enum.StrEnum):
    """What pressing the alert's button did."""

    RESOLVED = "resolved"  # by this coordinator, now
    ALREADY_RESOLVED = "already_resolved"  # by someone (else) before


@dataclass(frozen=True)
class Resolution:
    """The outcome, with who resolved the alert and when (this person or the earlier one)."""

    outcome: AlertOutcome
    alert: WatchAlert
    resolved_by_id: int | None
    resolved_at: datetime


async def alert_to_resolve(session: AsyncSession, alert_id: int, permissions: Permissions
                           ) -> WatchAlert | AlertProblem:
    """The alert, if it exists and lies in an area the person follows needs in."""
    alert = await session.get(WatchAlert, alert_id)
    if alert is None:
        return AlertProblem.GONE
    district = await session.get(Area, alert.district_id) if alert.district_id else None
    if district is None or not permissions.may(Action.FOLLOW_NEEDS, district):
        return AlertProblem.NOT_YOURS
    return alert


async def resolve_alert(session: AsyncSession, alert_id: int, coordinator_id: int,
                        now: datetime) -> Resolution | AlertProblem:
    """Resolve an open alert; only one coordinator wins (a conditional UPDATE)."""
    result = await session.execute(
        update(WatchAlert).where(WatchAlert.id == alert_id, WatchAlert.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=coordinator_id)
        .execution_options(synchronize_session=False))
    alert = await session.get(WatchAlert, alert_id, populate_existing=True)
    if alert is None:
        return AlertProblem.GONE
    assert alert.resolved_at is not None  # set now, or before (the UPDATE's condition)
    won = result.rowcount == 1  # type: ignore[attr-defined]  # UPDATE gives a CursorResult
    return Resolution(AlertOutcome.RESOLVED if won else AlertOutcome.ALREADY_RESOLVED,
                      alert, alert.resolved_by_id, alert.resolved_at)
