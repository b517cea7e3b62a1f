"""SandboxClient: people act over HTTP while a PTB Bot plays the bot through the Bot API."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import NetworkError

from bot.sandbox import SandboxClient, SandboxError, SandboxServer

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("日本語", callback_data="lang:ja"),
            InlineKeyboardButton("English", callback_data="lang:en"),
        ],
        [InlineKeyboardButton("ウェブ", url="https://example.org/")],
    ]
)


async def next_update(tg: Bot, offset: int = 0) -> Update:
    """Return the next update the bot receives (long poll)."""
    updates = await tg.get_updates(offset=offset, timeout=5)
    assert updates, "the bot received nothing"
    return updates[0]


async def test_person_writes_and_waits_for_the_bots_reply(sb: SandboxClient, tg: Bot) -> None:
    hanako = await sb.create_user(first_name="花子", language_code="ja")
    assert hanako["id"] >= 1001
    assert hanako["language_code"] == "ja"
    sent = await sb.send_text(hanako["id"], "/start")
    assert sent["chat"]["id"] == hanako["id"]

    async def bot_replies_later() -> None:
        update = await next_update(tg)
        assert update.message is not None
        assert update.message.text == "/start"
        await asyncio.sleep(0.2)
        await tg.send_message(hanako["id"], "こんにちは", reply_markup=KEYBOARD)

    replier = asyncio.create_task(bot_replies_later())
    started = time.monotonic()
    reply = await sb.wait_for_message(hanako["id"], after=sent["message_id"], timeout=5)
    await replier
    assert time.monotonic() - started < 3
    assert reply["text"] == "こんにちは"
    assert reply["from"]["is_bot"] is True
    labels = [[b["text"] for b in row] for row in SandboxClient.buttons(reply)]
    assert labels == [["日本語", "English"], ["ウェブ"]]
    assert SandboxClient.buttons(sent) == []
    assert [m["message_id"] for m in await sb.messages(hanako["id"])] == [1, 2]


async def test_press_by_text_and_data_then_callback_answers(sb: SandboxClient, tg: Bot) -> None:
    person = await sb.create_user(first_name="一郎")
    await sb.send_text(person["id"], "/language")
    first = await next_update(tg)
    question = await tg.send_message(person["id"], "言語は？", reply_markup=KEYBOARD)
    message = (await sb.messages(person["id"], after=question.message_id - 1))[0]

    query_id = await sb.press(person["id"], message, text="English")
    update = await next_update(tg, first.update_id + 1)
    assert update.callback_query is not None
    assert update.callback_query.id == query_id
    assert update.callback_query.data == "lang:en"
    assert update.callback_query.from_user.id == person["id"]
    assert not (await sb.callback_answer(query_id))["answered"]
    await update.callback_query.answer("英語にしました", show_alert=True)
    answer = await sb.wait_for_callback_answer(query_id, timeout=5)
    assert answer["answered"] is True
    assert answer["text"] == "英語にしました"
    assert answer["show_alert"] is True

    by_data = await sb.press(person["id"], message, data="lang:ja")
    update = await next_update(tg, update.update_id + 1)
    assert update.callback_query is not None
    assert (update.callback_query.id, update.callback_query.data) == (by_data, "lang:ja")


async def test_pressing_missing_or_url_buttons_is_refused_unless_forged(
    sb: SandboxClient, tg: Bot
) -> None:
    person = await sb.create_user(first_name="和子")
    await sb.send_text(person["id"], "/start")
    first = await next_update(tg)
    await tg.send_message(person["id"], "どうぞ", reply_markup=KEYBOARD)
    message = await sb.wait_for_message(person["id"], timeout=5)

    with pytest.raises(SandboxError, match="no inline button") as missing:
        await sb.press(person["id"], message, text="中文")
    assert missing.value.status == 400
    assert "日本語" in missing.value.message  # the error lists the real buttons
    with pytest.raises(SandboxError, match="not a callback button"):
        await sb.press(person["id"], message, text="ウェブ")

    forged = await sb.press(person["id"], message, data="removed-feature:42", forge=True)
    update = await next_update(tg, first.update_id + 1)
    assert update.callback_query is not None
    assert (update.callback_query.id, update.callback_query.data) == (
        forged,
        "removed-feature:42",
    )


async def test_wait_for_message_times_out_with_what_the_chat_holds(sb: SandboxClient) -> None:
    person = await sb.create_user(first_name="健")
    await sb.send_text(person["id"], "だれかいますか")
    with pytest.raises(TimeoutError) as caught:
        await sb.wait_for_message(person["id"], after=0, timeout=0.3)
    assert "だれかいますか" in str(caught.value)
    assert f"chat {person['id']}" in str(caught.value)


async def test_wait_for_edit_and_several_messages(
    server: SandboxServer, sb: SandboxClient, tg: Bot
) -> None:
    person = await sb.create_user(first_name="美香")
    sent = await sb.send_text(person["id"], "/start")
    for text in ("一つ目", "二つ目"):
        await tg.send_message(person["id"], text, reply_markup=KEYBOARD)
    first, second = await sb.wait_for_messages(
        person["id"], after=sent["message_id"], count=2, timeout=5
    )
    assert (first["text"], second["text"]) == ("一つ目", "二つ目")

    async def edit_twice_later() -> None:
        await asyncio.sleep(0.1)
        await tg.edit_message_text("変更1", person["id"], first["message_id"])
        await tg.edit_message_text("変更2", person["id"], first["message_id"])

    editor = asyncio.create_task(edit_twice_later())
    edited = await sb.wait_for_edit(person["id"], first["message_id"], timeout=5)
    await editor
    assert edited["text"] in ("変更1", "変更2")
    # Two edits in the same second still count as changes (an edit counter, not edit_date).
    await tg.edit_message_text("変更3", person["id"], first["message_id"])
    latest = await sb.wait_for_edit(person["id"], first["message_id"], timeout=5)
    assert latest["text"] == "変更3"
    with pytest.raises(TimeoutError, match="to be edited"):
        await sb.wait_for_edit(person["id"], second["message_id"], timeout=0.2)


async def test_groups_blocking_faults_and_request_log(sb: SandboxClient, tg: Bot) -> None:
    owner = await sb.create_user(first_name="美香")
    neighbour = await sb.create_user(first_name="一郎", username="ichiro")
    group = await sb.create_group(
        "ひだまり会", members={owner["id"]: "creator", neighbour["id"]: "member"}
    )
    assert group["id"] < 0
    assert group["type"] == "supergroup"
    assert group["members"] == {str(owner["id"]): "creator", str(neighbour["id"]): "member"}
    said = await sb.send_text(neighbour["id"], "/help@otagai_sandbox_bot", chat_id=group["id"])
    assert said["entities"][0]["type"] == "bot_command"
    updates = await tg.get_updates(timeout=0)
    assert [u.my_chat_member is not None for u in updates] == [True, False]
    assert updates[1].message is not None
    assert updates[1].message.chat.id == group["id"]

    stranger = await sb.create_user(first_name="通りすがり")
    with pytest.raises(SandboxError, match="not a member"):
        await sb.send_text(stranger["id"], "こんにちは", chat_id=group["id"])

    await sb.set_blocked(owner["id"], True)
    state = await sb.state()
    blocked = {u["id"]: u["sandbox_blocked"] for u in state["users"]}
    assert blocked[owner["id"]] is True
    assert blocked[neighbour["id"]] is False

    await sb.add_fault("sendMessage", 500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await tg.send_message(group["id"], "失敗")
    await tg.send_message(group["id"], "成功")
    log = await sb.requests(method="sendMessage")
    assert [entry["status"] for entry in log] == [500, 500, 200]
    assert log[-1]["params"]["text"] == "成功"
    await sb.add_fault("sendMessage", 403, times=5)
    await sb.clear_faults()
    await tg.send_message(group["id"], "また成功")

    with pytest.raises(SandboxError) as unknown:
        await sb.messages(123456789)
    assert unknown.value.status == 404


async def test_events_long_poll_wakes_on_change(sb: SandboxClient) -> None:
    person = await sb.create_user(first_name="花子")
    seq = (await sb.events())["seq"]

    async def write_later() -> None:
        await asyncio.sleep(0.2)
        await sb.send_text(person["id"], "やあ")

    writer = asyncio.create_task(write_later())
    started = time.monotonic()
    batch = await sb.events(after=seq, timeout=10)
    await writer
    assert time.monotonic() - started < 3
    assert batch["events"][0]["type"] == "message"
    assert batch["events"][0]["message"]["text"] == "やあ"
    assert batch["seq"] > seq


async def test_control_api_rejects_bad_input_with_json_errors(
    server: SandboxServer, sb: SandboxClient
) -> None:
    with pytest.raises(SandboxError, match="first_name is required") as empty:
        await sb.create_user(first_name="")
    assert empty.value.status == 400
    with pytest.raises(SandboxError) as unknown:
        await sb.send_text(999999, "hello")
    assert unknown.value.status == 404
    person = await sb.create_user(first_name="花子")
    with pytest.raises(SandboxError, match="invalid member status"):
        await sb.create_group("会", members={person["id"]: "owner"})
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/sandbox/api/send", data=b"not json") as response,
    ):
        assert response.status == 400
        assert await response.json() == {"error": "the request body must be JSON"}
