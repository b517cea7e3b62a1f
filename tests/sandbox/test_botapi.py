"""The Bot API emulator, driven by a real python-telegram-bot Bot over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import struct
import time
import zlib
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter

from bot.sandbox import SandboxServer
from bot.sandbox.entities import EntityParseError, parse_html
from bot.sandbox.limits import FloodLimiter


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """Return a valid PNG of the given size (white pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def person(server: SandboxServer, user_id: int = 1001, name: str = "花子") -> int:
    """Return the id of a person who has opened the private chat with the bot."""
    server.ensure_user(user_id, name, started=True)
    return user_id


# --------------------------------------------------------------------------- basics
async def test_get_me_describes_the_sandbox_bot(tg: TelegramBot) -> None:
    me = await tg.get_me()
    assert me.id == 7000000001
    assert me.username == "otagai_sandbox_bot"
    assert me.first_name == "お互いさまBot"
    assert me.is_bot


async def test_html_becomes_entities_with_utf16_offsets(
    server: SandboxServer, tg: TelegramBot
) -> None:
    chat_id = person(server)
    html = '<b>花子</b>さん 😀 <i>ok</i> <a href="https://example.org">リンク</a> &lt;3'
    message = await tg.send_message(chat_id, html, parse_mode=ParseMode.HTML)
    assert message.text == "花子さん 😀 ok リンク <3"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        (MessageEntity.BOLD, 0, 2),
        (MessageEntity.ITALIC, 8, 2),  # the emoji counts as two UTF-16 units
        (MessageEntity.TEXT_LINK, 11, 3),
    ]
    assert message.entities[2].url == "https://example.org"
    # PTB's own UTF-16 aware slicing agrees with the offsets.
    assert message.parse_entity(message.entities[1]) == "ok"
    stored = server.state.messages[chat_id][message.message_id]
    assert stored["sandbox_html"] == html


async def test_invalid_html_and_bad_text_are_bad_requests(
    server: SandboxServer, tg: TelegramBot
) -> None:
    chat_id = person(server)
    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag"):
        await tg.send_message(chat_id, "<blink>x</blink>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await tg.send_message(chat_id, "<b>unclosed", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await tg.send_message(chat_id, "   ")
    with pytest.raises(BadRequest, match="Message is too long"):
        await tg.send_message(chat_id, "あ" * 4097)
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg.send_message(424242, "hello")


def test_html_parser_handles_nesting_and_pre_languages() -> None:
    text, entities = parse_html(
        '<b>a<i>b</i></b><pre><code class="language-python">x = 1</code></pre>'
        "<tg-spoiler>s</tg-spoiler><blockquote expandable>q</blockquote>"
    )
    assert text == "abx = 1sq"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 1, "length": 1},
        {"type": "pre", "language": "python", "offset": 2, "length": 5},
        {"type": "spoiler", "offset": 7, "length": 1},
        {"type": "expandable_blockquote", "offset": 8, "length": 1},
    ]
    with pytest.raises(EntityParseError, match="byte offset 2"):
        parse_html("a < b")
    with pytest.raises(EntityParseError, match='expected "</b>", found "</i>"'):
        parse_html("<b>x</i>")


async def test_edit_text_and_not_modified(server: SandboxServer, tg: TelegramBot) -> None:
    chat_id = person(server)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("はい", callback_data="yes")]])
    sent = await tg.send_message(chat_id, "質問です", reply_markup=keyboard)
    edited = await tg.edit_message_text("答えました", chat_id, sent.message_id)
    assert edited.text == "答えました"
    assert edited.edit_date is not None
    # Without reply_markup Telegram drops the inline keyboard on edit.
    assert edited.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg.edit_message_text("答えました", chat_id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await tg.edit_message_text("x", chat_id, 9999)
    again = await tg.edit_message_reply_markup(chat_id, sent.message_id, reply_markup=keyboard)
    assert again.reply_markup == keyboard
    stored = server.state.messages[chat_id][sent.message_id]
    assert stored["sandbox_edit_count"] == 2


async def test_inline_keyboard_round_trip_and_validation(
    server: SandboxServer, tg: TelegramBot
) -> None:
    chat_id = person(server)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("日本語", callback_data="lang:ja")],
            [InlineKeyboardButton("サイト", url="https://example.org/")],
        ]
    )
    message = await tg.send_message(chat_id, "言語", reply_markup=keyboard)
    assert message.reply_markup == keyboard
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await tg.send_message(chat_id, "x", reply_markup=too_long)
    url = f"{server.bot_api_url}123:ABC/sendMessage"
    form = {"chat_id": str(chat_id), "text": "x", "reply_markup": "{not json"}
    async with aiohttp.ClientSession() as http, http.post(url, data=form) as response:
        body = await response.json()
    assert response.status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse reply keyboard markup JSON object",
    }


