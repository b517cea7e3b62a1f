"""The outbox: everything the bot says on its own initiative, written first as rows.

Domain code adds rows in the same transaction as the change that causes them; the
dispatcher (``bot/dispatch.py``) claims due rows, sends them, and records the outcome.
A row is claimed by one process at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
has a single writer). A process that dies after claiming leaves rows "sending"; after
``CLAIM_TIMEOUT`` they are due again, so at most the messages in flight at the moment of a
crash can arrive twice.

A row holds either a notice (``models.notices``: a catalog key, its parameters and neutral
choices, rendered by the channel when it is sent, in the recipient's language) or text
already written in the catalogs' markup (a broadcast a coordinator typed, a weekly digest, a
meeting's card), possibly with neutral choices of its own. Either way a row names a person or
a group, never a chat: the channel finds the chat when it sends.

A message's content (text, a notice's parameters, buttons, file) is kept only until it is
final: once sent, given up, blocked or cancelled, only what delivery reports and
de-duplication need stays (key, notice key, recipient, status, attempts, times). A row
names the person it is *about* when that is not its recipient (a coordinator's notice of
someone's need, a watching alert): rows to or
about a person go when the person is forgotten (ON DELETE CASCADE) and when they withdraw
consent (``models.erasure``).
"""

from __future__ import annotations

import enum
import html
import re
import uuid
from datetime import datetime, time, timedelta, tzinfo
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, TimestampMixin, enum_values
from models.clock import utcnow
from models.notices import Choice, Notice

MAX_ATTEMPTS = 6
CLAIM_TIMEOUT = timedelta(minutes=2)
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=10)
TEXT_LIMIT = 4096  # Telegram's limit for one message
CAPTION_LIMIT = 1024  # Telegram's limit for the caption of a photo or document
DEFAULT_QUIET = (time(21, 0), time(8, 0))


class Attachment(enum.StrEnum):
    """How a file travels with a message."""

    PHOTO = "photo"
    DOCUMENT = "document"


class OutboxStatus(enum.StrEnum):
    """Where a message stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


FINAL = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.BLOCKED, OutboxStatus.CANCELLED)


class OutboxMessage(TimestampMixin, Base):
    """One message to one person or one group chat (its channel finds the chat)."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    # The recipient: a person or a group chat. The channel that sends the message finds
    # their chat (models.identities) at that moment.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # Whom the message is about, when that is someone other than its recipient.
    subject_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_chat.id", ondelete="SET NULL"), index=True)
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcast.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)  # empty for a notice, and once the row is final
    # A notice (models.notices): what to say, rendered by the channel when it is sent.
    notice: Mapped[str | None] = mapped_column(String(60))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    choices: Mapped[list[list[dict[str, Any]]] | None] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(default=False)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, length=20, values_callable=enum_values),
        default=OutboxStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # The channel's id for the message it delivered (to edit it later, e.g. a meeting post).
    sent_id: Mapped[str | None] = mapped_column(String(64))
    # A photo or document sent with ``text`` as its caption; the bytes go once it is sent.
    attachment_kind: Mapped[str | None] = mapped_column(String(10))
    attachment_name: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)


def enqueue(
    session: AsyncSession, *, key: str, text: str = "",
    notice: Notice | None = None, due_at: datetime | None = None,
    person_id: int | None = None, group_id: int | None = None, broadcast_id: int | None = None,
    urgent: bool = False, choices: list[list[Choice]] | None = None,
    attachment: bytes | None = None, attachment_name: str | None = None,
    attachment_kind: Attachment | None = None, about: int | None = None,
) -> OutboxMessage:
    """Return a new outbox row, added to the session (the caller's transaction).

    With ``attachment`` (bytes, a file name and a kind) the file is sent as a photo or a
    document and ``text`` is its caption. ``about`` is the id of the person the message is
    about when it goes to someone else (it goes when that person withdraws or is forgotten).
    ``choices`` are the buttons under written ``text`` (a notice brings its own).
    """
    message = OutboxMessage(**outbox_row(
        key=key, text=text, notice=notice, due_at=due_at, person_id=person_id,
        group_id=group_id, broadcast_id=broadcast_id, urgent=urgent, choices=choices,
        attachment=attachment, attachment_name=attachment_name,
        attachment_kind=attachment_kind, about=about))
    session.add(message)
    return message


