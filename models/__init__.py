"""The domain: SQLAlchemy models and the operations on them. No Telegram here.

Every public operation is an ``async def`` taking the ``AsyncSession`` first; callers decide
when to commit.
"""

from models.activities import (
    Activity,
    ActivityInterest,
    ActivityKind,
    ActivitySession,
    ActivityStatus,
    Meaning,
)
from models.areas import Area, AreaLevel, Council, GroupChat
from models.audit import AuditAction, AuditEntry
from models.base import Base
from models.broadcasts import Audience, Broadcast, BroadcastStatus
from models.checkins import CheckinPreference, CheckinRound, Level
from models.conversation import OpenQuestion
from models.digests import DigestRun, Episode
from models.identities import Identity
from models.meetings import (
    Meeting,
    MeetingAnnouncement,
    MeetingInvitation,
    MeetingKind,
    MeetingSignup,
    MeetingStatus,
    SignupStatus,
)
from models.needs import Category, Need, NeedNote, NeedStatus, SupportOffer, SupportRequest
from models.outbox import OutboxMessage, OutboxStatus
from models.participants import MonthlyCountWait, MonthlyParticipants
from models.people import Person
from models.population import DistrictPopulation
from models.report_runs import ReportRun
from models.roles import Invite, Role, RoleGrant
from models.updates import ProcessedUpdate
from models.watching import WatchAlert, WatchContact

__all__ = [
    "Activity",
    "ActivityInterest",
    "ActivityKind",
    "ActivitySession",
    "ActivityStatus",
    "Area",
    "AreaLevel",
    "Audience",
    "AuditAction",
    "AuditEntry",
    "Base",
    "Broadcast",
    "BroadcastStatus",
    "Category",
    "CheckinPreference",
    "CheckinRound",
    "Council",
    "DigestRun",
    "DistrictPopulation",
    "Episode",
    "GroupChat",
    "Identity",
    "Invite",
    "Level",
    "Meaning",
    "Meeting",
    "MeetingAnnouncement",
    "MeetingInvitation",
    "MeetingKind",
    "MeetingSignup",
    "MeetingStatus",
    "MonthlyCountWait",
    "MonthlyParticipants",
    "Need",
    "NeedNote",
    "NeedStatus",
    "OpenQuestion",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "ProcessedUpdate",
    "ReportRun",
    "Role",
    "RoleGrant",
    "SignupStatus",
    "SupportOffer",
    "SupportRequest",
    "WatchAlert",
    "WatchContact",
]
