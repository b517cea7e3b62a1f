"""A person opens the sandbox page, sends /start as a persona and sees the bot's answer."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import group_of
from bot.sandbox import SandboxClient, SandboxServer
from models.db import session_factory
from tests.auxil.browser import chromium_page, requires_chromium
from tests.auxil.town import EAST, WEST, make_town, new_group

# Where the browser tests leave a picture of the page, for a person to look at.
SCREENSHOTS = Path(os.environ.get("OTAGAI_SCREENSHOTS", tempfile.gettempdir()))

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


async def test_a_newcomer_joins_from_the_group_button_in_the_page(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine
) -> None:
    town = await make_town(engine)
    hanako = await sb.create_user(first_name="花子", last_name="佐藤")
    group = await new_group(sb, "東地区 ご近所ネット", {hanako["id"]: "member"})
    async with session_factory(engine)() as session, session.begin():
        tracked = await group_of(session, group["id"])
        assert tracked is not None
        tracked.district_id = town.east.id
    async with chromium_page() as page:
        await page.goto(f"{sandbox.url}/")
        column = page.locator(f'[data-user-id="{hanako["id"]}"]')
        await column.locator('[data-testid="chat-select"]').select_option(str(group["id"]))
        join = column.locator('[data-testid="inline-button"]', has_text="ボットと話す")
        await join.click()

        suggested = column.locator('[data-testid="inline-button"]', has_text=f"★ {EAST}")
        await suggested.wait_for(timeout=10_000)
        await suggested.click()
        agree = column.locator('[data-testid="inline-button"]', has_text="同意する")
        await agree.first.wait_for(timeout=10_000)
        await agree.first.click()
        await column.locator('[data-testid="message"]',
                             has_text="住民として登録しました").wait_for(timeout=10_000)

        await column.locator('[data-testid="composer"]').fill("/mydata")
        await column.locator('[data-testid="send"]').click()
        summary = column.locator('[data-testid="message"]', has_text="お名前:")
        await summary.wait_for(timeout=10_000)
        assert "お名前: 佐藤 花子" in await summary.inner_text()
        assert f"地区: {EAST}" in await summary.inner_text()
        await column.locator('[data-testid="document"]').wait_for(timeout=10_000)
        await page.screenshot(path=str(SCREENSHOTS / "join-from-group.png"))
