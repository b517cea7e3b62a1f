"""/settings: a person chooses the hours in which the bot keeps quiet."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.identity import person_of
from bot.sandbox import SandboxClient
from models.db import session_factory
from tests.auxil.town import settle

pytestmark = pytest.mark.usefixtures("bot")


async def test_quiet_hours_are_shown_and_changed_with_buttons(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    person = await sb.create_user(first_name="花子")
    sent = await sb.send_text(person["id"], "/settings")
    shown = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert shown["text"].startswith("お知らせを控える時間: 21:00〜08:00")
    # Every button sets something; its words say what.
    assert SandboxClient.labels(shown)[:10] == [
        "19時から", "20時から", "21時から", "22時から", "23時から",
        "6時まで", "7時まで", "8時まで", "9時まで", "10時まで"]
    await sb.press(person["id"], shown, text="20時から")
    changed = await sb.wait_for_edit(person["id"], shown["message_id"])
    assert changed["text"].startswith("お知らせを控える時間: 20:00〜08:00")
    await sb.press(person["id"], changed, text="7時まで")
    changed = await sb.wait_for_edit(person["id"], shown["message_id"])
    assert changed["text"].startswith("お知らせを控える時間: 20:00〜07:00")
    await sb.press(person["id"], changed, text="控える時間なし（いつでも受け取る）")
    off = await sb.wait_for_edit(person["id"], shown["message_id"])
    assert off["text"].startswith("お知らせを控える時間: なし")
    forged = await sb.press(person["id"], off, data="st:f:3", forge=True)
    assert (await sb.wait_for_callback_answer(forged))["show_alert"] is True
    await settle(sb)
    async with session_factory(engine)() as session:
        stored = await person_of(session, person["id"])
        assert stored is not None
        assert (stored.quiet_from, stored.quiet_until) == (0, 0)


async def test_quiet_hours_are_changed_by_typing_the_words_on_the_buttons(
    sb: SandboxClient, engine: AsyncEngine
) -> None:
    """Issue 16, item 3: 「２２時から」「７時まで」 typed at /settings are those buttons; other
    words repeat the question."""
    person = await sb.create_user(first_name="花子")
    sent = await sb.send_text(person["id"], "/settings")
    await sb.wait_for_message(person["id"], after=sent["message_id"])
    for typed, expected in (("２２時から", "お知らせを控える時間: 22:00〜08:00"),
                            ("７時まで", "お知らせを控える時間: 22:00〜07:00"),
                            ("いつでも", "さきほどの質問が、まだ終わっていません。")):
        sent = await sb.send_text(person["id"], typed)
        changed = await sb.wait_for_message(person["id"], after=sent["message_id"])
        assert changed["text"].startswith(expected), typed
    await settle(sb)
    async with session_factory(engine)() as session:
        stored = await person_of(session, person["id"])
        assert stored is not None
        assert (stored.quiet_from, stored.quiet_until) == (22, 7)
