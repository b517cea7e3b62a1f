"""The one question open for each person: what it is about, where it was asked, which
answers it accepts, and when it lapses.

A flow that asks something and waits (for a typed answer or a button) records it here with
``ask``; any button, command or typed answer closes it first (``close``), and the flow records
its next question. So the question open for a person is always the last one asked, and any
process reads it from the database. No Telegram here: the answers are button labels and the
button data they stand for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId
from models.clock import utcnow

# A question waiting for typed text lapses after this; a later text is not attached to it.
LAPSE = timedelta(minutes=30)
TOPIC_LENGTH = 40
QUESTION_LENGTH = 4096

# Questions the scheduler sends through the outbox, by the first part of their key: once
# delivered, each becomes the person's open question, unless another is open then (a flow
# the person is in keeps its own). Answered by pressing or by typing a button's words.
SENT_QUESTIONS = {"checkin": "checkin.answer", "checkin-reminder": "checkin.answer",
                  "participation": "count.ask"}
SENT_LAPSE = timedelta(hours=24)

# The words that leave any flow (compared after ``normalise``).
LEAVE_WORDS = frozenset({"やめる", "やめます", "キャンセル", "中止", "止める", "cancel", "stop"})


class OpenQuestion(Base):
    """The question a person has open: at most one each."""

    __tablename__ = "open_question"

    person_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH))  # flow.step, e.g. "need.note"
    target_id: Mapped[int | None] = mapped_column(BigInteger)  # the draft or row it is about
    # Where the question was shown, in its channel's own ids (to take its buttons away).
    shown_in: Mapped[str | None] = mapped_column(String(64))  # the chat
    shown_as: Mapped[str | None] = mapped_column(String(64))  # the message
    text: Mapped[str] = mapped_column(Text, default="")  # the question, to ask it again
    # Rows of [label, button data]: the buttons under the question.
    answers: Mapped[list[list[list[str]]]] = mapped_column(JSON, default=list)
    typed: Mapped[bool] = mapped_column(default=False)  # typed text answers it
    asked_at: Mapped[datetime]
    lapses_at: Mapped[datetime]

    @property
    def flow(self) -> str:
        """The flow the question belongs to: the topic's first part."""
        return self.topic.split(".", 1)[0]

    def lapsed(self, now: datetime) -> bool:
        """True once the question is too old to take an answer."""
        return now >= self.lapses_at


@dataclass(frozen=True)
class Asked:
    """Where a question was shown, and what it looks like (to ask it again)."""

    shown_in: str | None  # the chat, in its channel's ids
    shown_as: str | None  # the message
    text: str
    answers: list[list[list[str]]]


async def ask(session: AsyncSession, person_id: int, topic: str, shown: Asked, *,
              target_id: int | None = None, typed: bool = False,
              lapse: timedelta = LAPSE) -> OpenQuestion:
    """Record the person's open question (replacing the one before)."""
    now = utcnow()
    question = await session.get(OpenQuestion, person_id)
    if question is None:
        question = OpenQuestion(person_id=person_id)
        session.add(question)
    question.topic, question.target_id, question.typed = topic[:TOPIC_LENGTH], target_id, typed
    question.shown_in, question.shown_as = shown.shown_in, shown.shown_as
    question.text, question.answers = shown.text[:QUESTION_LENGTH], shown.answers
    question.asked_at, question.lapses_at = now, now + lapse
    await session.flush()
    return question


async def asked_by_outbox(session: AsyncSession, person_id: int, key: str, shown: Asked
                          ) -> OpenQuestion | None:
    """Record a question just delivered from the outbox (``SENT_QUESTIONS``) as the person's
    open one, unless it is not such a question or another question is open and current."""
    topic = SENT_QUESTIONS.get(key.split(":", 1)[0])
    if topic is None or not shown.answers:
        return None
    current = await session.get(OpenQuestion, person_id)
    if current is not None and not current.lapsed(utcnow()):
        return None
    return await ask(session, person_id, topic, shown, lapse=SENT_LAPSE)


async def open_question(session: AsyncSession, person_id: int) -> OpenQuestion | None:
    """Return the person's open question, lapsed or not."""
    return await session.get(OpenQuestion, person_id)


def shown_again(question: OpenQuestion, shown_in: str, shown_as: str) -> None:
    """The question was asked again, in a new message (its buttons are there now)."""
    question.shown_in, question.shown_as = shown_in, shown_as


def answered(question: OpenQuestion, now: datetime) -> None:
    """A typed answer came: the question stays open for a while counted from now."""
    question.lapses_at = now + LAPSE


async def close(session: AsyncSession, person_id: int) -> OpenQuestion | None:
    """Close the person's open question; return it (detached) if there was one."""
    question = await session.get(OpenQuestion, person_id)
    if question is not None:
        await session.delete(question)
        await session.flush()
    return question


_BRACKETS = re.compile(r"[「」『』\"'“”‘’\s。、.,!?！？・…]+")


def normalise(text: str) -> str:
    """Fold full-width letters, spaces, quotes and end punctuation, for comparing words."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _BRACKETS.sub("", folded)


def is_leave_word(text: str) -> bool:
    """True for 「やめる」「キャンセル」「中止」 and the like, however typed."""
    return normalise(text) in LEAVE_WORDS


def matching_answer(question: OpenQuestion, text: str) -> str | None:
    """Return the button data of the answer whose label the text repeats, if one does.

    The label may be repeated without its mark (✅) or its note in brackets (「いいえ」 for
    「いいえ（入力しなおす）」), or by its beginning when that is at least half of it and
    begins no other label (「午後」 for 「午後2時」 beside 「午前2時」; 「元気」 for 「元気です」).
    """
    wanted = normalise(text)
    if not wanted:
        return None
    labels = [(_forms(label), data) for row in question.answers or [] for label, data in row]
    for forms, data in labels:
        if wanted in forms:
            return data
    starting = {data for forms, data in labels for form in forms
                if form.startswith(wanted) and 2 * len(wanted) >= len(form) >= 2}
    return starting.pop() if len(starting) == 1 else None


_NOTE = re.compile(r"[（(][^）)]*[）)]")


def _forms(label: str) -> set[str]:
    """The ways a label may be typed: as it is, without its mark, without its note."""
    unmarked = _unmarked(label)
    return {normalise(label), normalise(unmarked), normalise(_NOTE.sub("", unmarked))} - {""}


def _unmarked(label: str) -> str:
    """A label without a leading mark such as ✅ (a chosen choice) or an emoji."""
    return label.lstrip("✅✓☑️ ").strip()
