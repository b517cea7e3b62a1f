"""Who may do what, where: the one place handlers ask.

A role is held in an area. Holding a role in a municipality covers its districts; an admin
holding the role with no area (or listed in the settings) is covered everywhere.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from models.activities import Activity
from models.areas import Area, AreaLevel
from models.roles import Role, RoleGrant


class Action(enum.StrEnum):
    """Things that need a permission."""

    USE_BOT = "use_bot"
    INVITE = "invite"
    REVOKE_ROLE = "revoke_role"
    SEE_ROLES_IN_SCOPE = "see_roles_in_scope"
    LINK_GROUP = "link_group"
    BROADCAST = "broadcast"
    SEE_AREAS = "see_areas"
    MANAGE_AREAS = "manage_areas"
    FOLLOW_NEEDS = "follow_needs"
    OFFER_HELP = "offer_help"
    COORDINATE_ACTIVITIES = "coordinate_activities"
    ORGANISE_MEETING = "organise_meeting"
    SEE_DIGEST = "see_digest"
    SEE_REPORT = "see_report"  # the outcome indicators of a municipality


COORDINATING = (Role.DISTRICT_COORDINATOR, Role.MUNICIPAL_COORDINATOR, Role.ADMIN)

# The least role an action needs; the area is then checked against the grant's scope.
NEEDS: dict[Action, tuple[Role, ...]] = {
    Action.USE_BOT: tuple(Role),
    Action.INVITE: COORDINATING,
    Action.REVOKE_ROLE: COORDINATING,
    Action.SEE_ROLES_IN_SCOPE: COORDINATING,
    Action.LINK_GROUP: COORDINATING,
    Action.BROADCAST: COORDINATING,
    Action.SEE_AREAS: COORDINATING,
    Action.MANAGE_AREAS: (Role.ADMIN,),
    Action.FOLLOW_NEEDS: COORDINATING,
    Action.OFFER_HELP: (Role.SUPPORTER,),
    Action.COORDINATE_ACTIVITIES: COORDINATING,
    Action.ORGANISE_MEETING: COORDINATING,
    Action.SEE_DIGEST: (Role.COUNCIL_MEMBER, *COORDINATING),
    Action.SEE_REPORT: (Role.MUNICIPAL_COORDINATOR, Role.ADMIN),
}

# Which kind of area each role may be held in.
ROLE_LEVELS: dict[Role, tuple[AreaLevel, ...]] = {
    Role.RESIDENT: (AreaLevel.DISTRICT,),
    Role.SUPPORTER: (AreaLevel.DISTRICT,),
    Role.COUNCIL_MEMBER: (AreaLevel.DISTRICT, AreaLevel.MUNICIPALITY),
    Role.DISTRICT_COORDINATOR: (AreaLevel.DISTRICT,),
    Role.MUNICIPAL_COORDINATOR: (AreaLevel.MUNICIPALITY,),
    Role.ADMIN: (AreaLevel.MUNICIPALITY,),
}


@dataclass(frozen=True)
class Permissions:
    """A person's grants, ready to answer "may they do X in area A?"."""

    grants: tuple[RoleGrant, ...]
    settings_admin: bool = False

    def _covers(self, grant: RoleGrant, area: Area | None) -> bool:
        if grant.area_id is None:
            return True
        if area is None:
            return False
        return grant.area_id in (area.id, area.parent_id)

    def may(self, action: Action, area: Area | None = None) -> bool:
        """Return True if the person may do ``action`` in ``area`` (anywhere, when None)."""
        if self.settings_admin or action is Action.USE_BOT:
            return True
        roles = NEEDS[action]
        return any(
            g.role in roles and (area is None or self._covers(g, area)) for g in self.grants
        )

    @property
    def top_role(self) -> Role:
        """The highest role held anywhere (resident when none)."""
        if self.settings_admin:
            return Role.ADMIN
        return max((g.role for g in self.grants), key=lambda r: r.rank, default=Role.RESIDENT)

    def role_in(self, area: Area) -> Role:
        """The highest role the person holds for ``area`` (resident when none covers it)."""
        if self.settings_admin:
            return Role.ADMIN
        return max((g.role for g in self.grants if self._covers(g, area)),
                   key=lambda r: r.rank, default=Role.RESIDENT)

    def may_grant(self, role: Role, area: Area) -> bool:
        """Return True if the person may hand out ``role`` in ``area`` by an invite.

        Only roles at or below one's own, only in areas one's own grant covers, and only in
        the kind of area the role belongs to.
        """
        if area.level not in ROLE_LEVELS[role]:
            return False
        if self.settings_admin:
            return True
        return any(
            g.role in COORDINATING and g.role.rank >= role.rank and self._covers(g, area)
            for g in self.grants
        )

    def grantable_roles(self, areas: list[Area]) -> list[Role]:
        """Return the roles the person may hand out somewhere among ``areas``."""
        return [r for r in Role if any(self.may_grant(r, a) for a in areas)]

    def areas_in_scope(self, action: Action, areas: list[Area]) -> list[Area]:
        """Return the areas among ``areas`` where the person may do ``action``."""
        return [a for a in areas if self.may(action, a)]


def coordinates_activity(permissions: Permissions, activity: Activity, district: Area | None
                         ) -> bool:
    """Return True for a coordinator whose grant covers the activity's district.

    ``district`` is the activity's own district (the caller has loaded it).
    """
    return (district is not None and district.id == activity.district_id
            and permissions.may(Action.COORDINATE_ACTIVITIES, district))


def may_manage_activity(permissions: Permissions, person_id: int | None, activity: Activity,
                        district: Area | None) -> bool:
    """Return True for the activity's organiser, or a coordinator of its district: the people
    who may edit, pause, end it, see its interest count and record how many came."""
    return ((person_id is not None and person_id == activity.organiser_id)
            or coordinates_activity(permissions, activity, district))
