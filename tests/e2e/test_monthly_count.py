"""Once a month the organiser is asked how many different people came (参加者実人数); the
answer is what the 通いの場 survey shows for the place."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import person_of
from bot.sandbox import SandboxClient, SandboxServer
from locales.i18n import use_language
from models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    MonthlyParticipants,
    OutboxMessage,
    OutboxStatus,
    Role,
    clock,
)
from models.clock import utcnow
from models.db import session_factory
from models.schedule import Frequency, Schedule
from scheduler.digests.survey_workbook import HEADER_ROW, survey_workbook
from scheduler.monthly_count import ask_monthly_counts
from scheduler.survey import build_survey
from tests.auxil.delivery import until_settled
from tests.auxil.town import Town, add_person, make_town, settle

pytestmark = pytest.mark.usefixtures("bot")

TOKYO = ZoneInfo("Asia/Tokyo")
HANAKO, MIKA, ICHIRO, WEST_COORDINATOR = 9101, 9102, 9103, 9104
NOT_YOURS = "この活動の参加者数は、世話役の方と地区のコーディネーターだけが記録できます。"
# Tuesday 1 December 2026, 10:00 in Tokyo: the first day of the month after November.
FIRST_DAYS = datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
QUESTION = ("先月（2026年11月）、「火曜サロン」に来た人は、全部で何人でしたか？\n"
            "（同じ人は、何回来ても1人と数えます）")


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """花子 organises a Tuesday salon in 東地区; 美香 coordinates it; 一郎 is a neighbour;
    次郎 coordinates 西地区."""
    town = await make_town(engine)
    for telegram_id, name, district, roles in (
            (HANAKO, "佐藤 花子", town.east, ()), (ICHIRO, "鈴木 一郎", town.east, ()),
            (MIKA, "田中 美香", town.east, ((Role.DISTRICT_COORDINATOR, town.east),)),
            (WEST_COORDINATOR, "山田 次郎", town.west,
             ((Role.DISTRICT_COORDINATOR, town.west),))):
        sandbox.ensure_user(telegram_id, name.split()[1], name.split()[0], started=True)
        await add_person(engine, telegram_id, name, district, roles=roles)
    async with session_factory(engine)() as session, session.begin():
        hanako = await person_of(session, HANAKO)
        assert hanako is not None
        schedule = Schedule(frequency=Frequency.WEEKLY, weekdays=(1,), start=time(10),
                            end=time(11, 30))
        session.add(Activity(name="火曜サロン", kind=ActivityKind.SALON, district_id=town.east.id,
                             place="集会所", schedule=schedule.to_json(), organiser_id=hanako.id,
                             status=ActivityStatus.ACTIVE, meanings=[],
                             created_at=datetime(2026, 10, 1, tzinfo=UTC)))
    return town


async def _ask(engine: AsyncEngine, moment: datetime = FIRST_DAYS) -> int:
    clock.travel(moment)
    async with session_factory(engine)() as session, session.begin():
        return await ask_monthly_counts(session, utcnow(), TOKYO)


async def _count(engine: AsyncEngine) -> tuple[int, int | None] | None:
    async with session_factory(engine)() as session:
        row = (await session.scalars(select(MonthlyParticipants))).one_or_none()
        return None if row is None else (row.people, row.aged_65_plus)


def _data(message: dict, label: str) -> str:
    return next(b["callback_data"] for row in SandboxClient.buttons(message) for b in row
                if b["text"] == label)


async def _survey_people(engine: AsyncEngine) -> object:
    """The 参加者実人数 of the salon in the survey file, read back as an officer would."""
    async with session_factory(engine)() as session:
        survey = await build_survey(session, 2026, TOKYO, month=date(2026, 11, 1))
    with use_language("ja"):
        data = survey_workbook(survey, date(2026, 12, 1))
    rows = list(load_workbook(io.BytesIO(data))["通いの場"].iter_rows(values_only=True))
    header, salon = rows[HEADER_ROW], rows[HEADER_ROW + 1]
    assert salon[1] == "火曜サロン"
    return salon[header.index("参加者実人数")], salon[header.index("うち65歳以上")]


async def _asked_from_the_card(sb: SandboxClient) -> dict:
    """美香 opens 火曜サロン's card in the first days of December and presses 「先月の参加者数」;
    return the question."""
    clock.travel(FIRST_DAYS)
    sent = await sb.send_text(MIKA, "/activities")
    listing = await sb.wait_for_message(MIKA, after=sent["message_id"])
    await sb.press(MIKA, listing, text="火曜サロン")
    card = await sb.wait_for_message(MIKA, after=listing["message_id"])
    await sb.press(MIKA, card, text="先月の参加者数（実人数）")
    return await sb.wait_for_message(MIKA, after=card["message_id"])


async def test_the_organiser_answers_and_the_survey_shows_it(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    assert await _ask(engine, datetime(2026, 11, 30, 10, tzinfo=TOKYO)) == 0  # not yet
    assert await _ask(engine, datetime(2026, 12, 8, 10, tzinfo=TOKYO)) == 0  # too late
    assert await _ask(engine) == 1
    assert await _ask(engine) == 0  # asked once, however often the job runs
    await until_settled(engine)
    [asked] = [m for m in await sb.messages(HANAKO) if m["from"]["is_bot"]]
    assert asked["text"] == QUESTION
    assert SandboxClient.labels(asked) == ["5人", "8人", "10人", "12人", "15人", "20人",
                                           "25人", "30人", "ほかの人数を入力する"]
    assert not [m for m in await sb.messages(MIKA) if m["from"]["is_bot"]]  # the organiser's

    # A neighbour and another district's coordinator cannot answer, even with forged data.
    for user in (ICHIRO, WEST_COORDINATOR):
        forged = await sb.press(user, asked, data=_data(asked, "8人"), forge=True)
        answer = await sb.wait_for_callback_answer(forged)
        assert (answer["text"], answer["show_alert"]) == (NOT_YOURS, True), user
    await settle(sb)
    assert await _count(engine) is None

    await sb.press(HANAKO, asked, text="ほかの人数を入力する")
    await sb.wait_for_edit(HANAKO, asked["message_id"])
    sent = await sb.send_text(HANAKO, "たくさん")
    reply = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert reply["text"] == "人数は 0〜1000 の数字で送ってください。例: 12"
    sent = await sb.send_text(HANAKO, "１２人")  # full-width digits
    aged = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert aged["text"].startswith("「火曜サロン」の2026年11月は、12人と記録しました。\n"
                                   "そのうち、65歳以上の方は何人でしたか？")
    await sb.press(HANAKO, aged, text="人数を入力する")
    await sb.wait_for_edit(HANAKO, aged["message_id"])
    sent = await sb.send_text(HANAKO, "13")
    reply = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert reply["text"] == "65歳以上の方の人数は、0〜12 の数字で送ってください。"
    sent = await sb.send_text(HANAKO, "10")
    done = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert done["text"] == ("「火曜サロン」の2026年11月の参加者は、12人（うち65歳以上 10人）"
                            "と記録しました。ありがとうございました。")
    await settle(sb)
    assert await _count(engine) == (12, 10)
    assert await _survey_people(engine) == (12, 10)
    assert await _ask(engine, datetime(2026, 12, 2, 10, tzinfo=TOKYO)) == 0  # answered

    # Corrected from the record: the question again in its place, then 「わからない」.
    await sb.press(HANAKO, done, text="人数を直す")
    again = await sb.wait_for_edit(HANAKO, done["message_id"])
    assert again["text"] == QUESTION
    await sb.press(HANAKO, again, text="15人")
    aged = await sb.wait_for_edit(HANAKO, done["message_id"])
    await sb.press(HANAKO, aged, text="わからない")
    finished = await sb.wait_for_edit(HANAKO, done["message_id"])
    assert finished["text"] == ("「火曜サロン」の2026年11月の参加者は、15人と記録しました。"
                                "ありがとうございました。")
    await settle(sb)
    assert await _count(engine) == (15, None)
    assert await _survey_people(engine) == (15, None)


async def test_a_coordinator_enters_it_from_the_card_and_is_asked_without_an_organiser(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    asked = await _asked_from_the_card(sb)
    assert asked["text"] == QUESTION
    await sb.press(MIKA, asked, text="8人")
    aged = await sb.wait_for_edit(MIKA, asked["message_id"])
    await sb.press(MIKA, aged, text="全員が65歳以上")
    await sb.wait_for_edit(MIKA, asked["message_id"])
    await settle(sb)
    assert await _count(engine) == (8, 8)

    # A month that is not over yet, or a forged month, is not taken.
    this_month = _data(asked, "8人").replace("202611", "202612")
    query = await sb.press(MIKA, asked, data=this_month, forge=True)
    assert (await sb.wait_for_callback_answer(query))["text"].startswith("このボタンは")

    # Without an organiser, the district's coordinators are asked (next month).
    async with session_factory(engine)() as session, session.begin():
        salon = (await session.scalars(select(Activity))).one()
        salon.organiser_id = None
    assert await _ask(engine, datetime(2027, 1, 4, 10, tzinfo=TOKYO)) == 1
    await until_settled(engine)
    questions = [m for m in await sb.messages(MIKA) if m["from"]["is_bot"]
                 and m["text"].startswith("先月（2026年12月）")]
    assert len(questions) == 1


async def test_a_number_typed_at_the_question_is_the_count(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    # Walking the sandbox, 「１８」 typed under the question got 「ボタンか「/」から…」.
    asked = await _asked_from_the_card(sb)
    typed = await sb.send_text(MIKA, "１８人")
    aged = await sb.wait_for_message(MIKA, after=typed["message_id"])
    assert "18人" in aged["text"], aged["text"]
    typed = await sb.send_text(MIKA, "わからない")  # the 65+ button's words
    done = await sb.wait_for_message(MIKA, after=typed["message_id"])
    assert "人数を直す" in [b["text"] for row in SandboxClient.buttons(done) for b in row]
    await settle(sb)
    assert await _count(engine) == (18, None)
    assert asked["text"] == QUESTION


async def test_the_question_waits_for_the_end_of_the_night(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    """Asked at 06:30 on the 1st, it is held until her quiet hours end at 08:00."""
    async with session_factory(engine)() as session, session.begin():
        hanako = await person_of(session, HANAKO)
        assert hanako is not None
        hanako.quiet_from, hanako.quiet_until = 21, 8
    assert await _ask(engine, datetime(2026, 12, 1, 6, 30, tzinfo=TOKYO)) == 1
    async with asyncio.timeout(30):
        while True:
            async with session_factory(engine)() as session:
                row = (await session.scalars(select(OutboxMessage).where(
                    OutboxMessage.idempotency_key.like("monthly-count:%")))).one()
            if row.due_at > utcnow():
                break
            await asyncio.sleep(0.2)
    assert row.status is OutboxStatus.PENDING
    assert row.due_at == datetime(2026, 12, 1, 8, 0, tzinfo=TOKYO)
    assert not [m for m in await sb.messages(HANAKO) if m["from"]["is_bot"]]
