"""Weekly digests through the sandbox: Monday morning delivery, /digest, /episode."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from bot.sandbox.town import PERSONAS, seed_database, seed_sandbox
from models import Episode, Person, Role, RoleGrant, clock
from models.db import session_factory
from scheduler.digests.delivery import send_weekly_digests
from tests.auxil.delivery import until_settled
from tests.auxil.digest import TOKYO, seed_history
from tests.auxil.people import add_telegram_person
from tests.auxil.town import settle
from tests.scheduler.test_digest_render import EAST_TEXT

pytestmark = pytest.mark.usefixtures("bot")

MONDAY_EIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=TOKYO)
HANAKO, MIKA, KAZUKO = (p.telegram_id for p in (PERSONAS[0], PERSONAS[2], PERSONAS[4]))
MEMBER = 82_001
REFUSED = "週間レポートは、協議体のメンバーとコーディネーターの方だけが見られます。"


async def _monday(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session, session.begin():
        return await send_weekly_digests(session, MONDAY_EIGHT, TOKYO)


def _bot_messages(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["from"]["is_bot"]]


async def test_the_council_member_receives_every_number_on_monday_morning(
    sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine
) -> None:
    clock.travel(MONDAY_EIGHT)  # the digest is made and read on that Monday
    history = await seed_history(engine)
    sandbox.ensure_user(MEMBER, "和子", "伊藤", started=True)
    async with session_factory(engine)() as session, session.begin():
        member = await add_telegram_person(
            session, MEMBER, display_name="伊藤 和子", language="ja",
            district_id=history.town.east.id, consented_at=MONDAY_EIGHT,
            quiet_from=0, quiet_until=0)
        session.add(RoleGrant(person_id=member.id, role=Role.COUNCIL_MEMBER,
                              area_id=history.town.east.id))
    assert await _monday(engine) == 2
    assert await _monday(engine) == 0  # a second run (or a restarted bot) sends nothing more
    await until_settled(engine)
    messages = _bot_messages(await sb.messages(MEMBER))
    assert len(messages) == 3
    [text] = [m for m in messages if "text" in m]
    assert text["text"] == re.sub(r"<[^>]+>", "", EAST_TEXT)
    [photo] = [m for m in messages if "photo" in m]
    assert photo["caption"] == "東地区 協議体　参加した人（のべ）の推移（8週間・活動の種類別）"
    assert (await sb.download(photo["photo"][-1]["file_id"])).startswith(b"\x89PNG")
    [document] = [m for m in messages if "document" in m]
    assert document["document"]["file_name"] == f"digest-{history.east_council}-2026-W47.xlsx"
    workbook = load_workbook(io.BytesIO(await sb.download(document["document"]["file_id"])))
    rows = [list(r) for r in workbook["活動"].iter_rows(values_only=True)]
    assert rows[1] == ["東地区", 3, 1, 30, 1, 1, 1, 0]
    assert [list(r) for r in workbook["困りごと"].iter_rows(values_only=True)][1][1] == "3件未満"


async def test_the_demo_towns_council_member_gets_the_digest_and_asks_for_it_again(
    sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine, database_url: str
) -> None:
    await seed_database(database_url, MONDAY_EIGHT)
    seed_sandbox(sandbox)
    async with session_factory(engine)() as session, session.begin():
        for person in await session.scalars(select(Person)):
            person.quiet_from = person.quiet_until = 0  # tests run at any hour
    assert await _monday(engine) == 1
    await until_settled(engine)
    received = _bot_messages(await sb.messages(KAZUKO))
    assert sorted(("photo" in m, "document" in m) for m in received) == [
        (False, False), (False, True), (True, False)]  # a text, a document, a photo
    text = next(m["text"] for m in received if "text" in m)
    assert text.startswith("みどり地区 支え合い協議体 週間レポート\n"
                           "令和8年11月16日〜令和8年11月22日（2026-W47）")
    assert "・みどりサロンに初めて来た方が" in text
    assert "佐藤" not in text  # no one's name
    assert "山本" not in text
    coordinator = _bot_messages(await sb.messages(MIKA))
    assert len(coordinator) == 3  # the district coordinator reads it too (exactly)

    # On demand: the latest week, with earlier weeks to choose from.
    sent = await sb.send_text(KAZUKO, "/digest")
    replies = await sb.wait_for_messages(KAZUKO, after=sent["message_id"], count=3)
    latest = next(m for m in replies if "text" in m)
    assert latest["text"].startswith("みどり地区 支え合い協議体 週間レポート")
    labels = SandboxClient.labels(latest)
    assert len(labels) == 8
    assert all(label.endswith("からの週を見る") for label in labels)
    await sb.press(KAZUKO, latest, text=labels[0])
    earlier = await sb.wait_for_messages(KAZUKO, after=replies[-1]["message_id"], count=3)
    assert any("photo" in m for m in earlier)

    # Someone else is refused, by command and by a forged button.
    sent = await sb.send_text(HANAKO, "/digest")
    refusal = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert refusal["text"] == REFUSED
    data = SandboxClient.buttons(latest)[0][0]["callback_data"]
    forged = await sb.press(HANAKO, latest, data=data, forge=True)
    answer = await sb.wait_for_callback_answer(forged)
    assert answer["text"] == REFUSED


async def test_a_coordinator_writes_an_episode_without_names(
    sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine, database_url: str
) -> None:
    await seed_database(database_url, MONDAY_EIGHT)
    seed_sandbox(sandbox)
    sent = await sb.send_text(MIKA, "/episode")
    ask = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert "住民の名前は書かないでください。" in ask["text"]
    sent = await sb.send_text(MIKA, "体操のあと、参加した方どうしで見守りの約束ができました。")
    saved = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert saved["text"].startswith("ありがとうございます。みどり地区の、")
    sent = await sb.send_text(KAZUKO, "/episode")
    refusal = await sb.wait_for_message(KAZUKO, after=sent["message_id"])
    assert refusal["text"] == "エピソードは、コーディネーターの方だけが書けます。"
    await settle(sb)
    async with session_factory(engine)() as session:
        texts = list(await session.scalars(select(Episode.text).where(
            Episode.text.like("体操のあと%"))))
    assert texts == ["体操のあと、参加した方どうしで見守りの約束ができました。"]
