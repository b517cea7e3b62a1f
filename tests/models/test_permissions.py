"""Permissions: roles reach their own area and, from a municipality, its districts."""

from __future__ import annotations

import pytest

from models import Activity, Area, AreaLevel, Role, RoleGrant
from models.permissions import Action, Permissions, may_manage_activity

CITY = Area(id=1, name="市", level=AreaLevel.MUNICIPALITY, parent_id=None)
EAST = Area(id=2, name="東", level=AreaLevel.DISTRICT, parent_id=1)
WEST = Area(id=3, name="西", level=AreaLevel.DISTRICT, parent_id=1)
OTHER_CITY = Area(id=4, name="町", level=AreaLevel.MUNICIPALITY, parent_id=None)
OTHER_DISTRICT = Area(id=5, name="北", level=AreaLevel.DISTRICT, parent_id=4)
AREAS = [CITY, EAST, WEST, OTHER_CITY, OTHER_DISTRICT]


def holding(*grants: tuple[Role, Area | None]) -> Permissions:
    return Permissions(tuple(RoleGrant(person_id=1, role=role, area_id=area.id if area else None)
                             for role, area in grants))


def test_residents_may_use_the_bot_and_nothing_else() -> None:
    resident = holding((Role.RESIDENT, EAST))
    assert resident.may(Action.USE_BOT)
    for action in (Action.INVITE, Action.LINK_GROUP, Action.MANAGE_AREAS, Action.SEE_AREAS):
        assert not resident.may(action)
    assert resident.grantable_roles(AREAS) == []


def test_a_district_coordinator_grants_up_to_their_role_in_their_district_only() -> None:
    coordinator = holding((Role.RESIDENT, EAST), (Role.DISTRICT_COORDINATOR, EAST))
    assert coordinator.may(Action.INVITE, EAST)
    assert not coordinator.may(Action.INVITE, WEST)
    assert not coordinator.may(Action.INVITE, CITY)
    assert coordinator.may_grant(Role.SUPPORTER, EAST)
    assert coordinator.may_grant(Role.DISTRICT_COORDINATOR, EAST)
    assert not coordinator.may_grant(Role.SUPPORTER, WEST)
    assert not coordinator.may_grant(Role.MUNICIPAL_COORDINATOR, CITY)
    assert not coordinator.may_grant(Role.COUNCIL_MEMBER, CITY)
    assert coordinator.grantable_roles(AREAS) == [
        Role.RESIDENT, Role.SUPPORTER, Role.COUNCIL_MEMBER, Role.DISTRICT_COORDINATOR]


def test_a_municipal_coordinator_covers_every_district_of_their_municipality() -> None:
    coordinator = holding((Role.MUNICIPAL_COORDINATOR, CITY))
    assert coordinator.may(Action.LINK_GROUP, EAST)
    assert coordinator.may(Action.LINK_GROUP, WEST)
    assert not coordinator.may(Action.LINK_GROUP, OTHER_DISTRICT)
    assert coordinator.may_grant(Role.COUNCIL_MEMBER, CITY)
    assert coordinator.may_grant(Role.DISTRICT_COORDINATOR, WEST)
    assert not coordinator.may_grant(Role.ADMIN, CITY)
    assert not coordinator.may(Action.MANAGE_AREAS)


@pytest.mark.parametrize("permissions", [holding((Role.ADMIN, None)),
                                         Permissions((), settings_admin=True)])
def test_admins_may_do_everything_everywhere(permissions: Permissions) -> None:
    assert permissions.may(Action.MANAGE_AREAS)
    assert permissions.may(Action.INVITE, OTHER_DISTRICT)
    assert permissions.may_grant(Role.ADMIN, OTHER_CITY)
    assert permissions.top_role is Role.ADMIN


def test_roles_only_fit_their_kind_of_area() -> None:
    admin = Permissions((), settings_admin=True)
    assert not admin.may_grant(Role.DISTRICT_COORDINATOR, CITY)
    assert not admin.may_grant(Role.MUNICIPAL_COORDINATOR, EAST)
    assert not admin.may_grant(Role.SUPPORTER, CITY)


def test_an_activity_is_managed_by_its_organiser_and_its_districts_coordinators() -> None:
    activity = Activity(id=7, organiser_id=42, district_id=EAST.id)
    resident = holding((Role.RESIDENT, EAST))
    assert may_manage_activity(resident, 42, activity, EAST)  # the organiser
    assert not may_manage_activity(resident, 43, activity, EAST)
    assert not may_manage_activity(resident, None, activity, EAST)
    assert may_manage_activity(holding((Role.DISTRICT_COORDINATOR, EAST)), 43, activity, EAST)
    assert not may_manage_activity(holding((Role.DISTRICT_COORDINATOR, WEST)), 43, activity,
                                   EAST)
    assert may_manage_activity(holding((Role.MUNICIPAL_COORDINATOR, CITY)), 43, activity, EAST)
    # A district that is not the activity's own proves nothing.
    assert not may_manage_activity(holding((Role.DISTRICT_COORDINATOR, WEST)), 43, activity,
                                   WEST)
    assert not may_manage_activity(holding((Role.DISTRICT_COORDINATOR, EAST)), 43, activity,
                                   None)