def outbox_row(
    *, key: str, text: str = "", notice: Notice | None = None,
    due_at: datetime | None = None,
    person_id: int | None = None, group_id: int | None = None, broadcast_id: int | None = None,
    urgent: bool = False, choices: list[list[Choice]] | None = None,
    attachment: bytes | None = None, attachment_name: str | None = None,
    attachment_kind: Attachment | None = None, about: int | None = None,
) -> dict[str, Any]:
    """Return the column values of a new outbox row (checked as ``enqueue`` checks them), for
    ``enqueue_many``."""
    limit = TEXT_LIMIT if attachment is None else CAPTION_LIMIT
    if (person_id is None) == (group_id is None):
        raise ValueError("a message goes to a person (person_id) or to a group (group_id)")
    if notice is not None:
        if text or choices or attachment is not None or person_id is None:
            raise ValueError("a notice goes to a person, with no text, choices or file of its own")
    elif not 0 < visible_length(text) <= limit:
        raise ValueError(f"outbox text must be 1..{limit} characters")
    if (attachment is None) != (attachment_kind is None) or (
            attachment is not None and not attachment_name):
        raise ValueError("an attachment needs its bytes, a file name and a kind")
    return {
        "idempotency_key": key, "text": text, "due_at": due_at or utcnow(),
        "person_id": person_id, "subject_person_id": about, "group_id": group_id,
        "broadcast_id": broadcast_id, "urgent": urgent,
        "notice": notice.key if notice else None, "params": notice.params if notice else None,
        "choices": notice.choices_json() if notice else (
            [[choice.to_json() for choice in row] for row in choices] if choices else None),
        "status": OutboxStatus.PENDING, "attempts": 0,
        "attachment": attachment, "attachment_name": attachment_name,
        "attachment_kind": attachment_kind.value if attachment_kind else None,
    }


async def enqueue_once(session: AsyncSession, **row: Any) -> bool:
    """Queue one message (the arguments of ``outbox_row``) unless a message with its key was
    queued before; True if queued. ``INSERT … ON CONFLICT DO NOTHING``, so two processes
    queue it once."""
    dialect = session.get_bind().dialect.name
    insert_into = pg_insert if dialect == "postgresql" else sqlite_insert
    result = await session.execute(
        insert_into(OutboxMessage).values(**outbox_row(**row), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["idempotency_key"]))
    return bool(result.rowcount)  # type: ignore[attr-defined]  # INSERT gives a CursorResult


