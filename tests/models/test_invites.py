"""Invites: valid only while their author may still grant the role in the area."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.identity import CHANNEL
from models import Area, Invite, Role, RoleGrant
from models.areas import get_or_create_area
from models.db import session_factory
from models.invites import InviteProblem, check_invite, redeem_invite
from models.people import ensure_person, find_person
from models.roles import create_invite, grant_role, revoke_grant, roles_of

ADMIN_ID, COORDINATOR_ID, NEWCOMER_ID = 7001, 7002, 7003


async def _town(session: AsyncSession) -> tuple[Area, Area]:
    city, _ = await get_or_create_area(session, "テスト市")
    east, _ = await get_or_create_area(session, "テスト市", "東地区")
    return city, east


async def test_an_administrator_from_the_settings_invites_only_while_listed(
    session: AsyncSession
) -> None:
    _city, east = await _town(session)
    admin = await ensure_person(session, CHANNEL, ADMIN_ID)  # no grant in the database
    invite = await create_invite(session, Role.DISTRICT_COORDINATOR, east.id, admin)
    newcomer = await ensure_person(session, CHANNEL, NEWCOMER_ID)
    assert await check_invite(session, invite.token, [admin.id]) == invite
    # The settings' administrators are people (their person ids), not Telegram ids.
    assert await check_invite(session, invite.token, [ADMIN_ID]) \
        is InviteProblem.NO_LONGER_VALID
    assert await redeem_invite(session, invite.token, newcomer, []) \
        is InviteProblem.NO_LONGER_VALID
    assert await roles_of(session, newcomer.id) == []
    assert (await session.get(Invite, invite.id) or invite).used_at is None
    granted = await redeem_invite(session, invite.token, newcomer, [admin.id])
    assert isinstance(granted, RoleGrant)
    assert (granted.role, granted.area_id) == (Role.DISTRICT_COORDINATOR, east.id)


async def test_a_revoked_or_deleted_author_leaves_no_working_invite(
    session: AsyncSession
) -> None:
    city, east = await _town(session)
    coordinator = await ensure_person(session, CHANNEL, COORDINATOR_ID)
    grant = await grant_role(session, coordinator, Role.MUNICIPAL_COORDINATOR, city.id)
    for_district = await create_invite(session, Role.DISTRICT_COORDINATOR, east.id, coordinator)
    for_city = await create_invite(session, Role.COUNCIL_MEMBER, city.id, coordinator)
    # A district coordinator's role is no longer enough for a municipal one's invites.
    await grant_role(session, coordinator, Role.DISTRICT_COORDINATOR, east.id)
    await revoke_grant(session, grant, None)
    assert await check_invite(session, for_city.token, []) is InviteProblem.NO_LONGER_VALID
    assert await check_invite(session, for_district.token, []) == for_district
    await session.delete(coordinator)
    await session.flush()
    await session.refresh(for_district)
    assert for_district.created_by_id is None
    assert await check_invite(session, for_district.token, []) \
        is InviteProblem.NO_LONGER_VALID


@pytest.mark.postgres
async def test_a_revocation_under_way_is_waited_for_before_the_claim(
    engine: AsyncEngine
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        _city, east = await _town(session)
        coordinator = await ensure_person(session, CHANNEL, COORDINATOR_ID)
        await grant_role(session, coordinator, Role.DISTRICT_COORDINATOR, east.id)
        token = (await create_invite(session, Role.SUPPORTER, east.id, coordinator)).token
        await ensure_person(session, CHANNEL, NEWCOMER_ID)
    async with sessions() as revoking, sessions() as claiming:
        await revoking.begin()
        [grant] = await revoking.scalars(select(RoleGrant))
        await revoke_grant(revoking, grant, None)  # deleted, not yet committed

        async def claim() -> RoleGrant | InviteProblem:
            async with claiming.begin():
                newcomer = await find_person(claiming, CHANNEL, NEWCOMER_ID)
                assert newcomer is not None
                return await redeem_invite(claiming, token, newcomer, [])

        claimed = asyncio.create_task(claim())
        await asyncio.sleep(0.5)
        assert not claimed.done()  # the author's grants are held: it waits for the revocation
        await revoking.commit()
        async with asyncio.timeout(10):
            outcome = await claimed
        assert outcome is InviteProblem.NO_LONGER_VALID
    async with sessions() as session:
        assert list(await session.scalars(select(RoleGrant))) == []
        assert (await session.scalars(select(Invite))).one().used_at is None
