"""Leaving a conversation, typing a button's words, and questions that lapse (issue 16, items
1 and 3), walked as an older resident would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from models import Activity, Broadcast, Meeting, Need, NeedStatus, Role, clock
from models.conversation import OpenQuestion
from models.db import session_factory
from tests.auxil.town import Town, add_person, make_town, settle

pytestmark = pytest.mark.usefixtures("bot")

HANAKO, MIKA = 9301, 9302


@pytest.fixture
async def town(engine: AsyncEngine, sandbox: SandboxServer) -> Town:
    """花子 lives in 東地区, 美香 coordinates it."""
    town = await make_town(engine)
    sandbox.ensure_user(HANAKO, "花子", "佐藤", started=True)
    sandbox.ensure_user(MIKA, "美香", "田中", started=True)
    await add_person(engine, HANAKO, "佐藤 花子", town.east)
    await add_person(engine, MIKA, "田中 美香", town.east,
                     roles=((Role.DISTRICT_COORDINATOR, town.east),))
    return town


def _bot(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if m["from"]["is_bot"]]


async def _say(sb: SandboxClient, user_id: int, text: str) -> dict[str, Any]:
    sent = await sb.send_text(user_id, text)
    return await sb.wait_for_message(user_id, after=sent["message_id"])


async def _said_after(sb: SandboxClient, user_id: int, text: str) -> list[str]:
    """Send ``text``; return every message the bot sent after it."""
    sent = await sb.send_text(user_id, text)
    await sb.wait_for_message(user_id, after=sent["message_id"])
    await settle(sb)
    return [m["text"] for m in _bot(await sb.messages(user_id))
            if m["message_id"] > sent["message_id"]]


async def _needs(engine: AsyncEngine, sb: SandboxClient) -> list[Need]:
    await settle(sb)  # the reply goes out before its update commits
    async with session_factory(engine)() as session:
        return list(await session.scalars(select(Need).order_by(Need.id)))


async def _to_the_note(sb: SandboxClient) -> dict[str, Any]:
    """花子: /checkin → 少し困っている → ゴミ出し → 次へ; return the question for a note."""
    question = await _say(sb, HANAKO, "/checkin")
    await sb.press(HANAKO, question, text="少し困っている")
    choose = await sb.wait_for_edit(HANAKO, question["message_id"])
    await sb.press(HANAKO, choose, text="ゴミ出し")
    chosen = await sb.wait_for_edit(HANAKO, question["message_id"])
    await sb.press(HANAKO, chosen, text="次へ")
    ask_note = await sb.wait_for_edit(HANAKO, question["message_id"])
    assert "地区の生活支援コーディネーターにだけ伝わります" in ask_note["text"]
    return ask_note


async def test_words_typed_after_moving_on_are_not_a_needs_note(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    """Item 1: after /activities, 「ありがとう」 is not sent to 美香 as the need's note."""
    await _to_the_note(sb)
    said = await _said_after(sb, HANAKO, "/activities")
    reply = await _say(sb, HANAKO, "ありがとう")
    await settle(sb)
    assert [n.note for n in await _needs(engine, sb)] == [None]
    assert not any("ありがとう" in m["text"] for m in _bot(await sb.messages(MIKA)))
    # She was told the note is no longer awaited, and her need not sent yet; her words
    # got the usual answer to words nobody waits for.
    assert said[0].startswith("ひとことの入力は、ここで終わりにしました。困りごとは、まだ送って")
    assert reply["text"].startswith("メッセージありがとうございます")