async def test_delete_message(server: SandboxServer, tg: TelegramBot) -> None:
    chat_id = person(server)
    sent = await tg.send_message(chat_id, "消します")
    assert await tg.delete_message(chat_id, sent.message_id)
    assert server.state.messages[chat_id][sent.message_id]["sandbox_deleted"] is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await tg.delete_message(chat_id, sent.message_id)


async def test_photo_and_document_upload_download_and_resend(
    server: SandboxServer, tg: TelegramBot
) -> None:
    chat_id = person(server)
    png = tiny_png(3, 2)
    photo_message = await tg.send_photo(chat_id, png, caption="<b>地図</b>", parse_mode="HTML")
    size = photo_message.photo[-1]
    assert (size.width, size.height, size.file_size) == (3, 2, len(png))
    assert photo_message.caption == "地図"
    photo_file = await tg.get_file(size.file_id)
    assert bytes(await photo_file.download_as_bytearray()) == png

    doc_message = await tg.send_document(chat_id, "メモです".encode(), filename="メモ.txt")
    document = doc_message.document
    assert document.file_name == "メモ.txt"
    assert document.mime_type == "text/plain"
    doc_file = await tg.get_file(document.file_id)
    assert bytes(await doc_file.download_as_bytearray()) == "メモです".encode()

    resent = await tg.send_document(chat_id, document.file_id)
    assert resent.document.file_unique_id == document.file_unique_id
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.url}/sandbox/files/{size.file_id}") as response,
    ):
        assert await response.read() == png
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await tg.send_photo(chat_id, b"not an image")
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await tg.send_photo(chat_id, "no-such-file-id")


async def test_chat_members_and_administrators(server: SandboxServer, tg: TelegramBot) -> None:
    server.ensure_user(1001, "美香")
    server.ensure_user(1002, "一郎")
    group = server.ensure_group(-1001000000001, "ひだまり会", {1001: "creator", 1002: "member"})
    assert group["bot_status"] == "administrator"
    member = await tg.get_chat_member(group["id"], 1002)
    assert member.status == ChatMemberStatus.MEMBER
    assert member.user.first_name == "一郎"
    me = await tg.get_chat_member(group["id"], tg.id)
    assert me.status == ChatMemberStatus.ADMINISTRATOR
    admins = await tg.get_chat_administrators(group["id"])
    assert {a.user.id for a in admins} == {1001, tg.id}
    chat = await tg.get_chat(group["id"])
    assert chat.title == "ひだまり会"
    outsider = server.ensure_user(1003, "健")
    assert (await tg.get_chat_member(group["id"], outsider["id"])).status == "left"


async def test_commands_are_stored_per_scope_and_language(tg: TelegramBot) -> None:
    private_ja = [BotCommand("start", "はじめに"), BotCommand("help", "使い方")]
    group_en = [BotCommand("start", "Start")]
    await tg.set_my_commands(
        private_ja, scope=BotCommandScopeAllPrivateChats(), language_code="ja"
    )
    await tg.set_my_commands(group_en, scope=BotCommandScopeAllGroupChats(), language_code="en")
    got = await tg.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ja")
    assert list(got) == private_ja
    assert list(await tg.get_my_commands(scope=BotCommandScopeAllGroupChats())) == []
    assert list(await tg.get_my_commands(language_code="en")) == []
    await tg.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ja")
    assert list(await tg.get_my_commands(scope=BotCommandScopeAllPrivateChats())) == []
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await tg.set_my_commands([BotCommand("Bad-Name", "x")])
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg.set_my_commands(group_en, scope=BotCommandScopeChat(chat_id=-5))


