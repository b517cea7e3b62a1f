"""The domain: SQLAlchemy models and the operations on them. No Telegram here.

Every public operation is an ``async def`` taking the ``AsyncSession`` first; callers decide
when to commit.
"""

from models.areas import Area, AreaLevel, Council, GroupChat
from models.audit import AuditAction, AuditEntry
from models.base import Base
from models.people import Person
from models.roles import Invite, Role, RoleGrant
from models.updates import ProcessedUpdate

__all__ = ["Area", "AreaLevel", "AuditAction", "AuditEntry", "Base", "Council", "GroupChat",
           "Invite", "Person", "ProcessedUpdate", "Role", "RoleGrant"]