async def test_leaving_with_words_at_the_note_sends_nothing(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    await _to_the_note(sb)
    reply = await _say(sb, HANAKO, "キャンセル。")
    assert reply["text"] == "困りごとの連絡の入力をやめました。何も保存していません。"
    assert [n.status for n in await _needs(engine, sb)] == [NeedStatus.WITHDRAWN]
    again = await _say(sb, HANAKO, "足が痛い")
    assert again["text"].startswith("メッセージありがとうございます")
    assert [n.note for n in await _needs(engine, sb)] == [None]


async def test_newactivity_is_left_at_the_name_and_at_the_kind(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    ask = await _say(sb, HANAKO, "/newactivity")
    assert ask["text"].startswith("新しい活動を登録します。")
    left = await _say(sb, HANAKO, "やめる")
    assert left["text"] == "活動の登録の入力をやめました。何も保存していません。"
    reply = await _say(sb, HANAKO, "朝の散歩会")
    assert reply["text"].startswith("メッセージありがとうございます")

    await _say(sb, HANAKO, "/newactivity")
    kinds = await _say(sb, HANAKO, "朝の散歩会")
    assert kinds["text"] == "「朝の散歩会」は、どの種類の活動ですか？"
    again = await _say(sb, HANAKO, "散歩")  # not one of the kinds: the question again
    assert again["text"].startswith("さきほどの質問が、まだ終わっていません。")
    assert "どの種類の活動ですか" in again["text"]
    assert SandboxClient.labels(again) == SandboxClient.labels(kinds)
    left = await _say(sb, HANAKO, "/cancel")
    assert left["text"] == "活動の登録の入力をやめました。何も保存していません。"
    await settle(sb)
    async with session_factory(engine)() as session:
        assert list(await session.scalars(select(Activity))) == []
        assert list(await session.scalars(select(OpenQuestion))) == []
    nothing = await _say(sb, HANAKO, "/cancel")
    assert nothing["text"] == "いま、やめる入力はありません。"


async def test_a_typed_answer_is_the_button(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    """Item 3: 「元気です」 after /checkin, 「買い物」 after 少し困っている."""
    await _say(sb, HANAKO, "/checkin")
    thanks = await _say(sb, HANAKO, "元気です")
    assert "お元気でなによりです" in thanks["text"]

    await _say(sb, HANAKO, "/checkin")
    choose = await _say(sb, HANAKO, "少し困っている")
    assert choose["text"].startswith("どんなことでお困りですか？")
    chosen = await _say(sb, HANAKO, "「買い物」")
    assert "✅ 買い物" in SandboxClient.labels(chosen)
    ask_note = await _say(sb, HANAKO, "次へ")
    assert "地区の生活支援コーディネーターにだけ伝わります" in ask_note["text"]
    sent = await _say(sb, HANAKO, "重い物が持てません")
    assert sent["text"].startswith("ありがとうございます。「買い物」のこと、")
    assert [n.note for n in await _needs(engine, sb)] == ["重い物が持てません"]


async def test_yes_typed_at_the_date_read_back(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    kinds = await _say(sb, MIKA, "/newevent")
    ask_title = await _say(sb, MIKA, "ご近所ケア会議")
    assert ask_title["text"].startswith("「ご近所ケア会議」ですね。")
    await _say(sb, MIKA, "見守りの話し合い")
    day = clock.utcnow() + timedelta(days=10)
    read_back = await _say(sb, MIKA, f"{day.month}月{day.day}日 14:00-15:30")
    assert "はい" in SandboxClient.labels(read_back)
    said = await _said_after(sb, MIKA, "はい")
    assert said[0].startswith("日時: ")
    assert said[1].startswith("場所")
    await settle(sb)
    async with session_factory(engine)() as session:
        meeting = (await session.scalars(select(Meeting))).one()
        assert meeting.awaiting == "place"
    assert SandboxClient.buttons(kinds) != []


async def test_a_typed_answer_after_the_question_lapsed_is_not_attached(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    await _to_the_note(sb)
    await settle(sb)
    async with session_factory(engine)() as session:
        question = (await session.scalars(select(OpenQuestion))).one()
        assert (question.topic, question.typed) == ("need.note", True)
    clock.travel(clock.utcnow() + timedelta(minutes=31))
    said = await _said_after(sb, HANAKO, "足が痛い")
    assert said[0].startswith("しばらく時間がたったので、さきほどの質問は終わりにしました。")
    needs = await _needs(engine, sb)
    assert [(n.note, n.status, n.awaiting_note) for n in needs] == [
        (None, NeedStatus.DRAFT, False)]


async def test_every_typed_step_lapses_even_one_its_flow_did_not_record(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    """/broadcast waits for its text without recording a question: it lapses all the same."""
    ask = await _say(sb, MIKA, "/broadcast")
    await settle(sb)
    clock.travel(clock.utcnow() + timedelta(minutes=31))
    said = await _said_after(sb, MIKA, "明日は清掃の日です")
    assert said[0].startswith("しばらく時間がたったので、さきほどの質問は終わりにしました。")
    async with session_factory(engine)() as session:
        assert list(await session.scalars(select(Broadcast.text))) in ([], [None])
    assert ask["text"] != said[0]


async def test_newactivity_walked_by_typing_the_buttons_words(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    await _say(sb, HANAKO, "/newactivity")
    await _say(sb, HANAKO, "朝の散歩会")
    meanings = await _say(sb, HANAKO, "趣味・学び")
    assert "朝の散歩会" in meanings["text"]
    chosen = await _say(sb, HANAKO, "孤立防止")
    assert "✅ 孤立防止" in SandboxClient.labels(chosen)
    place = await _say(sb, HANAKO, "次へ")
    assert place["text"].startswith("場所")
    await settle(sb)
    async with session_factory(engine)() as session:
        draft = (await session.scalars(select(Activity))).one()
        assert (draft.kind, draft.meanings, draft.awaiting) == (
            "hobby", ["isolation"], "place")


async def test_leaving_a_menu_says_what_was_chosen_is_kept(sb: SandboxClient,
                                                            town: Town) -> None:
    # A menu whose choices are saved when pressed: 「やめる」 must not say nothing was saved.
    await _say(sb, HANAKO, "/settings")
    shown = await _said_after(sb, HANAKO, "お元気確認の曜日と時間")  # typed: the button
    assert shown, shown
    assert shown[-1].startswith("お元気確認"), shown
    said = await _said_after(sb, HANAKO, "火")  # typed: Tuesday, saved at once
    assert any("火曜日" in text for text in said), said
    left = await _said_after(sb, HANAKO, "やめる")
    assert left == ["わかりました。ここで終わりにします。\n"
                    "ボタンで選んだことは、選んだときに保存してあります。"]
    again = await _said_after(sb, HANAKO, "やめる")
    assert again == ["いま、やめる入力はありません。"]


async def test_a_label_typed_without_its_note_or_half_of_it(sb: SandboxClient,
                                                            town: Town) -> None:
    # 「いいえ」 for 「いいえ（入力しなおす）」, 「午後」 for 「午後2時」 (seen walking /newevent).
    clock.travel(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # 11月1日 past, 12月3日 ahead
    await _say(sb, MIKA, "/newevent")
    await _say(sb, MIKA, "ご近所ケア会議")
    await _say(sb, MIKA, "年末の見守りの相談")
    asked = await _say(sb, MIKA, "11月1日 14時")
    assert "来年" in asked["text"]
    retyped = await _say(sb, MIKA, "いいえ")
    assert retyped["text"].startswith("日にちと時間を送ってください"), retyped["text"]
    hour = await _say(sb, MIKA, "１２月３日 ２時")
    assert "午前2時と午後2時" in hour["text"]
    read_back = await _say(sb, MIKA, "午後")
    assert "14:00" in read_back["text"]
    assert "よろしいですか" in read_back["text"]
