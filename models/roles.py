"""Roles held in an area, and the one-time invite links that grant them (using one:
``models.invites``)."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.areas import Area
from models.audit import AuditAction, record
from models.base import Base, BigId, TimestampMixin, enum_values
from models.clock import utcnow
from models.people import Person

INVITE_LIFETIME = timedelta(days=7)


class Role(enum.StrEnum):
    """What a person may do, from least to most."""

    RESIDENT = "resident"
    SUPPORTER = "supporter"
    COUNCIL_MEMBER = "council_member"
    DISTRICT_COORDINATOR = "district_coordinator"
    MUNICIPAL_COORDINATOR = "municipal_coordinator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Higher ranks may grant the lower ones."""
        return list(Role).index(self)


_role_column = Enum(Role, native_enum=False, length=30, values_callable=enum_values)


class RoleGrant(TimestampMixin, Base):
    """A role held by a person within an area; admins may hold theirs everywhere (no area)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("person_id", "role", "area_id"),
                      Index("ix_role_grant_created_at", "created_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_role_column)
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="CASCADE"), index=True
    )
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))


class Invite(TimestampMixin, Base):
    """A one-time link that grants ``role`` in ``area`` to whoever opens it first."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    role: Mapped[Role] = mapped_column(_role_column)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]


async def roles_of(session: AsyncSession, person_id: int) -> list[RoleGrant]:
    """Return the person's role grants, highest role first."""
    grants = list(await session.scalars(select(RoleGrant).where(RoleGrant.person_id == person_id)))
    return sorted(grants, key=lambda g: (-g.role.rank, g.area_id or 0))


async def granted_roles(
    session: AsyncSession, *, exclude: Role | None = None, roles: list[Role] | None = None,
    area_ids: list[int] | None = None, not_person: int | None = None, limit: int | None = None,
) -> list[tuple[RoleGrant, str | None]]:
    """Return grants with their holder's display name, oldest first: all of them, or only
    ``roles`` in ``area_ids`` not held by ``not_person``, at most ``limit``."""
    query = (select(RoleGrant, Person.display_name)
             .join(Person, Person.id == RoleGrant.person_id).order_by(RoleGrant.id))
    if exclude is not None:
        query = query.where(RoleGrant.role != exclude)
    if roles is not None:
        query = query.where(RoleGrant.role.in_(roles))
    if area_ids is not None:
        query = query.where(RoleGrant.area_id.in_(area_ids))
    if not_person is not None:
        query = query.where(RoleGrant.person_id != not_person)
    if limit is not None:
        query = query.limit(limit)
    return [(grant, name) for grant, name in await session.execute(query)]


async def coordinators_of(session: AsyncSession, district_id: int) -> list[Person]:
    """Return the active coordinators of a district (not those of the whole municipality)."""
    return list(await session.scalars(
        select(Person).join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.role == Role.DISTRICT_COORDINATOR, RoleGrant.area_id == district_id,
               Person.active.is_(True))
        .order_by(Person.id)))


async def municipal_coordinators_of(session: AsyncSession, municipality_id: int | None
                                    ) -> list[Person]:
    """Return the active coordinators of a municipality as a whole."""
    if municipality_id is None:
        return []
    return list(await session.scalars(
        select(Person).join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.role == Role.MUNICIPAL_COORDINATOR,
               RoleGrant.area_id == municipality_id, Person.active.is_(True))
        .order_by(Person.id)))


async def responsible_coordinators(session: AsyncSession, district_id: int | None
                                   ) -> list[Person]:
    """Return who answers for a district: its coordinators or, while it has none (a post left
    vacant, a role revoked), its municipality's, so a need, an alert or a proposal is never
    left with nobody to read it."""
    if district_id is None:
        return []
    people = await coordinators_of(session, district_id)
    if people:
        return people
    municipality = await session.scalar(select(Area.parent_id).where(Area.id == district_id))
    return await municipal_coordinators_of(session, municipality)


async def grant_role(
    session: AsyncSession, person: Person, role: Role, area_id: int | None,
    granted_by: Person | None = None,
) -> RoleGrant:
    """Return the grant of ``role`` in ``area_id`` to ``person``, creating it if new."""
    area_match = RoleGrant.area_id.is_(None) if area_id is None else RoleGrant.area_id == area_id
    grant = (
        await session.scalars(
            select(RoleGrant).where(RoleGrant.person_id == person.id, RoleGrant.role == role,
                                    area_match)
        )
    ).one_or_none()
    if grant is None:
        grant = RoleGrant(person_id=person.id, role=role, area_id=area_id,
                          granted_by_id=granted_by.id if granted_by else None)
        session.add(grant)
        await session.flush()
        await record(session, AuditAction.ROLE_GRANTED, actor_id=grant.granted_by_id,
                     subject_id=person.id, area_id=area_id, role=role.value)
    return grant


async def revoke_grant(session: AsyncSession, grant: RoleGrant, revoked_by: Person | None) -> None:
    """Remove ``grant`` and record who removed it."""
    await record(session, AuditAction.ROLE_REVOKED, actor_id=revoked_by.id if revoked_by else None,
                 subject_id=grant.person_id, area_id=grant.area_id, role=grant.role.value)
    await session.delete(grant)
    await session.flush()


async def create_invite(
    session: AsyncSession, role: Role, area_id: int | None, created_by: Person,
    lifetime: timedelta = INVITE_LIFETIME,
) -> Invite:
    """Return a new invite with an unguessable token."""
    invite = Invite(token=secrets.token_urlsafe(12), role=role, area_id=area_id,
                    created_by_id=created_by.id, expires_at=utcnow() + lifetime)
    session.add(invite)
    await session.flush()
    await record(session, AuditAction.INVITE_CREATED, actor_id=created_by.id, area_id=area_id,
                 role=role.value, invite_id=invite.id)
    return invite
