"""A coordinator broadcasts to their district; residents and the linked group get it once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import group_of, person_of
from bot.sandbox import SandboxClient, SandboxServer
from models import Activity, ActivityKind, ActivityStatus, Broadcast, BroadcastStatus, Role, clock
from models.activities import ActivityInterest
from models.db import session_factory
from tests.auxil.delivery import until_settled
from tests.auxil.town import EAST, Town, add_person, make_town, new_group, settle

labels = SandboxClient.labels

pytestmark = pytest.mark.usefixtures("bot")

MIKA, HANAKO, ICHIRO, KAZUKO, WEST_PERSON = 6001, 6002, 6003, 6004, 6005
# Who is speaking, as a municipal newsletter signs: the area, the sender's role and name.
HEADING = f"📢 {EAST}からのお知らせ\n地区の生活支援コーディネーター　田中 美香より\n\n"


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """東地区: coordinator 美香, residents 花子 and 一郎, supporter 和子; one 西地区 resident."""
    town = await make_town(engine)
    people = ((MIKA, "田中 美香", town.east, ((Role.DISTRICT_COORDINATOR, town.east),)),
              (HANAKO, "佐藤 花子", town.east, ()), (ICHIRO, "鈴木 一郎", town.east, ()),
              (KAZUKO, "伊藤 和子", town.east, ((Role.SUPPORTER, town.east),)),
              (WEST_PERSON, "山田 次郎", town.west, ()))
    for telegram_id, name, district, roles in people:
        sandbox.ensure_user(telegram_id, name.split()[1], name.split()[0], started=True)
        await add_person(engine, telegram_id, name, district, roles=roles)
    return town


async def _write(sb: SandboxClient, text: str) -> dict:
    sent = await sb.send_text(MIKA, "/broadcast")
    ask = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert ask["text"].startswith("送りたい文章を、このチャットに送ってください。")
    sent = await sb.send_text(MIKA, text)
    return await sb.wait_for_message(MIKA, after=sent["message_id"])


async def test_district_broadcast_reaches_every_resident_and_the_group_once(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    group = await new_group(sb, "東地区 ご近所ネット", {MIKA: "creator", HANAKO: "member"})
    await settle(sb)
    async with session_factory(engine)() as session, session.begin():
        tracked = await group_of(session, group["id"])
        assert tracked is not None
        tracked.district_id = town.east.id
        ichiro = await person_of(session, ICHIRO)
        assert ichiro is not None
        ichiro.language = "en"

    audience = await _write(sb, "あすの<b>サロン</b>は10時からです。")
    assert audience["text"] == f"「{EAST}」の、どなたに送りますか？"
    assert labels(audience)[:5] == ["住民のみなさん", "担い手のみなさん", "協議体メンバー",
                                     "つながっているグループ",
                                     "全員（住民・担い手・協議体・グループ）"]
    await sb.press(MIKA, audience, text="全員（住民・担い手・協議体・グループ）")
    preview = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert "人数: 4人・グループ 1件" in preview["text"]
    # What she typed is sent as she typed it, angle brackets and all, under her heading.
    assert preview["text"].endswith(HEADING + "あすの<b>サロン</b>は10時からです。")
    await sb.press(MIKA, preview, text="今すぐ送る")
    queued = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert queued["text"].startswith("送信を始めました（5件）。")

    # 美香 lives in 東地区 too: she gets the broadcast and then the report.
    arrived = await sb.wait_for_messages(MIKA, after=audience["message_id"], count=2,
                                         timeout=30)
    [report] = [m for m in arrived if m["text"].startswith("お知らせ #")]
    assert "届いた: 5件" in report["text"]
    assert "ブロックされていた: 0件" in report["text"]
    for chat_id in (MIKA, HANAKO, KAZUKO, group["id"]):
        got = [m for m in await sb.messages(chat_id) if m["from"]["is_bot"]
               and m.get("text") == HEADING + "あすの<b>サロン</b>は10時からです。"]
        assert len(got) == 1, chat_id
    # 一郎 reads English: the heading is in his language, her words as she wrote them.
    got = [m for m in await sb.messages(ICHIRO) if m["from"]["is_bot"] and m.get("text") == (
        f"📢 News from {EAST}\nfrom 田中 美香, district coordinator\n\n"
        "あすの<b>サロン</b>は10時からです。")]
    assert len(got) == 1
    assert not [m for m in await sb.messages(WEST_PERSON) if "サロン" in m.get("text", "")]

    sent = await sb.send_text(MIKA, "/broadcasts")
    listing = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert "届いた 5・待ち 0・届かず 0・ブロック 0" in listing["text"]


async def test_a_scheduled_broadcast_can_be_cancelled_before_it_goes(
    sb: SandboxClient, town: Town
) -> None:
    audience = await _write(sb, "来月の勉強会について")
    await sb.press(MIKA, audience, text="住民のみなさん")
    preview = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert "人数: 4人・グループ 0件" in preview["text"]  # 美香 and 和子 are residents too
    await sb.press(MIKA, preview, text="日時を決めて送る")
    ask = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert ask["text"].startswith("送る日時を入力してください。")

    for bad, expected in (("いつか", "日時を読み取れませんでした。"),
                          ("2020-01-01 10:00", "は、もう過ぎています。")):
        sent = await sb.send_text(MIKA, bad)
        reply = await sb.wait_for_message(MIKA, after=sent["message_id"])
        assert expected in reply["text"]
    sent = await sb.send_text(MIKA, "2099年12月1日 午前10時")
    confirm = await sb.wait_for_message(MIKA, after=sent["message_id"])
    # Not this year: the read-back says the year; only はい queues it.
    assert confirm["text"] == "2099年12月1日(火) 10:00 でよろしいですか？"
    await sb.press(MIKA, confirm, text="はい")
    scheduled = await sb.wait_for_edit(MIKA, confirm["message_id"])
    assert scheduled["text"].startswith("2099年12月1日(火) 10:00 に送ります（4件）。")

    await sb.press(MIKA, scheduled, text="送るのを取り消す")
    cancelled = await sb.wait_for_edit(MIKA, scheduled["message_id"])
    assert cancelled["text"] == "取り消しました。まだ送っていなかった 4件を止めました。"
    sent = await sb.send_text(MIKA, "/broadcasts")
    listing = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert "取り消し 4" in listing["text"]
    for chat_id in (HANAKO, ICHIRO):
        assert not [m for m in await sb.messages(chat_id) if "勉強会" in m.get("text", "")]


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    sb: SandboxClient, town: Town
) -> None:
    sent = await sb.send_text(HANAKO, "/broadcast")
    refusal = await sb.wait_for_message(HANAKO, after=sent["message_id"])
    assert refusal["text"].startswith("お知らせを送れるのは、生活支援コーディネーターだけです。")

    audience = await _write(sb, "短いお知らせ")
    query = await sb.press(MIKA, audience, data=f"bc:a:0:{town.west.id}", forge=True)
    assert (await sb.wait_for_callback_answer(query))["show_alert"] is True
    await sb.press(MIKA, audience, text="やめる")
    dropped = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert dropped["text"] == "やめました。何も送っていません。"
    # Plain text after the draft is gone is ordinary chat again.
    sent = await sb.send_text(MIKA, "こんにちは")
    reply = await sb.wait_for_message(MIKA, after=sent["message_id"])
    assert reply["text"].startswith("メッセージありがとうございます。")


async def test_people_interested_in_activities_of_one_kind(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    schedule = {"frequency": "weekly", "start": "12:00:00", "end": None, "weekdays": [2],
                "interval_weeks": 1, "nth": [], "on": None, "anchor": None}
    async with session_factory(engine)() as session, session.begin():
        for name, kind, district, status, who in (
                ("ふれあい食事会", ActivityKind.MEAL, town.east, ActivityStatus.ACTIVE, HANAKO),
                ("こども食堂", ActivityKind.MEAL, town.east, ActivityStatus.ACTIVE, HANAKO),
                ("いきいき体操", ActivityKind.EXERCISE, town.east, ActivityStatus.ACTIVE, ICHIRO),
                ("昔の食事会", ActivityKind.MEAL, town.east, ActivityStatus.ENDED, KAZUKO),
                ("西の食事会", ActivityKind.MEAL, town.west, ActivityStatus.ACTIVE, WEST_PERSON)):
            activity = Activity(name=name, kind=kind, district_id=district.id, place="公民館",
                                schedule=schedule, meanings=[], status=status)
            session.add(activity)
            await session.flush()
            person = await person_of(session, who)
            assert person is not None
            session.add(ActivityInterest(activity_id=activity.id, person_id=person.id))

    audience = await _write(sb, "食事会の献立が決まりました")
    assert labels(audience)[5] == "活動に「行ってみたい」を残した方（種類をえらぶ）"
    await sb.press(MIKA, audience, text="活動に「行ってみたい」を残した方（種類をえらぶ）")
    kinds = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert kinds["text"] == (
        f"「{EAST}」の、どの種類の活動に「行ってみたい」を残した方に送りますか？")
    await sb.press(MIKA, kinds, text="見守り")
    nobody = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert nobody["text"] == (f"「{EAST}」の「見守り」の活動に「行ってみたい」を残した方は、"
                              "まだ登録されていません。ほかの相手をえらんでください。")
    first = SandboxClient.buttons(kinds)[0][0]["callback_data"]  # bc:u:<draft>:interest_…
    forged = await sb.press(MIKA, nobody, data=first.rsplit(":", 1)[0] + ":interest_nothing",
                            forge=True)
    assert (await sb.wait_for_callback_answer(forged))["show_alert"] is True
    await sb.press(MIKA, nobody, text="活動に「行ってみたい」を残した方（種類をえらぶ）")
    kinds = await sb.wait_for_edit(MIKA, audience["message_id"])
    await sb.press(MIKA, kinds, text="食事会")
    preview = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert f"送る先: 「{EAST}」の「食事会」の活動に「行ってみたい」を残した方" in preview["text"]
    assert "人数: 1人・グループ 0件" in preview["text"]  # 花子, once for two meals
    await sb.press(MIKA, preview, text="今すぐ送る")
    queued = await sb.wait_for_edit(MIKA, audience["message_id"])
    assert queued["text"].startswith("送信を始めました（1件）。")
    arrived = await sb.wait_for_message(HANAKO, after=0, timeout=30)
    assert arrived["text"] == HEADING + "食事会の献立が決まりました"
    await settle(sb)
    await until_settled(engine)
    for chat_id, expected in ((HANAKO, 1), (ICHIRO, 0), (KAZUKO, 0), (WEST_PERSON, 0),
                              (MIKA, 0)):
        got = [m for m in await sb.messages(chat_id)
               if m["from"]["is_bot"] and m.get("text") == HEADING + "食事会の献立が決まりました"]
        assert len(got) == expected, chat_id
    await settle(sb)
    async with session_factory(engine)() as session:
        broadcast = (await session.scalars(select(Broadcast))).one()
        assert (broadcast.audience, broadcast.recipients) == ("interest_meal", 1)


async def test_a_time_to_send_later_is_asked_about_and_read_back_by_typing(
    sb: SandboxClient, engine: AsyncEngine, town: Town
) -> None:
    """Issue 16, items 3 and 4: the audience typed as on its button; 「１１月１日 ２時」 on
    30 November asks next year? then 午前 or 午後?; the time is read back with its year and
    queued only after 「はい」, all typed."""
    clock.travel(datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")))
    audience = await _write(sb, "来年の勉強会について")
    assert "住民のみなさん" in labels(audience)
    preview = await _say(sb, "住民のみなさん")
    assert preview["text"].startswith("この内容で送ります\n送る先: 「東地区」の住民のみなさん")
    assert "人数: 4人・グループ 0件" in preview["text"]
    ask = await _say(sb, "日時を決めて送る")
    assert ask["text"].startswith("送る日時を入力してください。")
    year = await _say(sb, "１１月１日 ２時")
    assert year["text"] == ("11月1日は、今年はもう過ぎています。"
                            "来年（2027年）の11月1日のことですか？")
    hour = await _say(sb, "はい")
    assert hour["text"] == "午前2時と午後2時の、どちらですか？"
    confirm = await _say(sb, "午後２時")
    assert confirm["text"] == "2027年11月1日(月) 14:00 でよろしいですか？"
    await settle(sb)
    async with session_factory(engine)() as session:
        draft = (await session.scalars(select(Broadcast))).one()
        assert draft.status == BroadcastStatus.DRAFT  # nothing queued before はい
    scheduled = await _say(sb, "はい")
    assert scheduled["text"].startswith("2027年11月1日(月) 14:00 に送ります（4件）。")
    await settle(sb)
    async with session_factory(engine)() as session:
        queued = (await session.scalars(select(Broadcast))).one()
        assert queued.status == BroadcastStatus.QUEUED
        assert queued.send_at is not None
        assert queued.send_at.astimezone(ZoneInfo("Asia/Tokyo")) == datetime(
            2027, 11, 1, 14, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


async def _say(sb: SandboxClient, text: str) -> dict:
    sent = await sb.send_text(MIKA, text)
    return await sb.wait_for_message(MIKA, after=sent["message_id"])
