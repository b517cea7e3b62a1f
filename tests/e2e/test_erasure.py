"""/forget and withdrawing consent, through the bot: nothing that names her stays (issue 15,
findings 2 and 6).

花子 registers, raises a need with a note, gets a coordinator's note and her son as watching
contact, proposes an activity with her phone number and signs up for a meeting; then she
uses /forget (or withdraws her consent in /mydata). Every value of every row in the
database is searched for her name, her Telegram id, her note, the coordinator's note and
her phone number.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import CHANNEL, person_of
from bot.sandbox import SandboxClient, SandboxServer
from models import (
    Activity,
    ActivityStatus,
    Identity,
    Meeting,
    MeetingKind,
    MeetingSignup,
    MeetingStatus,
    OutboxMessage,
    Person,
    Role,
)
from models.clock import utcnow
from models.db import session_factory
from models.watching import WatchContact
from tests.auxil.delivery import until_settled
from tests.auxil.schedules import type_schedule
from tests.auxil.town import EAST, Town, add_person, make_town, settle, sign_up
from tests.auxil.traces import references_to, rows_mentioning

pytestmark = pytest.mark.usefixtures("bot")

HANAKO, MIKA, SON = 8_123_456_789, 9302, 9303
NOTE = "心臓の持病があります"
COORDINATOR_NOTE = "電話で様子を聞いた。心臓の薬は足りている"
PHONE = "090-1234-5678"
NEEDLES = ["花子", NOTE, COORDINATOR_NOTE, PHONE, str(HANAKO)]


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """東地区 with its coordinator 美香; 花子 and her son are on Telegram."""
    town = await make_town(engine)
    sandbox.ensure_user(MIKA, "美香", "田中", started=True)
    sandbox.ensure_user(HANAKO, "花子", "佐藤", started=True)
    sandbox.ensure_user(SON, "大輔", "佐藤", started=True)
    await add_person(engine, MIKA, "田中 美香", town.east,
                     roles=((Role.DISTRICT_COORDINATOR, town.east),))
    return town


async def _say(sb: SandboxClient, user_id: int, text: str) -> dict[str, Any]:
    sent = await sb.send_text(user_id, text)
    return await sb.wait_for_message(user_id, after=sent["message_id"])


async def _last(sb: SandboxClient, chat_id: int) -> dict[str, Any]:
    return [m for m in await sb.messages(chat_id) if m["from"]["is_bot"]][-1]


async def _delivered(sb: SandboxClient, engine: AsyncEngine) -> None:
    await settle(sb)
    await until_settled(engine)


async def _register(sb: SandboxClient, engine: AsyncEngine) -> str | None:
    await sign_up(sb, HANAKO, EAST)
    await settle(sb)
    async with session_factory(engine)() as session, session.begin():
        hanako = await person_of(session, HANAKO)
        assert hanako is not None
        assert hanako.display_name == "佐藤 花子"
        hanako.quiet_from = hanako.quiet_until = 0  # tests run at any hour
        return hanako.language


async def _need_with_notes(sb: SandboxClient, engine: AsyncEngine) -> None:
    question = await _say(sb, HANAKO, "/checkin")
    await sb.press(HANAKO, question, text="少し困っている")
    choose = await sb.wait_for_edit(HANAKO, question["message_id"])
    await sb.press(HANAKO, choose, text="健康・からだ")
    chosen = await sb.wait_for_edit(HANAKO, question["message_id"])
    await sb.press(HANAKO, chosen, text="次へ")
    await sb.wait_for_edit(HANAKO, question["message_id"])
    await _say(sb, HANAKO, NOTE)
    await _delivered(sb, engine)
    notice = await _last(sb, MIKA)
    assert "佐藤 花子さん（東地区）" in notice["text"]
    assert NOTE in notice["text"]
    await sb.press(MIKA, notice, text="対応します")
    card = await sb.wait_for_edit(MIKA, notice["message_id"])
    await sb.press(MIKA, card, text="メモを書く")
    await sb.wait_for_message(MIKA, after=card["message_id"])
    saved = await _say(sb, MIKA, COORDINATOR_NOTE)
    assert saved["text"].startswith("メモを残しました。")
    await _delivered(sb, engine)


async def _family_contact(sb: SandboxClient, engine: AsyncEngine) -> None:
    explain = await _say(sb, HANAKO, "/watch")
    await sb.press(HANAKO, explain, text="48時間で始める")
    menu = await sb.wait_for_edit(HANAKO, explain["message_id"])
    await sb.press(HANAKO, menu, text="連絡先（ご家族など）を追加する")
    link_message = await sb.wait_for_message(HANAKO, after=menu["message_id"])
    link = next(word for word in link_message["text"].split()
                if word.startswith("https://t.me/"))
    opened = await sb.open_link(SON, link)
    ask = await sb.wait_for_message(SON, after=opened["message_id"])
    await sb.press(SON, ask, text="引き受ける")
    accepted = await sb.wait_for_edit(SON, ask["message_id"])
    assert "佐藤 花子さん" in accepted["text"]
    await _delivered(sb, engine)


async def _activity_with_her_phone(sb: SandboxClient, engine: AsyncEngine) -> None:
    await _say(sb, HANAKO, "/newactivity")
    kinds = await _say(sb, HANAKO, "手芸サロン")
    await sb.press(HANAKO, kinds, text="食事会")
    meanings = await sb.wait_for_edit(HANAKO, kinds["message_id"])
    await sb.press(HANAKO, meanings, text="次へ")
    await sb.wait_for_edit(HANAKO, kinds["message_id"])
    await _say(sb, HANAKO, "公民館")
    capacity = await type_schedule(sb, HANAKO, "毎週火曜 10時から11時半")
    assert capacity["text"].startswith("定員はありますか？"), capacity["text"]
    contact = await _say(sb, HANAKO, "10")
    assert contact["text"].startswith("参加したい人への連絡先を、のせますか？")
    description = await _say(sb, HANAKO, f"{PHONE}（佐藤）")
    assert description["text"].startswith("ひとことで、どんな活動ですか？")
    summary = await _say(sb, HANAKO, "みんなで手芸をします")
    assert PHONE in summary["text"]
    await sb.press(HANAKO, summary, text="この内容で登録する")
    await sb.wait_for_edit(HANAKO, summary["message_id"])
    await _delivered(sb, engine)
    request = await _last(sb, MIKA)
    assert request["text"].startswith("活動の登録のお願いが届きました")
    await sb.press(MIKA, request, text="承認する")
    await sb.wait_for_edit(MIKA, request["message_id"])
    await _delivered(sb, engine)


async def _meeting_sign_up(sb: SandboxClient, engine: AsyncEngine, town: Town) -> int:
    async with session_factory(engine)() as session, session.begin():
        meeting = Meeting(kind=MeetingKind.WORKSHOP, title="支え合いワークショップ",
                          area_id=town.east.id, starts_at=utcnow() + timedelta(days=5),
                          capacity=10, place="公民館", status=MeetingStatus.SCHEDULED)
        session.add(meeting)
        await session.flush()
        meeting_id = meeting.id
    heading = await _say(sb, HANAKO, "/events")
    card = await sb.wait_for_message(HANAKO, after=heading["message_id"])
    await sb.press(HANAKO, card, text="参加する")
    await sb.wait_for_edit(HANAKO, card["message_id"])
    await _delivered(sb, engine)
    return meeting_id


async def _what_stays_of_her_activity_and_watching(engine: AsyncEngine) -> None:
    """The salon she organises stays, approved, without her phone; her son is no longer
    anyone's contact."""
    async with session_factory(engine)() as session:
        salon = (await session.scalars(select(Activity))).one()
        assert (salon.name, salon.status, salon.contact, salon.organiser_id) == (
            "手芸サロン", ActivityStatus.ACTIVE, None, None)
        assert (await session.scalars(select(WatchContact))).all() == []


