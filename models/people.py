"""People known to the bot: language, consent, district, and what is kept about them.

Before consent nothing but the person's identity on the channel they wrote from
(``models.identities``) and the chosen language is kept. Consent stores
the time and the version of the text agreed to; withdrawing it, and forgetting the person
(which deletes the row), are in ``models.erasure``.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import AuditAction, record
from models.base import Base, BigId, TimestampMixin
from models.clock import utcnow
from models.identities import Identity, add_person_identity, external, identities_of
from models.outbox import DEFAULT_QUIET

# Bump when the consent text in locales/ changes in substance; people agreed to a version.
CONSENT_VERSION = "2026-11b"  # b: weekly check-ins; matched supporters
NAME_LENGTH = 100


class Person(TimestampMixin, Base):
    """Someone who has talked to the bot."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # Personal fields: set only with consent, cleared when it is withdrawn.
    display_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("area.id", ondelete="SET NULL"), index=True
    )
    consented_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(20))
    # Quiet hours in the person's zone (hours 0-23); None means the default 21:00-08:00.
    quiet_from: Mapped[int | None]
    quiet_until: Mapped[int | None]

    @property
    def quiet_hours(self) -> tuple[time, time]:
        """The window in which nothing but urgent messages reach this person."""
        start = DEFAULT_QUIET[0] if self.quiet_from is None else time(self.quiet_from)
        end = DEFAULT_QUIET[1] if self.quiet_until is None else time(self.quiet_until)
        return start, end

    @property
    def has_consented(self) -> bool:
        """True while the person's consent is in force."""
        return self.consented_at is not None


async def find_person(session: AsyncSession, channel: str, external_id: int | str
                      ) -> Person | None:
    """Return the person this channel knows by ``external_id``, or None if they never spoke
    to the bot there."""
    return (await session.scalars(
        select(Person).join(Identity, Identity.person_id == Person.id)
        .where(Identity.channel == channel, Identity.external_id == external(external_id))
    )).one_or_none()


async def ensure_person(session: AsyncSession, channel: str, external_id: int | str) -> Person:
    """Return the person this channel knows by ``external_id``, creating them (a row and
    its identity, nothing else) if they are new."""
    person = await find_person(session, channel, external_id)
    if person is None:
        person = Person()
        session.add(person)
        await session.flush()
        add_person_identity(session, channel, external_id, person.id)
        await session.flush()
    return person


async def person_and_address(session: AsyncSession, channel: str, person_id: int
                             ) -> tuple[Person | None, str | None]:
    """Return the person and their id on ``channel`` (None if they have none there), in one
    statement: what a channel reads before it sends them a message."""
    row = (await session.execute(
        select(Person, Identity.external_id)
        .outerjoin(Identity, (Identity.person_id == Person.id) & (Identity.channel == channel))
        .where(Person.id == person_id).order_by(Identity.id).limit(1))).first()
    return (row[0], row[1]) if row is not None else (None, None)


def set_language(person: Person, language: str) -> Person:
    """Return the person after storing their language choice."""
    person.language = language
    return person


async def set_quiet_hours(
    session: AsyncSession, person: Person, start_hour: int, end_hour: int
) -> Person:
    """Return the person after setting their quiet hours (equal hours: no quiet hours)."""
    if not (0 <= start_hour < 24 and 0 <= end_hour < 24):
        raise ValueError("hours are 0-23")
    person.quiet_from, person.quiet_until = start_hour, end_hour
    await session.flush()
    return person


async def give_consent(
    session: AsyncSession, person: Person, *, district_id: int, display_name: str,
    version: str = CONSENT_VERSION,
) -> Person:
    """Return the person after recording their consent, district and name."""
    person.consented_at = utcnow()
    person.consent_version = version
    person.district_id = district_id
    person.display_name = display_name[:NAME_LENGTH]
    await record(session, AuditAction.CONSENT_GIVEN, actor_id=person.id, subject_id=person.id,
                 area_id=district_id, version=version)
    return person


def clear_personal_fields(person: Person) -> None:
    """Remove the name, the district and the consent from the person row."""
    person.consented_at = None
    person.consent_version = None
    person.district_id = None
    person.display_name = None


async def decline_consent(session: AsyncSession, person: Person) -> Person:
    """Return the person after recording that they declined: nothing personal is kept."""
    clear_personal_fields(person)
    await record(session, AuditAction.CONSENT_DECLINED, actor_id=person.id,
                 subject_id=person.id, version=CONSENT_VERSION)
    return person


async def describe(session: AsyncSession, person: Person) -> dict[str, Any]:
    """Return what is stored in the person row itself and how each channel knows them, for
    /mydata."""
    return {
        "identities": [{"channel": identity.channel, "id": identity.external_id}
                       for identity in await identities_of(session, person.id)],
        "language": person.language,
        "display_name": person.display_name,
        "district_id": person.district_id,
        "consented_at": person.consented_at.isoformat() if person.consented_at else None,
        "consent_version": person.consent_version,
        "quiet_hours": [t.strftime("%H:%M") for t in person.quiet_hours],
        "first_seen_at": person.created_at.isoformat(),
    }
