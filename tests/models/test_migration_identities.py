"""Migration 0018 moves every Telegram id into identities, on a database in use.

A database at 0017 is filled as the bot filled it (people and a group known by Telegram id,
outbox rows to a chat, a sent row, a meeting's group post with its buttons, remembered
updates); after the upgrade the same people, groups and messages are reached through
identities, and the downgrade gives the Telegram ids back.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text

from models.db import alembic_config, create_engine, upgrade
from tests.auxil.database import migrated_database

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
HANAKO, ICHIRO, STRANGER, GROUP = 1001, 1002, 999_999, -100_123


async def _run(url: str, statements: list[tuple[str, dict[str, Any]]]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement, values in statements:
                await connection.execute(text(statement), values)
    finally:
        await engine.dispose()


async def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(query))]
    finally:
        await engine.dispose()


def _outbox(key: str, *, chat: int | None, person: int | None = None, group: int | None = None,
            status: str = "pending", buttons: str | None = None, sent: int | None = None,
            ) -> tuple[str, dict[str, Any]]:
    return ("INSERT INTO outbox_message (idempotency_key, chat_id, person_id, group_id, text,"
            " buttons, urgent, due_at, status, attempts, telegram_message_id, created_at)"
            " VALUES (:key, :chat, :person, :group, :text, :buttons, false, :now, :status,"
            " 0, :sent, :now)",
            {"key": key, "chat": chat, "person": person, "group": group,
             "text": "" if status == "sent" else "お知らせ", "buttons": buttons,
             "status": status, "sent": sent, "now": NOW})


async def _fill_at_0017(url: str) -> None:
    await _run(url, [
        ("INSERT INTO area (id, name, level, created_at) VALUES (1, 'みどり市', 'municipality',"
         " :now)", {"now": NOW}),
        ("INSERT INTO person (id, telegram_id, language, active, created_at, display_name)"
         " VALUES (1, :hanako, 'ja', true, :now, '山田 花子'),"
         " (2, :ichiro, 'en', true, :now, '佐藤 一郎')",
         {"hanako": HANAKO, "ichiro": ICHIRO, "now": NOW}),
        ("INSERT INTO group_chat (id, telegram_chat_id, title, active, created_at)"
         " VALUES (1, :group, 'みどり町内会', true, :now)", {"group": GROUP, "now": NOW}),
        ("INSERT INTO meeting (id, kind, title, area_id, open, status, lock_version, walk_ins,"
         " created_at) VALUES (5, 'care_meeting', '地域ケア会議', 1, true, 'scheduled', 0, 0,"
         " :now)", {"now": NOW}),
        # Before 0017 every row named its chat; since, rows to a person may not.
        _outbox("old-to-hanako", chat=HANAKO),
        _outbox("notice-to-ichiro", chat=None, person=2),
        _outbox("sent-to-hanako", chat=HANAKO, person=1, status="sent", sent=777),
        _outbox("meeting-post:5:1", chat=GROUP, group=1,
                buttons='[[{"text": "参加する", "callback_data": "mj:j:5"},'
                        ' {"text": "参加をやめる", "callback_data": "mj:c:5"}]]'),
        _outbox("to-a-stranger", chat=STRANGER),
        ("INSERT INTO meeting_announcement (meeting_id, group_id, chat_id, outbox_id,"
         " created_at) SELECT 5, NULL, :group, id, :now FROM outbox_message"
         " WHERE idempotency_key = 'meeting-post:5:1'", {"group": GROUP, "now": NOW}),
        ("INSERT INTO processed_update (update_id, received_at) VALUES (4242, :now)",
         {"now": NOW}),
        ("INSERT INTO open_question (person_id, topic, chat_id, message_id, text, answers,"
         " typed, asked_at, lapses_at) VALUES (1, 'checkin.level', :hanako, 88, '', '[]',"
         " false, :now, :now)", {"hanako": HANAKO, "now": NOW}),
    ])


def test_upgrade_moves_telegram_ids_into_identities_and_downgrade_gives_them_back(
        tmp_path: Path) -> None:
    with migrated_database(tmp_path, "0017") as url:
        asyncio.run(_fill_at_0017(url))
        upgrade(url)

        identities = asyncio.run(_rows(url, "SELECT channel, external_id, person_id, group_id"
                                            " FROM identity ORDER BY id"))
        assert identities == [("telegram", str(HANAKO), 1, None),
                              ("telegram", str(ICHIRO), 2, None),
                              ("telegram", str(GROUP), None, 1)]
        outbox = {key: rest for key, *rest in asyncio.run(_rows(
            url, "SELECT idempotency_key, person_id, group_id, sent_id, choices"
                 " FROM outbox_message"))}
        # The row that only named Hanako's chat now names her; the stranger's row is gone.
        assert set(outbox) == {"old-to-hanako", "notice-to-ichiro", "sent-to-hanako",
                               "meeting-post:5:1"}
        assert outbox["old-to-hanako"][:2] == [1, None]
        assert outbox["sent-to-hanako"][2] == "777"
        post = outbox["meeting-post:5:1"]
        choices = post[3] if isinstance(post[3], list) else json.loads(post[3])
        assert post[:2] == [None, 1]
        assert choices == [[{"label": "meeting.button.join", "action": ["mj", "j", 5]},
                            {"label": "meeting.button.leave", "action": ["mj", "c", 5]}]]
        assert asyncio.run(_rows(url, "SELECT meeting_id, group_id FROM meeting_announcement")
                           ) == [(5, 1)]
        assert asyncio.run(_rows(url, "SELECT channel, update_id FROM processed_update")
                           ) == [("telegram", "4242")]
        assert asyncio.run(_rows(url, "SELECT person_id, shown_in, shown_as FROM open_question")
                           ) == [(1, str(HANAKO), "88")]

        command.downgrade(alembic_config(url), "0017")
        assert sorted(asyncio.run(_rows(url, "SELECT id, telegram_id FROM person"))) == [
            (1, HANAKO), (2, ICHIRO)]
        assert asyncio.run(_rows(url, "SELECT telegram_chat_id FROM group_chat")) == [(GROUP,)]
        assert asyncio.run(_rows(url, "SELECT update_id FROM processed_update")) == [(4242,)]
        assert asyncio.run(_rows(url, "SELECT chat_id FROM meeting_announcement")) == [(GROUP,)]
        assert asyncio.run(_rows(url, "SELECT chat_id, message_id FROM open_question")
                           ) == [(HANAKO, 88)]
        assert sorted(asyncio.run(_rows(
            url, "SELECT idempotency_key, chat_id, telegram_message_id FROM outbox_message"
                 " WHERE idempotency_key IN ('sent-to-hanako', 'notice-to-ichiro')"))) == [
            ("notice-to-ichiro", None, None), ("sent-to-hanako", None, 777)]

