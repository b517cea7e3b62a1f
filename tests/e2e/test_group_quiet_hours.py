"""At night group chats get nothing; whoever posts to them is told when it goes out."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox import SandboxClient, SandboxServer
from bot.settings import Settings, load_settings
from models import OutboxMessage, OutboxStatus
from models.clock import utcnow
from models.db import session_factory
from tests.auxil.people import recipient_chat
from tests.auxil.town import Town, settle
from tests.e2e.test_meetings import HANAKO, TITLE, TOKYO, _create, _linked_group
from tests.e2e.test_meetings import town as town  # noqa: PLC0414 - the fixture, shared

pytestmark = pytest.mark.usefixtures("bot")

WEEKDAYS = "月火水木金土日"


def _quiet_window() -> tuple[str, datetime]:
    """Quiet hours from this hour for two hours (so now is inside); return them and their
    end in Tokyo."""
    now = utcnow().astimezone(TOKYO)
    end_hour = (now.hour + 2) % 24
    end_day = now.date() + timedelta(days=1 if end_hour < now.hour else 0)
    return f"{now.hour}-{end_hour}", datetime.combine(end_day, time(end_hour), tzinfo=TOKYO)


QUIET, QUIET_END = _quiet_window()


@pytest.fixture
def settings(sandbox: SandboxServer, database_url: str) -> Settings:
    """The bot in its groups' quiet hours."""
    return load_settings(_env_file=None, database_url=database_url,
                         bot_api_url=sandbox.bot_api_url, bot_file_url=sandbox.bot_file_url,
                         group_quiet_hours=QUIET, update_concurrency=1)


async def test_a_meeting_announced_at_night_says_when_the_groups_get_it(
        sb: SandboxClient, engine: AsyncEngine, town: Town) -> None:
    group = await _linked_group(sb, engine, town, [HANAKO])
    done = await _create(sb)
    end = QUIET_END
    # On the year's last night the morning is next year's, and the date says so.
    year = f"{end.year}年" if end.year != utcnow().astimezone(TOKYO).year else ""
    assert done["text"] == (
        f"「{TITLE}」を登録しました。グループ 1件に告知します。\n"
        f"いまは夜間のため、グループへのお知らせは {year}{end.month}月{end.day}日"
        f"({WEEKDAYS[end.weekday()]}) {end.hour}:{end:%M} に送ります。")
    await settle(sb)
    assert not [m for m in await sb.messages(group["id"]) if TITLE in m.get("text", "")]
    # The dispatcher takes the post, sees the quiet hours and puts it back until they end.
    async with asyncio.timeout(10):
        while (post := await _group_post(engine, group["id"])) is None \
                or post.due_at is None or post.due_at < end:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    assert post.status == OutboxStatus.PENDING  # held, not lost
    assert post.due_at == end


async def _group_post(engine: AsyncEngine, chat_id: int) -> OutboxMessage | None:
    async with session_factory(engine)() as session:
        return await session.scalar(select(OutboxMessage).where(
            recipient_chat() == chat_id, OutboxMessage.group_id.is_not(None),
            OutboxMessage.status == OutboxStatus.PENDING))
