"""Command menus are set per language and scope; a Bot API that refuses is only a warning."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application
from bot.runner import running
from bot.sandbox import SandboxClient
from bot.settings import Settings


def _scope_type(params: dict) -> str:
    scope = params.get("scope", "{}")
    return (json.loads(scope) if isinstance(scope, str) else scope).get("type", "default")


async def test_menus_for_private_chats_and_groups_in_each_language(
    sb: SandboxClient, settings: Settings, engine: AsyncEngine
) -> None:
    async with running(build_application(settings, "123:TEST", retry_backoff=0.01)):
        calls = await sb.requests(method="setMyCommands")
    menus = {(_scope_type(c["params"]), c["params"].get("language_code", "")): c for c in calls}
    assert set(menus) == {
        (scope, language)
        for scope in ("all_private_chats", "all_group_chats")
        for language in ("", "ja", "en")
    }
    private_ja = menus[("all_private_chats", "ja")]["params"]["commands"]
    private_ja = json.loads(private_ja) if isinstance(private_ja, str) else private_ja
    # Everyone's menu: what a resident may do; coordinators get their own menu per chat.
    assert [c["command"] for c in private_ja] == [
        "start", "help", "cancel", "activities", "newactivity", "myactivities", "events",
        "checkin", "watch", "away", "mydata", "roles", "settings", "language", "forget"]
    assert private_ja[1]["description"] == "使い方"
    assert private_ja[2]["description"] == "入力をやめる"
    assert private_ja[3]["description"] == "地域の活動を見る"
    group_en = menus[("all_group_chats", "en")]["params"]["commands"]
    group_en = json.loads(group_en) if isinstance(group_en, str) else group_en
    assert [c["command"] for c in group_en] == ["start", "help", "activities", "events"]


async def test_a_refused_set_my_commands_does_not_stop_the_bot(
    sb: SandboxClient, settings: Settings, engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await sb.add_fault("setMyCommands", 400, description="Bad Request: not allowed", times=50)
    caplog.set_level(logging.WARNING)
    async with running(build_application(settings, "123:TEST", retry_backoff=0.01)):
        person = await sb.create_user(first_name="花子")
        sent = await sb.send_text(person["id"], "/start")
        reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("こんにちは。")
    assert "could not set the command menus" in caplog.text
