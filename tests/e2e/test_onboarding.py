"""A resident joins from a group chat, reads what is kept, agrees or declines; /mydata shows it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update

from bot.app import OtagaiApplication
from bot.identity import CHANNEL, group_of, person_of
from bot.sandbox import SandboxClient, SandboxServer
from models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    AuditAction,
    GroupChat,
    Identity,
    Level,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Person,
    Role,
)
from models.activities import mark_interest
from models.audit import entries
from models.checkins import answer, preference_of, round_for_answer
from models.clock import utcnow
from models.db import session_factory
from models.meetings import join
from models.needs import Category, add_note, raise_need, set_note, start_need, take
from models.people import CONSENT_VERSION
from models.roles import roles_of
from models.watching import accept_contact, new_contact_link, set_watching
from tests.auxil.town import EAST, WEST, add_person, make_town, new_group, settle, sign_up

pytestmark = pytest.mark.usefixtures("bot")


async def _group_linked_to_east(engine: AsyncEngine, sb: SandboxClient, members: dict) -> dict:
    town = await make_town(engine)
    group = await new_group(sb, "東地区 ご近所ネット", members)
    async with session_factory(engine)() as session, session.begin():
        tracked = await group_of(session, group["id"])
        assert tracked is not None
        tracked.district_id = town.east.id
    return group


async def _person(engine: AsyncEngine, telegram_id: int) -> Person | None:
    async with session_factory(engine)() as session:
        return await person_of(session, telegram_id)


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
    assert data["identities"] == [{"channel": CHANNEL, "id": str(hanako["id"])}]
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
        # Nor is his Telegram id kept: no identity of a person remains.
        assert (await session.scalars(
            select(Identity).where(Identity.person_id.is_not(None)))).all() == []


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
        [tracked] = (await session.scalars(select(GroupChat))).all()
        found = await group_of(session, group["id"])
        assert found is not None
        assert found.id == tracked.id
        assert tracked.title == "ひだまり会"
        assert tracked.active is False


async def _identities(engine: AsyncEngine) -> list[tuple[str, str, int | None, int | None]]:
    async with session_factory(engine)() as session:
        return [(i.channel, i.external_id, i.person_id, i.group_id)
                for i in await session.scalars(select(Identity).order_by(Identity.id))]


async def test_a_person_and_a_group_are_each_known_by_exactly_one_telegram_identity(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    await make_town(engine)
    hanako = await sb.create_user(first_name="花子")
    await sign_up(sb, hanako["id"], EAST)  # /start, her district, 同意する
    await settle(sb)
    async with session_factory(engine)() as session:
        [person] = (await session.scalars(select(Person))).all()
    assert person.display_name == "花子"
    assert await _identities(engine) == [(CHANNEL, str(hanako["id"]), person.id, None)]

    # Writing again finds her: no second person, no second identity.
    for again in ("/start", "/help", "/mydata"):
        sent = await sb.send_text(hanako["id"], again)
        await sb.wait_for_message(hanako["id"], after=sent["message_id"])
    await settle(sb)
    async with session_factory(engine)() as session:
        assert [p.id for p in await session.scalars(select(Person))] == [person.id]
    assert await _identities(engine) == [(CHANNEL, str(hanako["id"]), person.id, None)]

    # A group the bot is added to is one group with one identity, also when it is removed
    # and added again.
    group = await new_group(sb, "ひだまり会", {hanako["id"]: "creator"})
    for status in ("left", "member"):
        await sb.set_bot_status(group["id"], status, by_user_id=hanako["id"])
    await sb.wait_for_message(group["id"], after=0)
    await settle(sb)
    async with session_factory(engine)() as session:
        [tracked] = (await session.scalars(select(GroupChat))).all()
        assert tracked.active is True
        assert [p.id for p in await session.scalars(select(Person))] == [person.id]
    assert await _identities(engine) == [(CHANNEL, str(hanako["id"]), person.id, None),
                                         (CHANNEL, str(group["id"]), None, tracked.id)]


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
        person = await person_of(session, ken["id"])
        assert person is not None
        person.active = False  # as the dispatcher records a 403
    sent = await sb.send_text(ken["id"], "/help")
    await sb.wait_for_message(ken["id"], after=sent["message_id"])
    await settle(sb)
    stored = await _person(engine, ken["id"])
    assert stored is not None
    assert stored.active is True


# Long ids, so that no timestamp in the file can contain one by chance.
HANAKO, MIKA, JIRO, YUKI = 710000001, 710000002, 710000003, 710000004


async def _a_life_in_the_bot(engine: AsyncEngine) -> None:
    """花子 raised a need (美香, the coordinator, took it and wrote a note), answered a
    check-in, watches with her daughter as contact, is 次郎's contact, signed up for a
    meeting, marked an activity and organises one. 次郎 has a life of his own."""
    town = await make_town(engine)
    for telegram_id, name, roles in (
            (HANAKO, "佐藤 花子", ()), (JIRO, "山田 次郎", ()), (YUKI, "佐藤 ゆき", ()),
            (MIKA, "田中 美香", ((Role.DISTRICT_COORDINATOR, town.east),))):
        await add_person(engine, telegram_id, name, town.east, roles=roles)
    now = utcnow()
    async with session_factory(engine)() as session, session.begin():
        people = [await person_of(session, i) for i in (HANAKO, MIKA, JIRO, YUKI)]
        assert None not in people
        hanako, mika, jiro, yuki = (p for p in people if p is not None)
        for who, worry, note in ((hanako, "重い荷物が持てません", "水曜に電話しました"),
                                 (jiro, "次郎の困りごと", "次郎さんへのメモ")):
            need = await start_need(session, who, None, Category.SHOPPING)
            set_note(need, worry)
            assert raise_need(need, now)
            assert await take(session, need, mika, now) is None
            add_note(session, need, mika, note)
        for who, level in ((hanako, Level.SO_SO), (jiro, Level.NEED_HELP)):
            answer(await round_for_answer(session, who, now), level, now)
        set_watching(await preference_of(session, hanako.id), True, 48)
        set_watching(await preference_of(session, jiro.id), True, 24)
        for watched, contact, name in ((hanako, yuki, "ゆき（娘）"), (jiro, hanako, "花子さん"),
                                       (jiro, yuki, "次郎の連絡先")):
            link = await new_contact_link(session, watched, now)
            assert link is not None
            assert await accept_contact(session, link, contact, name, now)
        for title, who in (("ご近所ケア会議", hanako), ("次郎だけの会", jiro)):
            meeting = Meeting(kind=MeetingKind.CARE_MEETING, title=title, area_id=town.east.id,
                              starts_at=now + timedelta(days=7), place="公民館", capacity=10,
                              organiser_id=mika.id, status=MeetingStatus.SCHEDULED)
            session.add(meeting)
            await session.flush()
            await join(session, meeting.id, who.id, now)
        activities = {}
        for name, organiser in (("花子の手芸サロン", hanako), ("ふれあい食事会", mika),
                                ("次郎の囲碁クラブ", jiro)):
            activities[name] = Activity(name=name, kind=ActivityKind.SALON, meanings=[],
                                        district_id=town.east.id, place="集会所",
                                        organiser_id=organiser.id, status=ActivityStatus.ACTIVE)
        session.add_all(activities.values())
        await session.flush()
        assert await mark_interest(session, activities["ふれあい食事会"], hanako.id)
        assert await mark_interest(session, activities["花子の手芸サロン"], jiro.id)


async def test_mydata_discloses_everything_held_about_the_person_and_nothing_of_others(
    sb: SandboxClient, engine: AsyncEngine, sandbox: SandboxServer
) -> None:
    await _a_life_in_the_bot(engine)
    sandbox.ensure_user(HANAKO, "花子", "佐藤", started=True)
    sent = await sb.send_text(HANAKO, "/mydata")
    summary, document = await sb.wait_for_messages(HANAKO, after=sent["message_id"], count=2)
    for line in ("このほかに、次の記録があります（くわしくはファイルをご覧ください）。",
                 "・困りごと: 1件（コーディネーターのメモ 1件）",
                 "・お元気確認: おたずね 1回、お答え 1回",
                 "・見守り: 利用中（緊急連絡先 1人、コーディネーターへのお知らせ 0件）",
                 "・あなたを緊急連絡先にしている人: 1人",
                 "・会への申し込み: 1件",
                 "・「行ってみたい」を残した活動: 1件",
                 "・あなたが世話役の活動: 1件"):
        assert line in summary["text"].split("\n"), line
    raw = (await sb.download(document["document"]["file_id"])).decode()
    data = json.loads(raw)

    assert data["display_name"] == "佐藤 花子"
    assert data["identities"] == [{"channel": CHANNEL, "id": str(HANAKO)}]
    [need] = data["needs"]
    assert (need["status"], need["categories"], need["note"]) == (
        "taken", ["shopping"], "重い荷物が持てません")
    assert need["taken_by"] == "district_coordinator"
    assert [(n["by"], n["text"]) for n in need["notes"]] == [
        ("district_coordinator", "水曜に電話しました")]
    [asked] = data["checkins"]["rounds"]
    assert asked["level"] == "so_so"
    assert asked["answered_at"]
    assert asked["asked_at"]
    watching = data["watching"]
    assert (watching["on"], watching["hours"]) == (True, 48)
    assert [c["name"] for c in watching["emergency_contacts"]] == ["ゆき（娘）"]
    assert [c["name"] for c in watching["contact_for"]] == ["山田 次郎"]
    assert [(s["meeting"], s["status"]) for s in data["meeting_signups"]] == [
        ("ご近所ケア会議", "confirmed")]
    assert [i["activity"] for i in data["activity_interests"]] == ["ふれあい食事会"]
    assert [a["name"] for a in data["activities_organised"]] == ["花子の手芸サロン"]
    assert {(e["action"], e["by"], e["about"]) for e in data["audit"]} == {
        ("consent.given", "you", "you"), ("role.granted", None, "you")}

    # Others: the coordinator by role only, the contact by the name she gave, nothing of
    # 次郎's own record, and no other person's Telegram id.
    for foreign in ("田中 美香", "佐藤 ゆき", "次郎の困りごと", "次郎さんへのメモ",
                    "次郎だけの会", "次郎の囲碁クラブ", "次郎の連絡先", "need_help",
                    str(MIKA), str(JIRO), str(YUKI)):
        assert foreign not in raw, foreign
