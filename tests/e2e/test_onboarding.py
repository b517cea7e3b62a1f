"""A resident joins from a group chat, reads what is kept, agrees or declines; /mydata shows it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update

from bot.app import OtagaiApplication
from bot.sandbox import SandboxClient, SandboxServer
from models import AuditAction, GroupChat, Person
from models.areas import find_group
from models.audit import entries
from models.db import session_factory
from models.people import CONSENT_VERSION, find_person
from models.roles import roles_of
from tests.auxil.town import EAST, WEST, make_town, new_group, settle, sign_up

pytestmark = pytest.mark.usefixtures("bot")


async def _group_linked_to_east(engine: AsyncEngine, sb: SandboxClient, members: dict) -> dict:
    town = await make_town(engine)
    group = await new_group(sb, "東地区 ご近所ネット", members)
    async with session_factory(engine)() as session, session.begin():
        tracked = await find_group(session, group["id"])
        assert tracked is not None
        tracked.district_id = town.east.id
    return group


async def _person(engine: AsyncEngine, telegram_id: int) -> Person | None:
    async with session_factory(engine)() as session:
        return await find_person(session, telegram_id)


async def test_a_newcomer_joins_from_the_group_button_and_sees_their_data(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    hanako = await sb.create_user(first_name="花子", last_name="佐藤")
    group = await _group_linked_to_east(engine, sb, {hanako["id"]: "member"})
    [introduction] = await sb.messages(group["id"])
    [[join]] = SandboxClient.buttons(introduction)
    assert join["text"] == "ボットと話す（個別チャット）"
    assert "start=g" in join["url"]
    assert "花子" not in introduction["text"]

    opened = await sb.open_link(hanako["id"], join["url"])
    _greeting, question = await sb.wait_for_messages(hanako["id"], after=opened["message_id"],
                                                    count=2)
    labels = [b["text"] for row in SandboxClient.buttons(question) for b in row]
    assert labels == [f"★ {EAST}（グループの地区）", WEST, "登録しないで使う"]  # the group's first

    await sb.press(hanako["id"], question, text=f"★ {EAST}（グループの地区）")
    consent = await sb.wait_for_edit(hanako["id"], question["message_id"])
    for words in ("記録すること", "お名前", "見る人", "生活支援コーディネーター",
                  "協議体には、人数などの数字だけが伝わります", "何のために", f"地区: {EAST}"):
        assert words in consent["text"]
    assert [b["text"] for row in SandboxClient.buttons(consent) for b in row] == [
        "同意する", "同意しない"]
    await sb.press(hanako["id"], consent, text="同意する")
    done = await sb.wait_for_edit(hanako["id"], question["message_id"])
    assert done["text"].startswith(f"ありがとうございます。\n「{EAST}」の住民として登録しました。")

    await settle(sb)
    stored = await _person(engine, hanako["id"])
    assert stored is not None
    assert stored.display_name == "佐藤 花子"
    assert stored.consent_version == CONSENT_VERSION
    assert stored.consented_at is not None

    sent = await sb.send_text(hanako["id"], "/mydata")
    summary, document = await sb.wait_for_messages(hanako["id"], after=sent["message_id"],
                                                   count=2)
    assert "お名前: 佐藤 花子" in summary["text"]
    assert f"地区: {EAST}" in summary["text"]
    assert "役割: 住民" in summary["text"]
    data = json.loads(await sb.download(document["document"]["file_id"]))
    assert document["document"]["file_name"].endswith(".json")
    assert data["display_name"] == "佐藤 花子"
    assert data["district"] == EAST
    assert data["telegram_id"] == hanako["id"]
    assert [r["role"] for r in data["roles"]] == ["resident"]
    # Nothing about her reached the group.
    for message in await sb.messages(group["id"]):
        assert "花子" not in message.get("text", "")


async def test_declining_keeps_nothing_personal(sb: SandboxClient, engine: AsyncEngine) -> None:
    await make_town(engine)
    ichiro = await sb.create_user(first_name="一郎", last_name="鈴木")
    sent = await sb.send_text(ichiro["id"], "/start")
    _greeting, question = await sb.wait_for_messages(ichiro["id"], after=sent["message_id"],
                                                     count=2)
    await sb.press(ichiro["id"], question, text=WEST)
    consent = await sb.wait_for_edit(ichiro["id"], question["message_id"])
    await sb.press(ichiro["id"], consent, text="同意しない")
    declined = await sb.wait_for_edit(ichiro["id"], question["message_id"])
    assert declined["text"].startswith("わかりました。登録はしていません。")

    await settle(sb)
    stored = await _person(engine, ichiro["id"])
    assert stored is not None
    assert (stored.display_name, stored.district_id, stored.consented_at) == (None, None, None)
    async with session_factory(engine)() as session:
        assert await roles_of(session, stored.id) == []

    sent = await sb.send_text(ichiro["id"], "/mydata")
    only_id, document = await sb.wait_for_messages(ichiro["id"], after=sent["message_id"],
                                                   count=2)
    assert only_id["text"].startswith("登録はまだです。")
    data = json.loads(await sb.download(document["document"]["file_id"]))
    assert data["display_name"] is None
    assert data["district"] is None


async def test_mydata_in_a_group_shows_nothing_and_points_to_the_private_chat(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    hanako = await sb.create_user(first_name="花子")
    group = await _group_linked_to_east(engine, sb, {hanako["id"]: "member"})
    await sign_up(sb, hanako["id"], EAST)
    sent = await sb.send_text(hanako["id"], "/mydata", chat_id=group["id"])
    reply = await sb.wait_for_message(group["id"], after=sent["message_id"])
    assert reply["text"].startswith("この操作は、ボットとの個別のチャットでお使いください。")
    assert "花子" not in reply["text"]
    assert "document" not in reply


async def test_withdrawing_consent_removes_name_and_district(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    await make_town(engine)
    kazuko = await sb.create_user(first_name="和子")
    await sign_up(sb, kazuko["id"], WEST)
    sent = await sb.send_text(kazuko["id"], "/mydata")
    summary, _document = await sb.wait_for_messages(kazuko["id"], after=sent["message_id"],
                                                    count=2)
    await sb.press(kazuko["id"], summary, text="同意を取り消す")
    ask = await sb.wait_for_edit(kazuko["id"], summary["message_id"])
    await sb.press(kazuko["id"], ask, text="はい、取り消します")
    done = await sb.wait_for_edit(kazuko["id"], summary["message_id"])
    assert done["text"].startswith("同意を取り消しました。")
    await settle(sb)
    stored = await _person(engine, kazuko["id"])
    assert stored is not None
    assert (stored.display_name, stored.district_id, stored.consented_at) == (None, None, None)
    async with session_factory(engine)() as session:
        assert [e.action for e in await entries(session)][-1] == AuditAction.CONSENT_WITHDRAWN


async def test_forget_deletes_the_person_and_leaves_an_audit_entry(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    await make_town(engine)
    ken = await sb.create_user(first_name="健")
    await sign_up(sb, ken["id"], EAST)
    sent = await sb.send_text(ken["id"], "/forget")
    ask = await sb.wait_for_message(ken["id"], after=sent["message_id"])
    assert ask["text"].startswith("あなたについての記録を、すべて削除しますか？")
    await sb.press(ken["id"], ask, text="はい、すべて削除します")
    done = await sb.wait_for_edit(ken["id"], ask["message_id"])
    assert done["text"].startswith("すべて削除しました。")

    await settle(sb)
    assert await _person(engine, ken["id"]) is None
    async with session_factory(engine)() as session:
        log = await entries(session)
        forgotten = [e for e in log if e.action == AuditAction.PERSON_FORGOTTEN]
        assert len(forgotten) == 1
        assert forgotten[0].subject_id is None
        assert forgotten[0].at is not None
        # Earlier entries about him remain as counts, no longer pointing at anyone.
        given = [e for e in log if e.action == AuditAction.CONSENT_GIVEN]
        assert given
        assert given[0].subject_id is None
        assert given[0].area_id is not None
        assert (await session.scalars(select(Person))).all() == []


async def test_forget_can_be_cancelled(sb: SandboxClient, engine: AsyncEngine) -> None:
    await make_town(engine)
    ken = await sb.create_user(first_name="健")
    await sign_up(sb, ken["id"], EAST)
    sent = await sb.send_text(ken["id"], "/forget")
    ask = await sb.wait_for_message(ken["id"], after=sent["message_id"])
    await sb.press(ken["id"], ask, text="やめる")
    done = await sb.wait_for_edit(ken["id"], ask["message_id"])
    assert done["text"] == "やめました。何も変えていません。"
    assert await _person(engine, ken["id"]) is not None


async def test_the_group_is_tracked_when_the_bot_is_added_and_removed(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    coordinator = await sb.create_user(first_name="美香")
    group = await sb.create_group("ひだまり会", members={coordinator["id"]: "creator"})
    await sb.wait_for_message(group["id"], after=0)
    await sb.set_bot_status(group["id"], "left", by_user_id=coordinator["id"])
    await settle(sb)
    async with session_factory(engine)() as session:
        tracked = (await session.scalars(
            select(GroupChat).where(GroupChat.telegram_chat_id == group["id"]))).one()
        assert tracked.title == "ひだまり会"
        assert tracked.active is False


async def test_the_same_update_delivered_twice_is_handled_once(
    sb: SandboxClient, sandbox: SandboxServer, engine: AsyncEngine, bot: OtagaiApplication
) -> None:
    person = sandbox.ensure_user(4242, "花子", started=True)
    raw = {"update_id": 987654321, "message": {
        "message_id": 1, "date": 0, "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        "chat": {"id": person["id"], "type": "private", "first_name": "花子"},
        "from": {"id": person["id"], "is_bot": False, "first_name": "花子"}}}
    for _ in range(2):  # as a webhook retry or a restart mid-batch would
        await bot.process_update(Update.de_json(raw, bot.bot))
    sends = [r for r in await sb.requests(method="sendMessage")
             if str(r["params"].get("chat_id")) == str(person["id"])]
    assert [r["status"] for r in sends] == [200]


async def test_an_old_onboarding_button_does_not_undo_a_registration(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    await make_town(engine)
    hanako = await sb.create_user(first_name="花子")
    sent = await sb.send_text(hanako["id"], "/start")
    _greeting, question = await sb.wait_for_messages(hanako["id"], after=sent["message_id"],
                                                     count=2)
    await sb.press(hanako["id"], question, text=EAST)
    consent = await sb.wait_for_edit(hanako["id"], question["message_id"])
    await sb.press(hanako["id"], consent, text="同意する")
    await sb.wait_for_edit(hanako["id"], question["message_id"])
    query = await sb.press(hanako["id"], question, data="ob:n", forge=True)
    answer = await sb.wait_for_callback_answer(query)
    assert answer["text"].startswith("もう登録は済んでいます。")
    await settle(sb)
    stored = await _person(engine, hanako["id"])
    assert stored is not None
    assert stored.has_consented


async def test_a_person_who_blocked_and_came_back_is_active_again(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    await make_town(engine)
    ken = await sb.create_user(first_name="健")
    await sign_up(sb, ken["id"], EAST)
    await settle(sb)
    async with session_factory(engine)() as session, session.begin():
        person = await find_person(session, ken["id"])
        assert person is not None
        person.active = False  # as the dispatcher records a 403
    sent = await sb.send_text(ken["id"], "/help")
    await sb.wait_for_message(ken["id"], after=sent["message_id"])
    await settle(sb)
    stored = await _person(engine, ken["id"])
    assert stored is not None
    assert stored.active is True
