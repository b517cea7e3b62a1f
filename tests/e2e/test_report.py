"""/report through the sandbox: a municipal coordinator gets this quarter's indicators (text
and workbook); residents, council members, district coordinators are refused, and another
municipality's coordinator gets only their own municipality's."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from bot.sandbox.town import PERSONAS, seed_database, seed_sandbox
from models import Role, clock
from models.areas import get_or_create_area
from models.db import session_factory
from tests.auxil.indicators import TOKYO, seed_indicators
from tests.auxil.town import add_person

pytestmark = pytest.mark.usefixtures("bot")

DURING_Q3 = datetime(2026, 12, 20, 10, tzinfo=TOKYO)  # Q3 so far: all of the fixture
COORDINATOR, RESIDENT, MEMBER, DISTRICT, OTHER = 83_001, 83_002, 83_003, 83_004, 83_005
MIKA, KEN = PERSONAS[2].telegram_id, PERSONAS[3].telegram_id
REFUSED = "成果指標は、市町村の生活支援コーディネーター（第1層）が見られます。"


async def test_a_municipal_coordinator_gets_the_quarter_and_others_are_refused(
        sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine) -> None:
    clock.travel(DURING_Q3)
    town = (await seed_indicators(engine)).town
    async with session_factory(engine)() as session, session.begin():
        other_city, _ = await get_or_create_area(session, "別市")
        other_district, _ = await get_or_create_area(session, "別市", "北地区")
    for user, name, roles in (
            (COORDINATOR, "市の 担当", ((Role.MUNICIPAL_COORDINATOR, town.city),)),
            (RESIDENT, "住民 花子", ()),
            (MEMBER, "委員 和子", ((Role.COUNCIL_MEMBER, town.city),)),
            (DISTRICT, "地区の 担当", ((Role.DISTRICT_COORDINATOR, town.east),))):
        sandbox.ensure_user(user, name, started=True)
        await add_person(engine, user, name, town.east, roles)
    sandbox.ensure_user(OTHER, "別市の 担当", started=True)
    await add_person(engine, OTHER, "別市の 担当", other_district,
                     ((Role.MUNICIPAL_COORDINATOR, other_city),))

    sent = await sb.send_text(COORDINATOR, "/report")
    replies = await sb.wait_for_messages(COORDINATOR, after=sent["message_id"], count=2)
    [text] = [m["text"] for m in replies if "text" in m]
    assert text.startswith("成果指標 テスト市 2026年度 第3四半期（10月〜12月）\n")
    assert "・困りごとの相談: 7 ↑（1）" in text  # exact for the coordinator
    assert "・手伝いをした担い手: 2 ↑（0）" in text
    [document] = [m["document"] for m in replies if "document" in m]
    assert document["file_name"] == f"report-{town.city.id}-2026-Q3.xlsx"
    book = load_workbook(io.BytesIO(await sb.download(document["file_id"])))
    rows = [list(r) for r in book["高齢者・要介護認定者"].iter_rows(values_only=True)]
    raised = rows[0].index("困りごとの相談")
    assert [row[raised] for row in rows[1:]] == [5, 2, 7]

    for user in (RESIDENT, MEMBER, DISTRICT):
        sent = await sb.send_text(user, "/report")
        refusal = await sb.wait_for_message(user, after=sent["message_id"])
        assert refusal["text"] == REFUSED

    sent = await sb.send_text(OTHER, "/report")
    replies = await sb.wait_for_messages(OTHER, after=sent["message_id"], count=2)
    [text] = [m["text"] for m in replies if "text" in m]
    assert text.startswith("成果指標 別市 2026年度 第3四半期")
    assert "テスト市" not in text
    assert "東地区" not in text


async def test_the_demo_towns_municipal_coordinator_reads_the_quarter(
        sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine,
        database_url: str) -> None:
    moment = datetime(2026, 11, 23, 8, tzinfo=TOKYO)
    clock.travel(moment)
    await seed_database(database_url, moment)
    seed_sandbox(sandbox)
    sent = await sb.send_text(KEN, "/report")
    replies = await sb.wait_for_messages(KEN, after=sent["message_id"], count=2)
    [text] = [m["text"] for m in replies if "text" in m]
    assert text.startswith("成果指標 こもれび市 2026年度 第3四半期（10月〜12月）\n")
    assert "人口: 令和8年4月1日現在" in text
    assert "・65歳以上の人口: 7,100 →（7,100）" in text
    assert "佐藤" not in text
    sent = await sb.send_text(MIKA, "/report")  # the district coordinator
    assert (await sb.wait_for_message(MIKA, after=sent["message_id"]))["text"] == REFUSED
