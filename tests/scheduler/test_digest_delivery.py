"""The weekly digest goes out once per council and week, to members and coordinators."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from models import DigestRun, OutboxMessage, Role, RoleGrant
from models.db import create_engine, session_factory
from scheduler.digests.delivery import (
    prepare_weekly_digests,
    queue_weekly_digests,
    send_weekly_digests,
)
from tests.auxil.digest import TOKYO, WEEK, History, seed_history
from tests.auxil.people import add_telegram_person, recipient_chat

MONDAY_EIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=TOKYO)
MEMBER, COORDINATOR, BOTH = 81_001, 81_002, 81_003


async def _with_readers(engine: AsyncEngine) -> History:
    history = await seed_history(engine)
    async with session_factory(engine)() as session, session.begin():
        for telegram_id, roles in ((MEMBER, (Role.COUNCIL_MEMBER,)),
                                   (COORDINATOR, (Role.DISTRICT_COORDINATOR,)),
                                   (BOTH, (Role.COUNCIL_MEMBER, Role.DISTRICT_COORDINATOR))):
            person = await add_telegram_person(
                session, telegram_id, display_name="読む人", language="ja",
                district_id=history.town.east.id, consented_at=MONDAY_EIGHT)
            session.add_all([RoleGrant(person_id=person.id, role=role,
                                       area_id=history.town.east.id) for role in roles])
    return history


async def _run(engine: AsyncEngine, now: datetime) -> int:
    async with session_factory(engine)() as session, session.begin():
        return await send_weekly_digests(session, now, TOKYO)


async def _outbox(engine: AsyncEngine) -> list[tuple[int, OutboxMessage]]:
    """Return each row with the Telegram chat it goes to."""
    async with session_factory(engine)() as session:
        return [(chat, message) for message, chat in await session.execute(
            select(OutboxMessage, recipient_chat()).order_by(OutboxMessage.id))]


async def test_monday_morning_each_reader_gets_text_chart_and_workbook_once(
    engine: AsyncEngine
) -> None:
    history = await _with_readers(engine)
    assert await _run(engine, MONDAY_EIGHT.replace(hour=7, minute=59)) == 0  # not yet
    assert await _run(engine, MONDAY_EIGHT) == 2  # the district's and the city's councils
    assert await _run(engine, MONDAY_EIGHT.replace(hour=9)) == 0  # a second run: nothing
    messages = await _outbox(engine)
    by_chat: dict[int, list[OutboxMessage]] = {}
    for chat_id, message in messages:
        by_chat.setdefault(chat_id, []).append(message)
    assert set(by_chat) == {MEMBER, COORDINATOR, BOTH}  # nobody covers the whole city
    for chat, sent in by_chat.items():
        assert [m.attachment_kind for m in sent] == [None, "photo", "document"], chat
    member_text, coordinator_text = by_chat[MEMBER][0].text, by_chat[COORDINATOR][0].text
    assert "新しく 3件未満・対応開始 3件未満" in member_text
    assert "新しく 2件・対応開始 2件・つないだ 1件・解決 1件" in coordinator_text
    assert "新しく 2件・対応開始 2件" in by_chat[BOTH][0].text  # a coordinator reads exactly
    assert by_chat[MEMBER][1].attachment is not None
    assert by_chat[MEMBER][1].attachment.startswith(b"\x89PNG")
    assert by_chat[MEMBER][2].attachment_name == f"digest-{history.east_council}-2026-W47.xlsx"
    async with session_factory(engine)() as session:
        runs = list(await session.scalars(select(DigestRun)))
    assert sorted((r.week, r.recipients) for r in runs) == [(WEEK, 0), (WEEK, 3)]


@pytest.mark.postgres
async def test_two_processes_at_once_send_each_digest_once(
    engine: AsyncEngine, database_url: str
) -> None:
    await _with_readers(engine)
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        done = await asyncio.gather(*(_run(other, MONDAY_EIGHT) for other in engines))
    finally:
        for other in engines:
            await other.dispose()
    assert sorted(done) in ([0, 2], [1, 1])
    async with session_factory(engine)() as session:
        count = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert count == 9  # three readers, three messages each


async def test_digests_built_twice_are_queued_once(engine: AsyncEngine) -> None:
    # The job builds and draws outside its lock, so two processes may both build a week's
    # digests; the one that claims second drops its copies.
    await _with_readers(engine)
    sessions = session_factory(engine)
    async with sessions() as first, sessions() as second:
        ready = [await prepare_weekly_digests(session, MONDAY_EIGHT, TOKYO)
                 for session in (first, second)]
    assert [len(r) for r in ready] == [2, 2]  # neither had been claimed when they built
    queued = []
    for copy in ready:
        async with sessions() as session, session.begin():
            queued.append(await queue_weekly_digests(session, copy))
    assert queued == [2, 0]
    assert len(await _outbox(engine)) == 9  # three readers, three messages each, once
    async with sessions() as session:
        assert await prepare_weekly_digests(session, MONDAY_EIGHT, TOKYO) == []  # all sent
