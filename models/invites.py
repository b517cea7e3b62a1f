"""Using an invite link: valid only while its author may still hand out its role in its area.

An invite is a promise made on its author's authority. When that authority goes (the role
revoked, the person deleted, an administrator no longer listed in the settings) every link
they made stops working, whether it was opened before or not. Whether the author may still
grant the role is asked of ``Permissions.may_grant``, the one permission function, in the
transaction that claims the invite (the invite table and links live in ``models.roles``).
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.areas import Area
from models.clock import utcnow
from models.locks import take_write_lock
from models.people import Person
from models.permissions import Permissions
from models.roles import Invite, RoleGrant, grant_role


class InviteProblem(enum.StrEnum):
    """Why an invite cannot be used."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    NO_LONGER_VALID = "no_longer_valid"  # its author may no longer grant the role there


async def author_may_grant(session: AsyncSession, invite: Invite, admin_ids: Collection[int],
                           *, hold: bool = False) -> bool:
    """Return True while the invite's author may still hand out its role in its area.

    ``admin_ids`` are the ids of the people the settings make administrators. With ``hold`` the
    author's grants are share-locked (PostgreSQL) until the transaction ends, so a revocation
    cannot slip in between this answer and the claim that relies on it.
    """
    if invite.created_by_id is None or invite.area_id is None:
        return False  # the author was deleted; every invite is made for an area
    author = await session.get(Person, invite.created_by_id)
    area = await session.get(Area, invite.area_id)
    if author is None or area is None:
        return False
    query = select(RoleGrant).where(RoleGrant.person_id == author.id)
    if hold:
        query = query.with_for_update(read=True)
    grants = tuple(await session.scalars(query))
    permissions = Permissions(grants, settings_admin=author.id in admin_ids)
    return permissions.may_grant(invite.role, area)


async def check_invite(session: AsyncSession, token: str, admin_ids: Collection[int],
                       *, hold: bool = False) -> Invite | InviteProblem:
    """Return the usable invite for ``token``, or why it cannot be used."""
    invite = (await session.scalars(select(Invite).where(Invite.token == token))).one_or_none()
    if invite is None:
        return InviteProblem.UNKNOWN
    if invite.used_at is not None:
        return InviteProblem.USED
    if invite.expires_at <= utcnow():
        return InviteProblem.EXPIRED
    if not await author_may_grant(session, invite, admin_ids, hold=hold):
        return InviteProblem.NO_LONGER_VALID
    return invite


async def redeem_invite(
    session: AsyncSession, token: str, person: Person, admin_ids: Collection[int]
) -> RoleGrant | InviteProblem:
    """Return the grant made by using the invite, or why it could not be used.

    In one transaction: the author's authority is checked with their grants held (SQLite:
    the write lock, taken first), then the invite is claimed with one conditional UPDATE (not
    used, not expired, the same author), so two people opening the same link at the same
    moment cannot both get the role, and a link whose author lost the role grants nothing.
    """
    await take_write_lock(session)
    checked = await check_invite(session, token, admin_ids, hold=True)
    if isinstance(checked, InviteProblem):
        return checked
    now = utcnow()
    claimed = await session.execute(
        update(Invite)
        .where(Invite.id == checked.id, Invite.used_at.is_(None), Invite.expires_at > now,
               Invite.created_by_id == checked.created_by_id)
        .values(used_at=now, used_by_id=person.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # UPDATE gives a CursorResult
        await session.refresh(checked)
        return InviteProblem.USED if checked.used_at is not None \
            else InviteProblem.NO_LONGER_VALID
    creator = await session.get(Person, checked.created_by_id) if checked.created_by_id else None
    return await grant_role(session, person, checked.role, checked.area_id, granted_by=creator)
