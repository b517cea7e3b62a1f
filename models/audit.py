"""The audit log: who granted, revoked, consented, linked or deleted what, and when.

Entries carry ids and action names only, never names or free text, so that the log itself
holds no personal data. When a person is forgotten their ids in the log become NULL.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, enum_values
from models.clock import utcnow


class AuditAction(enum.StrEnum):
    """What happened."""

    CONSENT_GIVEN = "consent.given"
    CONSENT_DECLINED = "consent.declined"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    PERSON_FORGOTTEN = "person.forgotten"
    ROLE_GRANTED = "role.granted"
    ROLE_REVOKED = "role.revoked"
    INVITE_CREATED = "invite.created"
    GROUP_LINKED = "group.linked"
    GROUP_UNLINKED = "group.unlinked"
    AREA_CREATED = "area.created"
    COUNCIL_CREATED = "council.created"


class AuditEntry(Base):
    """One thing that changed who may see or do what."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[AuditAction] = mapped_column(
        Enum(AuditAction, native_enum=False, length=40, values_callable=enum_values)
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


async def record(
    session: AsyncSession, action: AuditAction, *, actor_id: int | None = None,
    subject_id: int | None = None, area_id: int | None = None, **detail: Any,
) -> AuditEntry:
    """Return a new audit entry, added to the session."""
    entry = AuditEntry(action=action, actor_id=actor_id, subject_id=subject_id,
                       area_id=area_id, detail=detail)
    session.add(entry)
    await session.flush()
    return entry


async def entries(session: AsyncSession, action: AuditAction | None = None) -> list[AuditEntry]:
    """Return audit entries, oldest first, optionally of one kind."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(await session.scalars(query))
