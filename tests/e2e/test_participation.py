"""After a session the organiser is asked how many came; the answer becomes a record."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from models import Activity, ActivityKind, ActivitySession, ActivityStatus, Role
from models.activities import SessionStatus
from models.db import session_factory
from models.people import find_person
from models.schedule import Frequency, Schedule
from scheduler.participation import ask_due_sessions
from tests.auxil.delivery import until_settled
from tests.auxil.town import Town, add_person, make_town, settle

pytestmark = pytest.mark.usefixtures("bot")

TOKYO = ZoneInfo("Asia/Tokyo")
HANAKO, MIKA, ICHIRO = 9001, 9002, 9003
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
        hanako = await find_person(session, HANAKO)
        assert hanako is not None
        schedule = Schedule(frequency=Frequency.WEEKLY, weekdays=(1,), start=time(10),
                            end=time(11, 30))
        session.add(Activity(name="火曜サロン", kind=ActivityKind.SALON, district_id=town.east.id,
                             place="集会所", schedule=schedule.to_json(), organiser_id=hanako.id,
                             status=ActivityStatus.ACTIVE, meanings=[],
                             created_at=datetime(2026, 11, 1, tzinfo=UTC)))
    return town


async def _ask(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session, session.begin():
        return await ask_due_sessions(session, NOON.astimezone(UTC), TOKYO)


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
