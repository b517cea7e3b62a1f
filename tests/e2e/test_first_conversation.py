"""A person meets the bot: /start, /help, /language, and the polite answers to mistakes."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication
from bot.identity import person_of
from bot.sandbox import SandboxClient
from models.db import session_factory
from tests.auxil.town import EAST, WEST, add_person, make_town

labels = SandboxClient.labels

pytestmark = pytest.mark.usefixtures("bot")


async def _bot_messages_between(sb: SandboxClient, chat_id: int, first: int, last: int) -> int:
    messages = await sb.messages(chat_id, after=first)
    return sum(1 for m in messages if m["from"]["is_bot"] and m["message_id"] < last)


async def test_start_greets_a_newcomer_and_asks_for_the_district(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    await make_town(engine)
    hanako = await sb.create_user(first_name="花子", language_code="ja")
    sent = await sb.send_text(hanako["id"], "/start")
    greeting, question = await sb.wait_for_messages(hanako["id"], after=sent["message_id"],
                                                     count=2)
    assert greeting["text"].startswith("こんにちは。お互いさまです。")
    assert "困ったときは、お互いさまです。" in greeting["text"]
    assert question["text"] == "お住まいの地区をえらんでください。"
    assert labels(question) == [EAST, WEST, "登録しないで使う"]


async def test_start_before_any_district_exists_says_so(sb: SandboxClient) -> None:
    person = await sb.create_user(first_name="花子")
    sent = await sb.send_text(person["id"], "/start")
    _greeting, notice = await sb.wait_for_messages(person["id"], after=sent["message_id"],
                                                   count=2)
    assert notice["text"].startswith("まだ地区が登録されていません。")


async def test_start_for_a_registered_person_shows_the_menu(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    town = await make_town(engine)
    hanako = await sb.create_user(first_name="花子")
    await add_person(engine, hanako["id"], "佐藤 花子", town.east)
    sent = await sb.send_text(hanako["id"], "/start")
    reply = await sb.wait_for_message(hanako["id"], after=sent["message_id"])
    assert reply["text"].startswith("こんにちは。お互いさまです。")
    assert labels(reply) == ["使い方を見る", "言語 / Language"]


async def test_help_lists_the_private_commands(sb: SandboxClient) -> None:
    person = await sb.create_user(first_name="一郎")
    sent = await sb.send_text(person["id"], "/help")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("使い方\n")
    for line in ("/start — はじめに", "/help — 使い方", "/language — 言語をえらぶ",
                 "/mydata — わたしの登録内容を見る", "/forget — 登録をすべて削除する"):
        assert line in reply["text"]
    for command in ("/invite", "/addarea", "/areas", "/link"):  # not for residents
        assert command not in reply["text"]
    # Exactly one answer: the next command's reply follows right after it.
    marker = await sb.send_text(person["id"], "/language")
    await sb.wait_for_message(person["id"], after=marker["message_id"])
    assert await _bot_messages_between(
        sb, person["id"], sent["message_id"], marker["message_id"]) == 1


async def test_help_button_under_the_greeting(sb: SandboxClient, engine: AsyncEngine) -> None:
    town = await make_town(engine)
    person = await sb.create_user(first_name="和子")
    await add_person(engine, person["id"], "伊藤 和子", town.west)
    sent = await sb.send_text(person["id"], "/start")
    greeting = await sb.wait_for_message(person["id"], after=sent["message_id"])
    query = await sb.press(person["id"], greeting, text="使い方を見る")
    assert (await sb.wait_for_callback_answer(query))["answered"]
    help_message = await sb.wait_for_message(person["id"], after=greeting["message_id"])
    assert "/language — 言語をえらぶ" in help_message["text"]


async def test_switch_to_english_and_back(
    sb: SandboxClient, bot: OtagaiApplication, engine: AsyncEngine
) -> None:
    person = await sb.create_user(first_name="Mika", language_code="ja")
    sent = await sb.send_text(person["id"], "/language")
    question = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert question["text"] == "表示する言語をえらんでください。"
    assert labels(question) == ["日本語", "English"]

    await sb.press(person["id"], question, text="English")
    edited = await sb.wait_for_edit(person["id"], question["message_id"])
    assert edited["text"] == "The bot will now speak English."

    sent = await sb.send_text(person["id"], "/help")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("How to use")
    # The person's own command menu follows their choice.
    menus = await sb.requests(method="setMyCommands")
    assert any(str(r["params"].get("scope", "")).find(str(person["id"])) >= 0 for r in menus)

    async with session_factory(engine)() as session:
        stored = await person_of(session, person["id"])
        assert stored is not None
        assert stored.language == "en"

    sent = await sb.send_text(person["id"], "/language")
    question = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert question["text"] == "Please choose a language."
    await sb.press(person["id"], question, text="日本語")
    edited = await sb.wait_for_edit(person["id"], question["message_id"])
    assert edited["text"] == "日本語で表示します。"


async def test_pressing_the_same_language_twice_is_harmless(sb: SandboxClient) -> None:
    person = await sb.create_user(first_name="健")
    sent = await sb.send_text(person["id"], "/language")
    question = await sb.wait_for_message(person["id"], after=sent["message_id"])
    await sb.press(person["id"], question, text="日本語")
    await sb.wait_for_edit(person["id"], question["message_id"])
    again = await sb.press(person["id"], question, data="lang:ja", forge=True)
    answer = await sb.wait_for_callback_answer(again)
    assert answer["answered"]
    assert not answer.get("show_alert")  # not the error apology


async def test_unknown_command_points_to_help(sb: SandboxClient) -> None:
    person = await sb.create_user(first_name="花子")
    sent = await sb.send_text(person["id"], "/dance")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"] == (
        "「/dance」という言葉は分かりませんでした。\n使える言葉は /help でご覧になれます。"
    )


async def test_plain_text_gets_a_gentle_pointer(sb: SandboxClient) -> None:
    person = await sb.create_user(first_name="花子")
    sent = await sb.send_text(person["id"], "こんにちは、買い物を手伝ってほしいです")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("メッセージありがとうございます。")


@pytest.mark.parametrize("data", ["lang:xx", "lang:ja:extra:junk", "removed-feature:42", "😀"])
async def test_stale_or_forged_buttons_get_a_short_alert(
    sb: SandboxClient, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    person = await sb.create_user(first_name="花子")
    sent = await sb.send_text(person["id"], "/language")
    question = await sb.wait_for_message(person["id"], after=sent["message_id"])
    query = await sb.press(person["id"], question, data=data, forge=True)
    answer = await sb.wait_for_callback_answer(query)
    if data == "lang:ja:extra:junk":  # the first value is what counts; extra is ignored
        assert answer["answered"]
        return
    assert answer["text"] == (
        "このボタンは、もう使えません。お手数ですが、もう一度はじめからお願いします。"
    )
    assert answer["show_alert"] is True
    assert "Traceback" not in caplog.text


async def test_in_a_group_start_introduces_the_bot(sb: SandboxClient) -> None:
    coordinator = await sb.create_user(first_name="美香")
    members = {coordinator["id"]: "creator"}
    group = await sb.create_group("みどり地区 ご近所ネット", members=members)
    introduction = await sb.wait_for_message(group["id"], after=0)  # on being added
    sent = await sb.send_text(coordinator["id"], "/start", chat_id=group["id"])
    reply = await sb.wait_for_message(group["id"], after=sent["message_id"])
    for message in (introduction, reply):
        assert message["text"].startswith("こんにちは。お互いさまBotです。")
        assert labels(message) == ["ボットと話す（個別チャット）"]


async def test_in_a_group_other_bots_commands_and_chatter_are_ignored(
    sb: SandboxClient, bot: OtagaiApplication
) -> None:
    member = await sb.create_user(first_name="一郎")
    group = await sb.create_group("ひだまり会", members={member["id"]: "creator"})
    await sb.send_text(member["id"], "/weather", chat_id=group["id"])
    await sb.send_text(member["id"], "今日は暑いですね", chat_id=group["id"])
    await sb.send_text(member["id"], "/dance@otherbot", chat_id=group["id"])
    # A command addressed to us is the marker: the bot answers it and nothing before it
    # but its introduction on being added to the group.
    last = await sb.send_text(member["id"], f"/nope@{bot.bot.username}", chat_id=group["id"])
    introduction, reply = await sb.wait_for_messages(group["id"], after=0, count=2)
    assert introduction["text"].startswith("こんにちは。")
    assert reply["message_id"] > last["message_id"]
    assert reply["text"].startswith("「/nope」という言葉は分かりませんでした。")
