"""One router for every button (``handlers/router.py``), end to end: a press whose data does
not have its route's shape, names an unknown step, or is about a row that is not the
person's own gets the polite stale answer and changes nothing; the real button still works."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication
from bot.sandbox import SandboxClient, SandboxServer
from models import Meeting, MeetingKind, MeetingStatus, Role
from models.db import session_factory
from tests.auxil.town import Town, add_person, make_town, settle

MIKA, SAKI = 7101, 7102
STALE = "このボタンは、もう使えません。お手数ですが、もう一度はじめからお願いします。"


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """東地区 with two coordinators, 美香 and 咲."""
    town = await make_town(engine)
    for telegram_id, name in ((MIKA, "田中 美香"), (SAKI, "高橋 咲")):
        sandbox.ensure_user(telegram_id, name.split()[1], name.split()[0], started=True)
        await add_person(engine, telegram_id, name, town.east,
                         roles=((Role.DISTRICT_COORDINATOR, town.east),))
    return town


async def _drafts(engine: AsyncEngine) -> list[tuple[MeetingKind | None, str | None]]:
    async with session_factory(engine)() as session:
        return [(m.kind, m.awaiting) for m in await session.scalars(
            select(Meeting).where(Meeting.status == MeetingStatus.DRAFT))]


async def test_garbled_and_foreign_presses_are_stale_and_change_nothing(
        bot: OtagaiApplication, sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    del bot, town
    sent = await sb.send_text(MIKA, "/newevent")
    kinds = await sb.wait_for_message(MIKA, after=sent["message_id"])
    data = next(b["callback_data"] for row in SandboxClient.buttons(kinds) for b in row
                if b["text"] == "支え合いワークショップ")
    prefix, step, draft_id, kind = data.split(":")  # the format old buttons carry too
    assert (prefix, step, kind) == ("mt", "k", "workshop")
    for forged in (f"mt:k:{draft_id}:party",          # not a kind
                   f"mt:k:{draft_id}",                # the kind left out
                   f"mt:k:{draft_id}:workshop:1",     # one value too many
                   f"mt:k:{draft_id}x:workshop",      # not an id
                   f"mt:zz:{draft_id}",               # no such step
                   f"mt:k:{int(draft_id) + 1}:workshop"):  # no such draft
        query = await sb.press(MIKA, kinds, data=forged, forge=True)
        assert (await sb.wait_for_callback_answer(query))["text"] == STALE, forged
    query = await sb.press(SAKI, kinds, data=data, forge=True)  # 美香's draft, not 咲's
    assert (await sb.wait_for_callback_answer(query))["text"] == STALE
    await settle(sb)
    assert await _drafts(engine) == [(None, None)]

    await sb.press(MIKA, kinds, data=data)
    asked = await sb.wait_for_edit(MIKA, kinds["message_id"])
    assert asked["text"].startswith("「支え合いワークショップ」ですね。会の名前を送ってください")
    await settle(sb)
    assert await _drafts(engine) == [(MeetingKind.WORKSHOP, "title")]
