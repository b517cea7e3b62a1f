"""Administrators set up the municipality's areas and councils from the chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication, build_application
from bot.runner import running
from bot.sandbox import SandboxClient
from bot.settings import Settings
from models import Role
from tests.auxil.town import EAST, add_person, make_town

ADMIN = 5100


@pytest.fixture
async def admin_bot(settings: Settings, engine: AsyncEngine) -> AsyncIterator[OtagaiApplication]:
    """The bot with one administrator named in the settings, as OTAGAI_ADMIN_IDS does."""
    configured = settings.model_copy(update={"admin_ids": [ADMIN]})
    async with running(build_application(configured, "123:TEST", retry_backoff=0.01)) as app:
        yield app


async def _say(sb: SandboxClient, user_id: int, text: str) -> str:
    sent = await sb.send_text(user_id, text)
    return str((await sb.wait_for_message(user_id, after=sent["message_id"]))["text"])


@pytest.mark.usefixtures("admin_bot")
async def test_an_admin_from_settings_builds_the_town(sb: SandboxClient) -> None:
    await sb.create_user(first_name="管理", user_id=ADMIN)
    assert await _say(sb, ADMIN, "/areas") == "まだ地域が登録されていません。"
    assert await _say(sb, ADMIN, "/addarea こもれび市") == "「こもれび市」を登録しました。"
    assert await _say(sb, ADMIN, "/addarea こもれび市 みどり地区") == (
        "「みどり地区」を登録しました。")
    assert await _say(sb, ADMIN, "/addarea こもれび市 みどり地区") == (
        "「みどり地区」は、すでに登録されています。")
    assert await _say(sb, ADMIN, "/addcouncil みどり地区 みどり地区 支え合い協議体") == (
        "「みどり地区」に協議体「みどり地区 支え合い協議体」を登録しました。")
    assert await _say(sb, ADMIN, "/addcouncil ないよ地区 協議体") == (
        "「ないよ地区」という地域は見つかりませんでした。/areas で一覧を確かめてください。")
    assert (await _say(sb, ADMIN, "/addarea")).startswith("使い方: /addarea 市町村名 地区名")
    assert (await _say(sb, ADMIN, "/addcouncil みどり地区")).startswith("使い方: /addcouncil")
    # Names are checked as in `otagai areas import`: no formulas, no hidden characters.
    assert await _say(sb, ADMIN, "/addarea こもれび市 =HYPERLINK(\"x\")") == (
        "地域を登録できませんでした。名前を「=」「+」「-」「@」で始めることはできません。")
    assert await _say(sb, ADMIN, "/addarea こもれび市 あおば\u202e地区") == (
        "地域を登録できませんでした。"
        "名前に制御文字や見えない文字（改行、文字の向きの指定など）が入っています。")
    assert await _say(sb, ADMIN, "/addarea " + "長" * 101) == (
        "地域を登録できませんでした。名前が長すぎます（100文字まで）。")
    listing = await _say(sb, ADMIN, "/areas")
    assert listing == ("地区と協議体\n■ こもれび市\n　・みどり地区\n"
                       "　　協議体: みどり地区 支え合い協議体")
    assert "/addarea — 市町村・地区を追加する" in await _say(sb, ADMIN, "/help")


@pytest.mark.usefixtures("bot")
async def test_coordinators_see_areas_but_cannot_add_them(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    town = await make_town(engine)
    await sb.create_user(first_name="美香", user_id=5200)
    await add_person(engine, 5200, "田中 美香", town.east,
                     roles=((Role.DISTRICT_COORDINATOR, town.east),))
    assert EAST in await _say(sb, 5200, "/areas")
    assert await _say(sb, 5200, "/addarea 新しい市") == "地域の登録は、管理者だけができます。"
    await sb.create_user(first_name="花子", user_id=5300)
    assert await _say(sb, 5300, "/areas") == "申し訳ありません。この操作は、お使いいただけません。"