# -------------------------------------------------------------------------- updates
async def test_get_updates_wakes_as_soon_as_a_person_writes(
    server: SandboxServer, tg: TelegramBot
) -> None:
    server.ensure_user(1001, "花子")

    async def write_later() -> None:
        await asyncio.sleep(0.2)
        server.state.person_sends(1001, "/start@otagai_sandbox_bot hello")

    started = time.monotonic()
    writer = asyncio.create_task(write_later())
    updates = await tg.get_updates(timeout=10)
    elapsed = time.monotonic() - started
    await writer
    assert elapsed < 2, f"getUpdates took {elapsed:.2f}s; it must wake on the new update"
    message = updates[0].message
    assert message.text == "/start@otagai_sandbox_bot hello"
    assert message.chat.type == "private"
    assert message.entities[0].type == MessageEntity.BOT_COMMAND
    assert message.entities[0].length == len("/start@otagai_sandbox_bot")
    # Confirming with offset drops the update; a zero timeout returns at once.
    assert await tg.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_group_creation_sends_my_chat_member_and_kicking_forbids(
    server: SandboxServer, tg: TelegramBot
) -> None:
    server.ensure_user(1001, "美香")
    server.ensure_group(-1001, "会", {1001: "creator"})
    (update,) = await tg.get_updates(timeout=0)
    change = update.my_chat_member
    assert change.old_chat_member.status == "left"
    assert change.new_chat_member.status == "administrator"
    assert change.from_user.id == 1001
    server.state.set_bot_status(-1001, "kicked", by_user_id=1001)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await tg.send_message(-1001, "まだいますか")


async def test_blocked_and_never_started_private_chats_are_forbidden(
    server: SandboxServer, tg: TelegramBot
) -> None:
    server.ensure_user(1001, "花子")
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await tg.send_message(1001, "はじめまして")
    server.state.person_sends(1001, "/start")
    await tg.send_message(1001, "こんにちは")
    server.state.set_blocked(1001, True)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await tg.send_message(1001, "届きません")
    # Writing again unblocks, as pressing "Restart" does in Telegram.
    server.state.person_sends(1001, "/start")
    await tg.send_message(1001, "おかえりなさい")


