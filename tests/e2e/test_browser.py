"""A person opens the sandbox page, sends /start as a persona and sees the bot's answer."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from tests.auxil.browser import chromium_page, requires_chromium
from tests.auxil.town import EAST, WEST, make_town

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.usefixtures("bot")]


async def test_start_from_the_page_shows_the_reply_and_its_buttons(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine
) -> None:
    await make_town(engine)
    hanako = await sb.create_user(first_name="花子", last_name="佐藤")
    async with chromium_page() as page:
        await page.goto(f"{sandbox.url}/")
        column = page.locator(f'[data-user-id="{hanako["id"]}"]')
        await column.locator('[data-testid="composer"]').fill("/start")
        await column.locator('[data-testid="send"]').click()

        greeting = column.locator('[data-testid="message"][data-from="bot"]').first
        await greeting.wait_for(timeout=10_000)
        assert "お互いさま" in await greeting.inner_text()
        buttons = column.locator('[data-testid="inline-button"]')
        await buttons.first.wait_for(timeout=10_000)
        assert await buttons.all_inner_texts() == [EAST, WEST, "登録しないで使う"]

        await buttons.filter(has_text=EAST).click()
        agree = column.locator('[data-testid="inline-button"]', has_text="同意する")
        await agree.first.wait_for(timeout=10_000)
        assert "記録すること" in await column.inner_text()
        await agree.first.click()
        done = column.locator('[data-testid="message"]', has_text="住民として登録しました")
        await done.wait_for(timeout=10_000)
