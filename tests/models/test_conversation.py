"""The one open question per person: recorded, replaced, closed, matched and lapsed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import CHANNEL
from models import Need, NeedStatus, Person, clock
from models.conversation import (
    LAPSE,
    Asked,
    OpenQuestion,
    ask,
    asked_by_outbox,
    close,
    is_leave_word,
    matching_answer,
    normalise,
    open_question,
)
from models.needs import leave_need_draft, start_need
from models.people import ensure_person

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
BUTTONS = [[["元気です", "ci:1:fine"], ["少し困っている", "ci:1:so_so"]],
           [["✅ 買い物", "nq:2:shopping"]]]


async def _person(session: AsyncSession) -> Person:
    person = await ensure_person(session, CHANNEL, 5551)
    await session.flush()
    return person


def _shown(answers: list[list[list[str]]] | None = None) -> Asked:
    return Asked(shown_in="5551", shown_as="10", text="今週はいかがですか？",
                 answers=answers or [])


async def test_one_question_per_person_the_last_one_asked(session: AsyncSession) -> None:
    clock.travel(NOW)
    person = await _person(session)
    await ask(session, person.id, "checkin.answer", _shown(BUTTONS))
    await ask(session, person.id, "need.note", _shown(), target_id=7, typed=True)
    assert await session.scalar(select(func.count()).select_from(OpenQuestion)) == 1
    question = await open_question(session, person.id)
    assert question is not None
    assert (question.topic, question.flow, question.target_id, question.typed) == (
        "need.note", "need", 7, True)
    closed = await close(session, person.id)
    assert closed is not None
    assert closed.topic == "need.note"
    assert await open_question(session, person.id) is None
    assert await close(session, person.id) is None
    await ask(session, person.id, "need.note", _shown())  # asked again after closing
    assert await open_question(session, person.id) is not None


async def test_a_question_lapses_by_the_application_clock(session: AsyncSession) -> None:
    clock.travel(NOW)
    person = await _person(session)
    question = await ask(session, person.id, "activity.name", _shown(), typed=True)
    assert question.lapses_at == pytest.approx(NOW + LAPSE, abs=timedelta(seconds=5))
    clock.travel(NOW + LAPSE - timedelta(minutes=1))
    assert not question.lapsed(clock.utcnow())
    clock.travel(NOW + LAPSE + timedelta(minutes=1))
    assert question.lapsed(clock.utcnow())


async def test_typed_words_match_a_button_however_written(session: AsyncSession) -> None:
    person = await _person(session)
    question = await ask(session, person.id, "checkin.answer", _shown(BUTTONS))
    assert matching_answer(question, "元気です") == "ci:1:fine"
    assert matching_answer(question, "「元気です」。") == "ci:1:fine"
    assert matching_answer(question, " 少し 困っている ") == "ci:1:so_so"
    assert matching_answer(question, "買い物") == "nq:2:shopping"  # the ✅ mark aside
    assert matching_answer(question, "元気") == "ci:1:fine"  # half of it, no other label
    assert matching_answer(question, "元") is None
    assert matching_answer(question, "少し") is None  # less than half of 少し困っている
    assert matching_answer(question, "。") is None


async def test_a_label_typed_without_its_note_or_by_its_distinct_beginning(
        session: AsyncSession) -> None:
    person = await _person(session)
    year = await ask(session, person.id, "meeting.year", _shown(
        [[["はい", "md:yy:1"], ["いいえ（入力しなおす）", "md:wn:1"]]]))
    assert matching_answer(year, "いいえ") == "md:wn:1"
    assert matching_answer(year, "いいえ(入力しなおす)") == "md:wn:1"
    hour = await ask(session, person.id, "meeting.hour", _shown(
        [[["午前2時", "md:ha:1"], ["午後2時", "md:hp:1"]]]))
    assert matching_answer(hour, "午後") == "md:hp:1"
    assert matching_answer(hour, "ごご") is None
    both = await ask(session, person.id, "x.y", _shown([[["午後1時", "a"], ["午後2時", "b"]]]))
    assert matching_answer(both, "午後") is None  # begins two labels: asked again


@pytest.mark.parametrize("text", ["やめる", "やめる。", "「キャンセル」", "中止", "ｷｬﾝｾﾙ",
                                  "/cancel".removeprefix("/"), "Cancel", " やめる "])
def test_leave_words(text: str) -> None:
    assert is_leave_word(text)


@pytest.mark.parametrize("text", ["やめない", "買い物", "足が痛いのでやめる", ""])
def test_not_leave_words(text: str) -> None:
    assert not is_leave_word(text)


def test_normalise_folds_full_width_and_spaces() -> None:
    assert normalise("ＡＢＣ　１２３") == "abc123"


async def test_leaving_a_need_keeps_or_drops_the_draft(session: AsyncSession) -> None:
    person = await _person(session)
    need = await start_need(session, person, None)
    assert not await leave_need_draft(session, person.id, drop=False)  # nothing typed waits
    need.awaiting_note = True
    assert await leave_need_draft(session, person.id, drop=False)
    assert (need.status, need.awaiting_note) == (NeedStatus.DRAFT, False)
    assert await leave_need_draft(session, person.id, drop=True)
    assert need.status is NeedStatus.WITHDRAWN
    assert not await leave_need_draft(session, person.id, drop=True)
    assert await session.get(Need, need.id) is need



async def test_a_question_from_the_outbox_is_open_unless_another_is(
        session: AsyncSession) -> None:
    clock.travel(NOW)
    person = await _person(session)
    shown = _shown([[["元気です", "ck:1:g"]]])  # as the dispatcher records a sent question
    assert await asked_by_outbox(session, person.id, "meeting-remind:3:1", shown) is None
    question = await asked_by_outbox(session, person.id, "checkin:12", shown)
    assert question is not None
    assert question.topic == "checkin.answer"
    assert matching_answer(question, "元気です") == "ck:1:g"
    await ask(session, person.id, "meeting.title", _shown(), typed=True)
    assert await asked_by_outbox(session, person.id, "participation:5", shown) is None
    kept = await open_question(session, person.id)
    assert kept is not None
    assert kept.topic == "meeting.title"  # the flow the person is in keeps its question
    clock.travel(NOW + LAPSE + timedelta(minutes=1))  # lapsed: the new one takes its place
    replaced = await asked_by_outbox(session, person.id, "participation:5", shown)
    assert replaced is not None
    assert replaced.topic == "count.ask"