async def test_a_second_poller_makes_the_first_one_conflict(
    server: SandboxServer, tg: TelegramBot
) -> None:
    first = asyncio.create_task(tg.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with TelegramBot("123:ABC", base_url=server.bot_api_url) as second_instance:
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_callback_answers_once_and_expires(server: SandboxServer, tg: TelegramBot) -> None:
    chat_id = person(server)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    sent = await tg.send_message(chat_id, "押してください", reply_markup=keyboard)
    query_id = server.state.press(chat_id, chat_id, sent.message_id, text="OK")
    (update,) = await tg.get_updates(timeout=0)
    assert update.callback_query.data == "ok"
    assert update.callback_query.message.message_id == sent.message_id
    await update.callback_query.answer("受け付けました", show_alert=True)
    assert server.state.callback_answer(query_id)["show_alert"] is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await tg.answer_callback_query(query_id)
    late = server.state.press(chat_id, chat_id, sent.message_id, data="ok")
    server.state.callbacks[late]["created"] -= 16 * 60
    with pytest.raises(BadRequest, match="Query is too old"):
        await tg.answer_callback_query(late)


# --------------------------------------------------------------------------- faults
async def test_injected_500_is_a_network_error(server: SandboxServer, tg: TelegramBot) -> None:
    chat_id = person(server)
    server.faults.add("sendMessage", 500, times=1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await tg.send_message(chat_id, "1")
    await tg.send_message(chat_id, "2")
    statuses = [e["status"] for e in server.request_log if e["method"] == "sendMessage"]
    assert statuses == [500, 200]
    assert len(server.state.messages[chat_id]) == 1  # the faulted call did nothing


@pytest.fixture
def timedelta_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta retry_after; the int form warns (an error under -W error)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("timedelta_mode")
async def test_injected_429_is_retry_after(server: SandboxServer, tg: TelegramBot) -> None:
    chat_id = person(server)
    server.faults.add("*", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await tg.send_photo(chat_id, tiny_png())
    assert caught.value.retry_after == dt.timedelta(seconds=7)
    (entry,) = [e for e in server.request_log if e["method"] == "sendPhoto"]
    assert entry["status"] == 429
    await tg.send_photo(chat_id, tiny_png())


async def test_unknown_method_and_wrong_token() -> None:
    async with SandboxServer(token="42:SECRET") as server, aiohttp.ClientSession() as http:
        async with http.post(f"{server.bot_api_url}42:SECRET/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.get(f"{server.bot_api_url}42:WRONG/getMe") as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"
        async with http.get(f"{server.bot_api_url}42:SECRET/getme") as response:
            assert (await response.json())["result"]["is_bot"] is True


# ----------------------------------------------------------------------- flood limits
def test_private_chat_bucket_allows_a_burst_of_three_then_one_per_second() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock)
    assert [limiter.check(1, is_group=False) for _ in range(3)] == [None, None, None]
    assert limiter.check(1, is_group=False) == 1
    assert limiter.check(2, is_group=False) is None  # another chat has its own bucket
    clock.now += 1.0
    assert limiter.check(1, is_group=False) is None
    assert limiter.check(1, is_group=False) == 1


def test_group_chat_allows_twenty_per_minute() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock)
    for _ in range(20):
        assert limiter.check(-100, is_group=True) is None
        clock.now += 1.0
    assert limiter.check(-100, is_group=True) == 40  # the first send leaves the window
    clock.now += 40.0
    assert limiter.check(-100, is_group=True) is None


def test_overall_limit_is_thirty_per_second() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock)
    for chat in range(30):
        assert limiter.check(chat, is_group=False) is None
    assert limiter.check(99, is_group=False) == 1
    clock.now += 1.0
    assert limiter.check(99, is_group=False) is None


@pytest.mark.usefixtures("timedelta_mode")
async def test_flood_limits_refuse_the_send_over_http() -> None:
    async with SandboxServer(flood_limits=True) as server:
        assert server.limiter is not None
        chat_id = person(server)
        async with TelegramBot("1:A", base_url=server.bot_api_url) as tg:
            for number in range(3):
                await tg.send_message(chat_id, str(number))
            with pytest.raises(RetryAfter):
                await tg.send_message(chat_id, "4")
        assert len(server.state.messages[chat_id]) == 3


# ------------------------------------------------------------------------ persistence
async def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    png = tiny_png()
    async with SandboxServer(state_path=path) as first:
        first.ensure_user(1001, "花子", "佐藤")
        first.ensure_group(-1001, "会", {1001: "creator"})
        first.state.person_sends(1001, "/start")
        async with TelegramBot("1:A", base_url=first.bot_api_url) as tg:
            updates = await tg.get_updates(timeout=0)
            await tg.send_message(1001, "<b>ようこそ</b>", parse_mode="HTML")
            photo = await tg.send_photo(1001, png)
            await tg.set_my_commands([BotCommand("start", "はじめに")], language_code="ja")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["users"][0]["first_name"] == "花子"

    async with SandboxServer(state_path=path) as second:
        history = second.state.messages[1001]
        assert [m.get("text") for m in history.values()] == ["/start", "ようこそ", None]
        assert second.state.chats[-1001]["title"] == "会"
        second.state.person_sends(1001, "また来ました")
        async with TelegramBot(
            "1:A", base_url=second.bot_api_url, base_file_url=second.bot_file_url
        ) as tg:
            (update,) = await tg.get_updates(timeout=0)
            assert update.update_id > updates[-1].update_id
            assert update.message.message_id == 4
            file = await tg.get_file(photo.photo[-1].file_id)
            assert bytes(await file.download_as_bytearray()) == png
            assert [c.command for c in await tg.get_my_commands(language_code="ja")] == ["start"]


async def test_changes_are_autosaved_without_stopping(tmp_path: Path) -> None:
    path = tmp_path / "state" / "sandbox.json"
    async with SandboxServer(state_path=path, autosave_interval=0.05) as server:
        server.ensure_user(1001, "花子")
        for _ in range(100):
            if path.exists():
                break
            await asyncio.sleep(0.02)  # the autosave task runs on its own clock
        saved = json.loads(path.read_text(encoding="utf-8"))
        assert [u["first_name"] for u in saved["users"]] == ["花子"]
        assert not list(path.parent.glob("*.tmp"))  # written via tmp file + os.replace


async def test_json_bodies_and_query_strings_work_like_forms(server: SandboxServer) -> None:
    chat_id = person(server)
    url = f"{server.bot_api_url}123:ABC"
    markup = {"inline_keyboard": [[{"text": "はい", "callback_data": "yes"}]]}
    async with aiohttp.ClientSession() as http:
        body = {"chat_id": chat_id, "text": "<i>JSON</i>", "parse_mode": "HTML"}
        async with http.post(f"{url}/sendMessage", json={**body, "reply_markup": markup}) as r:
            sent = (await r.json())["result"]
        assert sent["entities"] == [{"type": "italic", "offset": 0, "length": 4}]
        assert sent["reply_markup"] == markup
        assert "sandbox_html" not in sent  # sandbox-only keys never reach the bot
        query = {"chat_id": str(chat_id), "message_id": str(sent["message_id"])}
        async with http.get(f"{url}/deleteMessage", params=query) as response:
            assert await response.json() == {"ok": True, "result": True}
