"""Typing an activity's schedule in /newactivity: the read-back with the next three dates."""

from __future__ import annotations

from typing import Any

from bot.sandbox import SandboxClient


async def type_schedule(sb: SandboxClient, user: int, text: str) -> dict[str, Any]:
    """Type a schedule with its end and press はい on its read-back; return the next question."""
    sent = await sb.send_text(user, text)
    check = await sb.wait_for_message(user, after=sent["message_id"])
    assert "次の3回は" in check["text"], check["text"]
    await sb.press(user, check, text="はい")
    return await sb.wait_for_message(user, after=check["message_id"])
