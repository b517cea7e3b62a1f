"""Limits per person, through the sandbox: what one resident can make others receive, and
how much of the bot's time they take (``models/limits.py``, ``bot/flood.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication
from bot.identity import person_of
from bot.sandbox import SandboxClient, SandboxServer
from models import Meeting, MeetingKind, MeetingStatus, ProcessedUpdate, Role, clock
from models.clock import utcnow
from models.db import session_factory
from models.limits import (
    COMBINED_NOTICE_DELAY,
    FLOOD_SECONDS,
    FLOOD_UPDATES,
    NEEDS_ONE_BY_ONE,
    PROPOSALS_WAITING,
)
from scheduler.needs import resend_untaken
from tests.auxil.delivery import until_settled
from tests.auxil.schedules import type_schedule
from tests.auxil.town import Town, add_person, make_town, settle

pytestmark = pytest.mark.usefixtures("bot")

TOKYO = ZoneInfo("Asia/Tokyo")
MIKA, HANAKO, ICHIRO, KEN = 6101, 6102, 6103, 6104


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """東地区: coordinator 美香, residents 花子 and 一郎; 健 coordinates the city."""
    town = await make_town(engine)
    for telegram_id, name, roles in (
            (MIKA, "田中 美香", ((Role.DISTRICT_COORDINATOR, town.east),)),
            (HANAKO, "佐藤 花子", ()), (ICHIRO, "鈴木 一郎", ()),
            (KEN, "山本 健", ((Role.MUNICIPAL_COORDINATOR, town.city),))):
        sandbox.ensure_user(telegram_id, name.split()[1], name.split()[0], started=True)
        await add_person(engine, telegram_id, name, town.east, roles=roles)
    return town


def _from_bot(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["from"].get("is_bot")]


async def _say(sb: SandboxClient, user: int, text: str) -> dict[str, Any]:
    sent = await sb.send_text(user, text)
    return await sb.wait_for_message(user, after=sent["message_id"])


async def _press(sb: SandboxClient, user: int, message: dict[str, Any], label: str
                 ) -> dict[str, Any]:
    await sb.press(user, message, text=label)
    return await sb.wait_for_edit(user, message["message_id"])


# -- needs -----------------------------------------------------------------------------------

async def _raise_need(sb: SandboxClient) -> None:
    question = await _say(sb, HANAKO, "/checkin")
    ask_note = await _press(sb, HANAKO, question, "話を聞いてほしい")
    sent = await _press(sb, HANAKO, ask_note, "書かずに送る")
    assert sent["text"].startswith("ありがとうございます。"), sent["text"]


async def test_twenty_five_needs_reach_the_coordinator_in_a_few_messages(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    for _ in range(25):
        await _raise_need(sb)
    await settle(sb)
    clock.advance(COMBINED_NOTICE_DELAY + timedelta(minutes=1))  # the combined notice is due
    await until_settled(engine)
    told = _from_bot(await sb.messages(MIKA))
    assert len(told) == NEEDS_ONE_BY_ONE + 1, [m["text"] for m in told]
    assert all(m["text"].startswith("🔔 困りごとの相談がありました") for m in told[:-1])
    assert told[-1]["text"].startswith("🔔 佐藤 花子さんから、相談が続けて届いています")
    assert "25件" in told[-1]["text"]
    listing = await _say(sb, MIKA, "/needs")
    assert listing["text"].startswith("対応が必要な相談: 25件")  # nothing lost

    # A day later nobody has taken them: the city hears of them once each, then combined.
    later = utcnow() + timedelta(hours=25)
    clock.travel(later)
    async with session_factory(engine)() as session, session.begin():
        assert await resend_untaken(session, later.astimezone(UTC),
                                    timedelta(hours=24)) == 25
    clock.advance(COMBINED_NOTICE_DELAY + timedelta(minutes=1))
    await until_settled(engine)
    city = [m["text"] for m in _from_bot(await sb.messages(KEN))]
    # All are due at once here, so the dispatcher may deliver them in any order.
    combined = [text for text in city if "25件" in text]
    assert len(city) == NEEDS_ONE_BY_ONE + 1, city
    assert len(combined) == 1, city
    assert combined[0].startswith(
        "⏰ 佐藤 花子さんの相談で、まだ担当が決まっていないものが続いています")
    assert len(_from_bot(await sb.messages(MIKA))) == 2 * (NEEDS_ONE_BY_ONE + 1) + 1  # + /needs


# -- proposals -------------------------------------------------------------------------------

async def _propose(sb: SandboxClient, name: str) -> dict[str, Any]:
    """Walk /newactivity as 一郎 with only what is needed; return the summary, sent."""
    ask = await _say(sb, ICHIRO, "/newactivity")
    assert ask["text"].startswith("新しい活動を登録します。"), ask["text"]
    kinds = await _say(sb, ICHIRO, name)
    meanings = await _press(sb, ICHIRO, kinds, "食事会")
    await _press(sb, ICHIRO, meanings, "次へ")
    await _say(sb, ICHIRO, "公民館")
    question = await type_schedule(sb, ICHIRO, "毎月第2水曜 12:00-13:30")
    for _ in range(3):  # capacity, contact, description: とばす
        await sb.press(ICHIRO, question, text="とばす")
        question = await sb.wait_for_message(ICHIRO, after=question["message_id"])
    assert question["text"].startswith("この内容で登録します。"), question["text"]
    return await _press(sb, ICHIRO, question, "この内容で登録する")


async def test_ten_proposals_send_three_review_requests_and_a_polite_answer(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    for n in range(PROPOSALS_WAITING):
        sent = await _propose(sb, f"食事会{n}")
        assert sent["text"].startswith(f"「食事会{n}」を、地区の生活支援コーディネーターに")
    for _ in range(10 - PROPOSALS_WAITING):
        answer = await _say(sb, ICHIRO, "/newactivity")
        assert answer["text"].startswith(f"確認を待っている提案が {PROPOSALS_WAITING}件あります。")
    await until_settled(engine)
    requests = _from_bot(await sb.messages(MIKA))
    assert len(requests) == PROPOSALS_WAITING
    assert all(r["text"].startswith("活動の登録のお願いが届きました") for r in requests)

    await sb.press(MIKA, requests[0], text="承認する")
    await sb.wait_for_edit(MIKA, requests[0]["message_id"])
    ask = await _say(sb, ICHIRO, "/newactivity")  # one was checked: room for another
    assert ask["text"].startswith("新しい活動を登録します。")


# -- 満員 ----------------------------------------------------------------------------------

async def test_fifteen_presses_at_full_capacity_tell_the_organiser_once(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    start = utcnow() + timedelta(days=10)
    async with session_factory(engine)() as session, session.begin():
        mika = await person_of(session, MIKA)
        assert mika is not None
        session.add(Meeting(kind=MeetingKind.CARE_MEETING, title="ご近所ケア会議",
                            area_id=town.east.id, starts_at=start,
                            ends_at=start + timedelta(hours=1), place="公民館", capacity=1,
                            organiser_id=mika.id, status=MeetingStatus.SCHEDULED, open=True))
    heading = await _say(sb, HANAKO, "/events")
    card = await sb.wait_for_message(HANAKO, after=heading["message_id"])
    for press in range(15):
        await sb.press(HANAKO, card, text="参加する" if press % 2 == 0 else "キャンセル")
        card = await sb.wait_for_edit(HANAKO, card["message_id"])
    await settle(sb)
    await until_settled(engine)
    told = _from_bot(await sb.messages(MIKA))
    assert [m["text"] for m in told] == [
        "「ご近所ケア会議」が満席（1名）になりました。これからの申し込みはキャンセル待ちになります。"]

    # Someone else filling it again is news to the organiser.
    await sb.press(HANAKO, card, text="キャンセル")
    await sb.wait_for_edit(HANAKO, card["message_id"])
    heading = await _say(sb, ICHIRO, "/events")
    other = await sb.wait_for_message(ICHIRO, after=heading["message_id"])
    await sb.press(ICHIRO, other, text="参加する")
    await sb.wait_for_edit(ICHIRO, other["message_id"])
    await settle(sb)  # the card is edited before the update's transaction commits
    await until_settled(engine)
    assert len(_from_bot(await sb.messages(MIKA))) == 2


# -- the bot's time ------------------------------------------------------------------------

async def _handled(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_a_flood_of_checkins_is_stopped_early_and_others_are_still_answered(
    sb: SandboxClient, engine: AsyncEngine, town: Town, bot: OtagaiApplication
) -> None:
    # The production limits, on a clock that stands still while the burst arrives: the
    # test drives the guard's time instead of depending on how fast this machine is.
    guard = bot.flood_guard
    guard.limit, guard.seconds = FLOOD_UPDATES, FLOOD_SECONDS
    frozen = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    guard.clock = lambda: frozen
    await settle(sb)
    before = await _handled(engine)

    for _ in range(500):
        await sb.send_text(HANAKO, "/checkin")
    help_answer = await _say(sb, ICHIRO, "/help")
    assert help_answer["text"].startswith("使い方")
    await settle(sb)  # an update is recorded as handled when its transaction commits
    # By the time 一郎 is answered, 花子's flood is over: what was handled, and one note.
    answers = _from_bot(await sb.messages(HANAKO))
    questions = [m for m in answers if m["text"].startswith("今週の")]
    notes = [m for m in answers if m["text"].startswith("続けて送られたので")]
    assert len(questions) == FLOOD_UPDATES, len(answers)
    assert len(notes) == 1
    assert notes[0]["text"].endswith("少し間をおいてから、もう一度お試しください。")
    # Hers that were let through, 一郎's /help and settle()'s marker; the rest: no database work.
    assert await _handled(engine) - before == FLOOD_UPDATES + 2

    frozen += timedelta(seconds=FLOOD_SECONDS + 1)  # a little later she is answered again
    again = await _say(sb, HANAKO, "/checkin")
    assert again["text"].startswith("今週の")
