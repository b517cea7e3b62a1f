"""The chat page in headless Chromium, while the test itself plays the bot via the Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.sandbox import SandboxServer
from bot.sandbox.town import seed_sandbox
from tests.auxil.browser import chromium_page, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium]
WAIT_MS = 5_000


@pytest.fixture
async def page(server: SandboxServer) -> AsyncIterator[Any]:
    """Yield a 1280 px wide page of headless Chromium (system browser, no downloads)."""
    async with chromium_page() as browser_page:
        yield browser_page


async def next_update(tg: Bot, offset: int) -> Update:
    """Return the next update the bot receives (long poll)."""
    updates = await tg.get_updates(offset=offset, timeout=5)
    assert updates, "the page's action produced no update"
    return updates[0]


async def test_a_persona_chats_with_the_bot_through_the_page(
    server: SandboxServer, tg: Bot, page: Any
) -> None:
    server.ensure_user(1001, "花子", "佐藤")
    server.ensure_user(1002, "一郎", "鈴木")
    await page.goto(server.url + "/")
    columns = page.locator('[data-testid="column"]')
    await columns.nth(1).wait_for(timeout=WAIT_MS)
    column = page.locator('[data-user-id="1001"]')

    # The person types /start; the bot sees it through getUpdates.
    await column.locator('[data-testid="composer"]').fill("/start")
    await column.locator('[data-testid="send"]').click()
    update = await next_update(tg, 0)
    assert update.message is not None
    assert (update.message.text, update.message.from_user.id) == ("/start", 1001)
    mine = column.locator('[data-testid="message"][data-from="me"]')
    await mine.first.wait_for(timeout=WAIT_MS)

    # The bot answers with HTML and an inline keyboard; it appears with real buttons.
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("English", callback_data="lang:en")],
            [
                InlineKeyboardButton(
                    "招待リンク", url="https://t.me/otagai_sandbox_bot?start=invite42"
                )
            ],
        ]
    )
    sent = await tg.send_message(
        1001,
        '<b>ようこそ</b> <a href="https://example.org/">説明</a>',
        parse_mode="HTML",
        reply_markup=keyboard,
    )
    bot_message = column.locator('[data-testid="message"][data-from="bot"]')
    await bot_message.first.wait_for(timeout=WAIT_MS)
    assert await bot_message.locator("b").inner_text() == "ようこそ"
    assert await bot_message.locator("a").get_attribute("target") == "_blank"
    assert "null" not in await bot_message.inner_text()
    buttons = column.locator('[data-testid="inline-button"]')
    assert await buttons.all_inner_texts() == ["English", "招待リンク"]
    # The other persona's column does not show the private chat.
    assert await page.locator('[data-user-id="1002"] [data-testid="message"]').count() == 0

    # Clicking a callback button produces a callback_query; its answer shows as a toast.
    await buttons.filter(has_text="English").click()
    update = await next_update(tg, update.update_id + 1)
    assert update.callback_query is not None
    assert update.callback_query.data == "lang:en"
    assert update.callback_query.from_user.id == 1001
    await update.callback_query.answer("英語にしました")
    toast = column.locator('[data-testid="toast"]')
    await toast.filter(has_text="英語にしました").wait_for(timeout=WAIT_MS)

    # An edit updates the same message in place.
    await tg.edit_message_text("The bot now speaks English.", 1001, sent.message_id)
    edited = column.locator(f'[data-message-id="{sent.message_id}"]')
    await edited.filter(has_text="The bot now speaks English.").wait_for(timeout=WAIT_MS)
    assert await bot_message.count() == 1
    assert await column.locator('[data-testid="inline-button"]').count() == 0

    # Enter in the composer sends too.
    await column.locator('[data-testid="composer"]').fill("ありがとう")
    await column.locator('[data-testid="composer"]').press("Enter")
    update = await next_update(tg, update.update_id + 1)
    assert update.message is not None
    assert update.message.text == "ありがとう"

    # A t.me deep link button sends /start PAYLOAD as that person, as Telegram does.
    invite = await tg.send_message(1001, "招待です", reply_markup=keyboard)
    invite_node = column.locator(f'[data-message-id="{invite.message_id}"]')
    await invite_node.locator('[data-testid="inline-button"]', has_text="招待リンク").click()
    update = await next_update(tg, update.update_id + 1)
    assert update.message is not None
    assert update.message.text == "/start invite42"

    # Deleting removes the message from the page.
    await tg.delete_message(1001, invite.message_id)
    await invite_node.wait_for(state="detached", timeout=WAIT_MS)


async def test_group_chat_shows_other_members_and_alerts(
    server: SandboxServer, tg: Bot, page: Any
) -> None:
    server.ensure_user(1001, "美香")
    server.ensure_user(1002, "一郎")
    group = server.ensure_group(-1001, "ひだまり会", {1001: "creator", 1002: "member"})
    server.state.person_sends(1002, "こんにちは、一郎です", chat_id=group["id"])
    await page.goto(server.url + "/")
    column = page.locator('[data-user-id="1001"]')
    await column.locator('[data-testid="chat-select"]').select_option(str(group["id"]))
    other = column.locator('[data-testid="message"][data-from="other"]')
    await other.first.wait_for(timeout=WAIT_MS)
    assert "一郎" in await other.first.inner_text()

    await column.locator('[data-testid="composer"]').fill("/help@otagai_sandbox_bot")
    await column.locator('[data-testid="send"]').click()
    updates = await tg.get_updates(timeout=5)
    said = [u.message for u in updates if u.message and u.message.from_user.id == 1001]
    assert said
    assert said[0].chat.id == group["id"]

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("参加", callback_data="join")]])
    await tg.send_message(group["id"], "参加しますか", reply_markup=keyboard)
    await column.locator('[data-testid="inline-button"]').click()
    update = await next_update(tg, updates[-1].update_id + 1)
    assert update.callback_query is not None
    await update.callback_query.answer("もう締め切りました", show_alert=True)
    await column.locator('[data-testid="alert"]').wait_for(timeout=WAIT_MS)


async def test_the_demo_shows_its_five_people_with_their_roles_and_the_bot_s_times(
    server: SandboxServer, tg: Bot
) -> None:
    seed_sandbox(server)  # five personas, twenty residents of the demo history, the group
    # A browser on the other side of the world: the page still shows the bot's times.
    async with chromium_page(timezone_id="America/Los_Angeles") as page:
        await page.goto(server.url + "/")
        columns = page.locator('[data-testid="column"]')
        await columns.nth(4).wait_for(timeout=WAIT_MS)
        assert await columns.count() == 5
        assert [await c.get_attribute("data-user-id") for c in await columns.all()] == [
            "1001", "1002", "1003", "1004", "1005"]
        assert await page.locator('[data-testid="caption"]').all_inner_texts() == [
            "住民・みどり地区", "担い手（ボランティア）・みどり地区",
            "地区の生活支援コーディネーター・みどり地区",
            "市町村の生活支援コーディネーター・こもれび市", "協議体メンバー・みどり地区"]

        sent = await tg.send_message(1001, "こんにちは")
        said = page.locator('[data-user-id="1001"] [data-testid="message"]',
                            has_text="こんにちは")
        await said.wait_for(timeout=WAIT_MS)
        assert await said.locator(".meta").inner_text() == (
            sent.date.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M"))

        # The residents of the demo history are folded, one tick away.
        await page.locator("#people-picker summary").click()
        await page.locator('[data-show-user-id="1101"]').check()
        await columns.nth(5).wait_for(timeout=WAIT_MS)
        assert await page.locator('[data-user-id="1101"] [data-testid="caption"]').inner_text() \
            == "みどり地区の住民（これまでの記録用）"
