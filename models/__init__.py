"""The domain: SQLAlchemy models and the operations on them. No Telegram here.

Every public operation is an ``async def`` taking the ``AsyncSession`` first; callers decide
when to commit.
"""

from models.areas import Area, AreaLevel, Council, GroupChat
from models.base import Base
from models.people import Person, Role, RoleGrant

__all__ = ["Area", "AreaLevel", "Base", "Council", "GroupChat", "Person", "Role", "RoleGrant"]