async def _live_her_life(sb: SandboxClient, engine: AsyncEngine, town: Town
                         ) -> tuple[int, str | None, int]:
    """Return the meeting she signed up for, her language and her person id."""
    language = await _register(sb, engine)
    await _need_with_notes(sb, engine)
    await _family_contact(sb, engine)
    await _activity_with_her_phone(sb, engine)
    meeting_id = await _meeting_sign_up(sb, engine, town)
    found = {(table, column) for table, column, _v in await rows_mentioning(engine, NEEDLES)}
    assert {("person", "display_name"), ("need", "note"), ("need_note", "text"),
            ("activity", "contact")} <= found, found
    # The bot's messages to her name her as a person, not by her Telegram id (the channel
    # finds her chat when it sends): rows that /forget and withdrawal must take with her.
    async with session_factory(engine)() as session:
        her = await person_of(session, HANAKO)
    assert her is not None
    assert ("outbox_message", "person_id") in {
        (table, column) for table, column, _n in await references_to(engine, her.id)}
    return meeting_id, language, her.id


async def _identities_of_her(engine: AsyncEngine, person_id: int
                             ) -> list[tuple[str, str, int | None]]:
    """Every identity that is hers or carries her Telegram id."""
    async with session_factory(engine)() as session:
        return [(i.channel, i.external_id, i.person_id) for i in await session.scalars(
            select(Identity).where(or_(Identity.person_id == person_id,
                                       Identity.external_id == str(HANAKO))))]