async def enqueue_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert many ``outbox_row`` values at once in the caller's transaction, without making
    an ORM object of each (a job that queues thousands of messages)."""
    if rows:
        created = utcnow()
        await session.execute(insert(cast(Table, OutboxMessage.__table__)),
                              [{**row, "created_at": created} for row in rows])


def visible_length(marked_text: str) -> int:
    """Return the length a reader sees of text in the catalogs' markup (a few HTML-like tags
    and entity escapes, which each channel renders its own way): tags and escapes aside."""
    return len(html.unescape(_TAG.sub("", marked_text)).strip())


_TAG = re.compile(r"<[^>]*>")


def new_claimer() -> str:
    """Return a token naming one dispatcher process."""
    return uuid.uuid4().hex


async def claim_due(
    session: AsyncSession, claimer: str, *, limit: int = 50, now: datetime | None = None,
    claim_timeout: timedelta = CLAIM_TIMEOUT,
) -> list[OutboxMessage]:
    """Return up to ``limit`` due rows, marked as being sent by ``claimer``; commits.

    Rows left "sending" by a process that died are due again after ``CLAIM_TIMEOUT``.
    """
    now = now or utcnow()
    stale = now - claim_timeout
    due = (
        select(OutboxMessage.id)
        .where(
            ((OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.due_at <= now))
            | ((OutboxMessage.status == OutboxStatus.SENDING)
               & (OutboxMessage.claimed_at < stale))
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(due))
    if not ids:
        await session.commit()
        return []
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids))
        .values(status=OutboxStatus.SENDING, claimed_by=claimer, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    claimed = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                    OutboxMessage.claimed_by == claimer)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(claimed)


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait before the next try after ``attempts`` failures."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


# What a final row no longer keeps: the message itself (for bulk UPDATEs).
# The notice's key stays (it names what was said, like the idempotency key); its
# parameters, which may name people, go.
CONTENT_GONE: dict[str, Any] = {"text": "", "attachment": None, "params": None,
                                "choices": None}


def drop_content(message: OutboxMessage) -> None:
    """Forget what the message said: it was delivered, or it never will be."""
    for column, value in CONTENT_GONE.items():
        setattr(message, column, value)


def mark_sent(message: OutboxMessage, sent_id: int | str, now: datetime) -> None:
    """Record a confirmed delivery (``sent_id``: the channel's id for the message); its
    text, choices and file are not kept."""
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.sent_id = str(sent_id)
    message.attempts += 1
    message.last_error = None
    drop_content(message)


def mark_retry(message: OutboxMessage, error: str, now: datetime,
               wait: timedelta | None = None, *, counts: bool = True) -> None:
    """Put the message back in the queue, or give up after ``MAX_ATTEMPTS`` tries."""
    if counts:
        message.attempts += 1
    message.last_error = error[:300]
    if counts and message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        drop_content(message)
        return
    message.status = OutboxStatus.PENDING
    message.due_at = now + (wait if wait is not None else retry_delay(message.attempts))


def mark_final(message: OutboxMessage, status: OutboxStatus, error: str) -> None:
    """Record that the message will never be sent (blocked, rejected, cancelled)."""
    message.status = status
    message.attempts += 1
    message.last_error = error[:300]
    drop_content(message)


async def stop_sending_to(session: AsyncSession, reason: str, *, person_id: int | None = None,
                          group_id: int | None = None) -> int:
    """Return how many waiting messages to a person or a group were given up (they blocked
    us, or the bot left the group)."""
    to = []
    if person_id is not None:
        to.append(OutboxMessage.person_id == person_id)
    if group_id is not None:
        to.append(OutboxMessage.group_id == group_id)
    if not to:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(or_(*to), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.BLOCKED, last_error=reason[:300], **CONTENT_GONE)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # UPDATE gives a CursorResult


async def drop_messages_of(session: AsyncSession, person_id: int) -> int:
    """Return how many outbox rows to or about a person were deleted, whatever their state:
    waiting ones never go out, and no delivery record names them (withdrawal, /forget).

    A row being sent at this moment may still arrive; its outcome is then not recorded.
    """
    result = await session.execute(
        delete(OutboxMessage)
        .where(or_(OutboxMessage.person_id == person_id,
                   OutboxMessage.subject_person_id == person_id))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # DELETE gives a CursorResult


async def forget_old_messages(session: AsyncSession, now: datetime, keep: timedelta) -> int:
    """Return how many final rows due longer ago than ``keep`` were deleted (retention)."""
    result = await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.status.in_(FINAL), OutboxMessage.due_at < now - keep)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # DELETE gives a CursorResult


def quiet_until(local_now: datetime, quiet: tuple[time, time] = DEFAULT_QUIET) -> datetime | None:
    """Return when the quiet hours around ``local_now`` end, or None outside them.

    ``local_now`` is in the person's zone; the window may cross midnight (21:00-08:00).
    """
    start, end = quiet
    if start == end:
        return None
    clock = local_now.timetz().replace(tzinfo=None)
    crosses_midnight = start > end
    inside = (clock >= start or clock < end) if crosses_midnight else (start <= clock < end)
    if not inside:
        return None
    day = local_now.date()
    if crosses_midnight and clock >= start:
        day += timedelta(days=1)
    zone: tzinfo | None = local_now.tzinfo
    return datetime.combine(day, end, tzinfo=zone)


async def counts_by_status(
    session: AsyncSession, broadcast_id: int | None = None
) -> dict[OutboxStatus, int]:
    """Return how many messages are in each status (for one broadcast, or all)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if broadcast_id is not None:
        query = query.where(OutboxMessage.broadcast_id == broadcast_id)
    found = {row[0]: row[1] for row in (await session.execute(query)).all()}
    return {status: found.get(status, 0) for status in OutboxStatus}


async def oldest_waiting(session: AsyncSession) -> OutboxMessage | None:
    """Return the waiting message that has been due the longest."""
    return (await session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        .order_by(OutboxMessage.due_at).limit(1)
    )).first()
