"""A person opens the sandbox page, sends /start as a persona and sees the bot's answer."""

from __future__ import annotations

import pytest

from bot.sandbox import SandboxClient, SandboxServer
from tests.auxil.browser import chromium_page, requires_chromium

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.usefixtures("bot")]


async def test_start_from_the_page_shows_the_reply_and_its_buttons(
    sandbox: SandboxServer, sb: SandboxClient
) -> None:
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
        assert await buttons.all_inner_texts() == ["使い方を見る", "言語 / Language"]

        await buttons.filter(has_text="使い方を見る").click()
        help_message = column.locator('[data-testid="message"][data-from="bot"]').nth(1)
        await help_message.wait_for(timeout=10_000)
        assert "/language" in await help_message.inner_text()
