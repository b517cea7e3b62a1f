"""After a session the organiser is asked how many came; the answer becomes a record."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import person_of
from bot.sandbox import SandboxClient, SandboxServer
from models import Activity, ActivityKind, ActivitySession, ActivityStatus, Role, clock
from models.activities import SessionStatus
from models.clock import utcnow
from models.db import session_factory
from models.schedule import Frequency, Schedule
from scheduler.participation import ask_due_sessions
from tests.auxil.delivery import until_settled
from tests.auxil.town import Town, add_person, make_town, settle

pytestmark = pytest.mark.usefixtures("bot")

TOKYO = ZoneInfo("Asia/Tokyo")
HANAKO, MIKA, ICHIRO, WEST_COORDINATOR = 9001, 9002, 9003, 9004
STALE = "このボタンは、もう使えません。お手数ですが、もう一度はじめからお願いします。"
NOT_YOURS = "この活動の人数は、世話役の方と地区のコーディネーターだけが記録できます（14日以内）。"
# Tuesday 2026-11-24, 12:00 in Tokyo: the 10:00-11:30 session is over.
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=TOKYO)


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """花子 organises a Tuesday salon in 東地区; 美香 coordinates; 一郎 is a neighbour."""
    town = await make_town(engine)
    for telegram_id, name, roles in ((HANAKO, "佐藤 花子", ()), (ICHIRO, "鈴木 一郎", ()),
                                     (MIKA, "田中 美香",
                                      ((Role.DISTRICT_COORDINATOR, town.east),))):
        sandbox.ensure_user(telegram_id, name.split()[1], name.split()[0], started=True)
        await add_person(engine, telegram_id, name, town.east, roles=roles)
    async with session_factory(engine)() as session, session.begin():
        hanako = await person_of(session, HANAKO)
        assert hanako is not None
        schedule = Schedule(frequency=Frequency.WEEKLY, weekdays=(1,), start=time(10),
                            end=time(11, 30))
        session.add(Activity(name="火曜サロン", kind=ActivityKind.SALON, district_id=town.east.id,
                             place="集会所", schedule=schedule.to_json(), organiser_id=hanako.id,
                             status=ActivityStatus.ACTIVE, meanings=[],
                             created_at=datetime(2026, 11, 1, tzinfo=UTC)))
    return town


async def _ask(engine: AsyncEngine) -> int:
    """Run the job at ``NOON`` (the application's clock goes there, and ticks on)."""
    clock.travel(NOON)
    async with session_factory(engine)() as session, session.begin():
        return await ask_due_sessions(session, utcnow(), TOKYO)


async def _record(engine: AsyncEngine) -> ActivitySession:
    async with session_factory(engine)() as session:
        return (await session.scalars(select(ActivitySession))).one()


async def test_the_organiser_is_asked_once_and_one_tap_records_the_count(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    assert await _ask(engine) == 1
    assert await _ask(engine) == 0  # asked once, however often the job runs
    await until_settled(engine)
    [asked] = [m for m in await sb.messages(HANAKO) if m["from"]["is_bot"]]
    assert asked["text"].startswith("「火曜サロン」（11月24日(火) 10:00）には、何人来ましたか？")
    labels = [b["text"] for row in SandboxClient.buttons(asked) for b in row]
    assert labels[:4] == ["3人", "5人", "8人", "10人"]
    assert labels[-2:] == ["ほかの人数を入力する", "中止でした"]

    forged = await sb.press(ICHIRO, asked, data=SandboxClient.buttons(asked)[0][0][
        "callback_data"], forge=True)
    assert (await sb.wait_for_callback_answer(forged))["show_alert"] is True

    await sb.press(HANAKO, asked, text="12人")
    done = await sb.wait_for_edit(HANAKO, asked["message_id"])
    assert done["text"] == (
        "ありがとうございます。「火曜サロン」（11月24日(火) 10:00）は 12人 で記録しました。")
    await settle(sb)
    record = await _record(engine)
    assert (record.status, record.participants) == (SessionStatus.HELD, 12)


async def test_a_typed_count_and_a_correction(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    await _ask(engine)
    await until_settled(engine)
    [asked] = [m for m in await sb.messages(HANAKO) if m["from"]["is_bot"]]
    await sb.press(HANAKO, asked, text="ほかの人数を入力する")
    await sb.wait_for_edit(HANAKO, asked["message_id"])
    for bad in ("たくさん", "-3", "100000"):
        sent = await sb.send_text(HANAKO, bad)
        reply = await sb.wait_for_message(HANAKO, after=sent["message_id"])
        assert reply["text"].startswith("人数は 0〜1000 の数字で送ってください。"), bad
    sent = await sb.send_text(HANAKO, "１７人")
    reply = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert "17人 で記録しました" in reply["text"]

    sent = await sb.send_text(HANAKO, "/myactivities")
    listing = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert "・火曜サロン（11月24日(火) 10:00）: 17人" in listing["text"]
    await sb.press(HANAKO, listing, text="直す: 火曜サロン 11月24日(火) 10:00")
    again = await sb.wait_for_message(HANAKO, after=listing["message_id"])
    await sb.press(HANAKO, again, text="中止でした")
    await sb.wait_for_edit(HANAKO, again["message_id"])
    await settle(sb)
    record = await _record(engine)
    assert (record.status, record.participants) == (SessionStatus.CANCELLED, None)


async def test_a_coordinator_may_record_on_the_organisers_behalf(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    await _ask(engine)
    await until_settled(engine)
    [asked] = [m for m in await sb.messages(HANAKO) if m["from"]["is_bot"]]
    eight = next(b["callback_data"] for row in SandboxClient.buttons(asked) for b in row
                 if b["text"] == "8人")
    query = await sb.press(MIKA, asked, data=eight, forge=True)
    assert (await sb.wait_for_callback_answer(query))["answered"]
    await settle(sb)
    record = await _record(engine)
    assert record.participants == 8


def _sessions_over(now: datetime) -> list[datetime]:
    """The salon's sessions of the last 14 days that are over, newest first."""
    starts, day = [], now.date()
    while day >= (now - timedelta(days=15)).date():
        start = datetime.combine(day, time(10), tzinfo=TOKYO)
        if day.weekday() == 1 and now - timedelta(days=14) < start <= now - timedelta(
                minutes=90):
            starts.append(start)
        day -= timedelta(days=1)
    return starts


def _when(start: datetime) -> str:
    return f"{start.month}月{start.day}日(火) 10:00"


def _data(message: dict, label: str) -> str:
    return next(b["callback_data"] for row in SandboxClient.buttons(message) for b in row
                if b["text"] == label)


async def _card(sb: SandboxClient, user: int, name: str = "火曜サロン") -> dict:
    sent = await sb.send_text(user, "/activities")
    listing = await sb.wait_for_message(user, after=sent["message_id"])
    await sb.press(user, listing, text=name)
    return await sb.wait_for_message(user, after=listing["message_id"])


async def test_a_coordinator_records_a_count_from_the_activity_card(
    sb: SandboxClient, engine: AsyncEngine, town: Town, sandbox: SandboxServer
) -> None:
    sandbox.ensure_user(WEST_COORDINATOR, "次郎", "山田", started=True)
    await add_person(engine, WEST_COORDINATOR, "山田 次郎", town.west,
                     roles=((Role.DISTRICT_COORDINATOR, town.west),))
    sessions = _sessions_over(utcnow().astimezone(TOKYO))
    newest, when = sessions[0], _when(sessions[0])

    card = await _card(sb, MIKA)
    assert "参加人数を記録" in SandboxClient.labels(card)
    await sb.press(MIKA, card, text="参加人数を記録")
    choose = await sb.wait_for_message(MIKA, after=card["message_id"])
    assert choose["text"] == (
        "「火曜サロン」の参加人数を記録します\nどの回の人数ですか？（この14日間）")
    assert SandboxClient.labels(choose) == [f"{_when(s)}（まだ記録がありません）"
                                            for s in sessions]
    session_data = _data(choose, f"{when}（まだ記録がありません）")
    await sb.press(MIKA, choose, text=f"{when}（まだ記録がありません）")
    asked = await sb.wait_for_edit(MIKA, choose["message_id"])
    assert asked["text"].startswith(f"「火曜サロン」（{when}）には、何人来ましたか？")
    await sb.press(MIKA, asked, text="12人")
    done = await sb.wait_for_edit(MIKA, choose["message_id"])
    assert done["text"] == (
        f"ありがとうございます。「火曜サロン」（{when}）は 12人 で記録しました。")
    await settle(sb)
    async with session_factory(engine)() as session:
        record = (await session.scalars(select(ActivitySession))).one()
        mika = await person_of(session, MIKA)
        assert mika is not None
        assert (record.status, record.participants, record.reported_by_id) == (
            SessionStatus.HELD, 12, mika.id)
        assert record.starts_at == newest

    # The organiser corrects it from the same button, typing a full-width number.
    card = await _card(sb, HANAKO)
    await sb.press(HANAKO, card, text="参加人数を記録")
    choose = await sb.wait_for_message(HANAKO, after=card["message_id"])
    assert SandboxClient.labels(choose)[0] == f"{when}（12人）"
    await sb.press(HANAKO, choose, text=f"{when}（12人）")
    asked = await sb.wait_for_edit(HANAKO, choose["message_id"])
    await sb.press(HANAKO, asked, text="ほかの人数を入力する")
    await sb.wait_for_edit(HANAKO, choose["message_id"])
    sent = await sb.send_text(HANAKO, "１７名")
    reply = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert reply["text"] == (
        f"ありがとうございます。「火曜サロン」（{when}）は 17人 で記録しました。")

    # Forged or stale choices: a session the schedule does not have.
    forged = await sb.press(MIKA, choose, data=f"{session_data}0", forge=True)
    answer = await sb.wait_for_callback_answer(forged)
    assert answer["text"] == STALE

    # A neighbour sees no such button, and a coordinator of another district is refused.
    card = await _card(sb, ICHIRO)
    assert SandboxClient.labels(card) == ["行ってみたい"]
    for user, message in ((ICHIRO, card), (WEST_COORDINATOR, await _card_or_listing(
            sb, WEST_COORDINATOR))):
        for data in (_data(choose, f"{when}（12人）"), session_data.rsplit(":", 1)[0],
                     _data(asked, "8人")):
            query = await sb.press(user, message, data=data, forge=True)
            answer = await sb.wait_for_callback_answer(query)
            assert (answer["text"], answer["show_alert"]) == (NOT_YOURS, True), user
    await settle(sb)
    async with session_factory(engine)() as session:
        record = (await session.scalars(select(ActivitySession))).one()
        hanako = await person_of(session, HANAKO)
        assert hanako is not None
        assert (record.participants, record.reported_by_id) == (17, hanako.id)


async def _card_or_listing(sb: SandboxClient, user: int) -> dict:
    """Someone from another district: their own /activities answer, to press forged data on."""
    sent = await sb.send_text(user, "/activities")
    return await sb.wait_for_message(user, after=sent["message_id"])


async def test_an_activity_without_past_sessions_has_nothing_to_record(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    later = utcnow().astimezone(TOKYO).date() + timedelta(days=30)
    schedule = Schedule(frequency=Frequency.ONCE, on=later, start=time(13), end=time(15))
    async with session_factory(engine)() as session, session.begin():
        session.add(Activity(name="秋の遠足", kind=ActivityKind.HOBBY, district_id=town.east.id,
                             place="駅前", schedule=schedule.to_json(), meanings=[],
                             status=ActivityStatus.ACTIVE))
    card = await _card(sb, MIKA, "秋の遠足")
    await sb.press(MIKA, card, text="参加人数を記録")
    reply = await sb.wait_for_message(MIKA, after=card["message_id"])
    assert reply["text"] == "この14日間に記録する会は、ありません。"
    await settle(sb)
    async with session_factory(engine)() as session:
        assert (await session.scalars(select(ActivitySession))).all() == []


async def test_the_count_question_answers_to_its_buttons_words_typed(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    """Issue 16, item 3: at the count question (shown by /myactivities' 直す), 「５人」 typed
    is the 5人 button, 「ほかの人数を入力する」 typed asks for the number; other words repeat
    the question."""
    await _ask(engine)
    await until_settled(engine)
    sent = await sb.send_text(HANAKO, "/myactivities")
    listing = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    await sb.press(HANAKO, listing, text="直す: 火曜サロン 11月24日(火) 10:00")
    again = await sb.wait_for_message(HANAKO, after=listing["message_id"])
    assert again["text"].startswith("「火曜サロン」（11月24日(火) 10:00）には、何人来ましたか？")
    sent = await sb.send_text(HANAKO, "えっと")
    repeated = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert repeated["text"].startswith("さきほどの質問が、まだ終わっていません。")
    sent = await sb.send_text(HANAKO, "５人")
    done = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert done["text"] == (
        "ありがとうございます。「火曜サロン」（11月24日(火) 10:00）は 5人 で記録しました。")
    await settle(sb)
    record = await _record(engine)
    assert (record.status, record.participants) == (SessionStatus.HELD, 5)

    sent = await sb.send_text(HANAKO, "/myactivities")
    listing = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    await sb.press(HANAKO, listing, text="直す: 火曜サロン 11月24日(火) 10:00")
    again = await sb.wait_for_message(HANAKO, after=listing["message_id"])
    sent = await sb.send_text(HANAKO, "ほかの人数を入力する")
    ask = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert ask["text"].startswith("人数を数字で送ってください")
    sent = await sb.send_text(HANAKO, "１７")
    reply = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert "17人 で記録しました" in reply["text"]


async def test_the_count_question_sent_by_the_scheduler_answers_to_its_words_typed(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    """Issue 16, item 3: the count question comes through the outbox; once delivered it is
    the open question, so 「１２人」 typed is the 12人 button."""
    await _ask(engine)
    await until_settled(engine)
    sent = await sb.send_text(HANAKO, "１２人")
    done = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert done["text"] == (
        "ありがとうございます。「火曜サロン」（11月24日(火) 10:00）は 12人 で記録しました。")
    await settle(sb)
    record = await _record(engine)
    assert (record.status, record.participants) == (SessionStatus.HELD, 12)