async def _outbox_rows_of_her(engine: AsyncEngine, person_id: int) -> list[str]:
    """The keys of outbox rows to her or about her."""
    async with session_factory(engine)() as session:
        return list(await session.scalars(select(OutboxMessage.idempotency_key).where(
            or_(OutboxMessage.person_id == person_id,
                OutboxMessage.subject_person_id == person_id))))


async def test_after_forget_nothing_names_her(sb: SandboxClient, engine: AsyncEngine,
                                              town: Town) -> None:
    meeting_id, _language, her_id = await _live_her_life(sb, engine, town)
    sent = await sb.send_text(HANAKO, "/forget")
    ask = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    await sb.press(HANAKO, ask, text="はい、すべて削除します")
    done = await sb.wait_for_edit(HANAKO, ask["message_id"])
    assert done["text"].startswith("すべて削除しました。")
    await _delivered(sb, engine)

    assert await rows_mentioning(engine, NEEDLES) == []
    await _what_stays_of_her_activity_and_watching(engine)
    # No row points at her any more: no identity keeps her Telegram id, no outbox row is
    # to her or about her.
    assert await _identities_of_her(engine, her_id) == []
    assert await _outbox_rows_of_her(engine, her_id) == []
    assert await references_to(engine, her_id) == []
    async with session_factory(engine)() as session:
        assert await person_of(session, HANAKO) is None
        assert (await session.scalars(select(MeetingSignup).where(
            MeetingSignup.meeting_id == meeting_id))).all() == []


async def test_after_withdrawal_only_her_telegram_id_and_language_stay(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    _meeting, language, her_id = await _live_her_life(sb, engine, town)
    sent = await sb.send_text(HANAKO, "/mydata")
    summary, _document = await sb.wait_for_messages(HANAKO, after=sent["message_id"], count=2)
    await sb.press(HANAKO, summary, text="同意を取り消す")
    ask = await sb.wait_for_edit(HANAKO, summary["message_id"])
    await sb.press(HANAKO, ask, text="はい、取り消します")
    done = await sb.wait_for_edit(HANAKO, summary["message_id"])
    assert done["text"].startswith("同意を取り消しました。")
    await _delivered(sb, engine)

    assert await rows_mentioning(engine, NEEDLES,
                                 allowed=frozenset({("identity", "external_id")})) == []
    await _what_stays_of_her_activity_and_watching(engine)
    # Her Telegram id stays only as her one identity; no outbox row is to her or about her.
    assert await _identities_of_her(engine, her_id) == [(CHANNEL, str(HANAKO), her_id)]
    assert await _outbox_rows_of_her(engine, her_id) == []
    async with session_factory(engine)() as session:
        hanako = await person_of(session, HANAKO)
        assert hanako is not None
        assert hanako.id == her_id
        kept = {column.name: getattr(hanako, column.key)
                for column in Person.__table__.columns
                if column.name not in ("id", "created_at", "active")}
        assert kept == {"language": language, "display_name": None,
                        "district_id": None, "consented_at": None, "consent_version": None,
                        "quiet_from": None, "quiet_until": None}
