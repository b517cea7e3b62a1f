"""The delivery engine under Telegram's limits and failures: everything arrives exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication, build_application
from bot.dispatch import DispatchConfig, Dispatcher
from bot.identity import person_of, track
from bot.runner import running
from bot.sandbox import SandboxClient, SandboxServer
from bot.settings import Settings, load_settings
from models import Identity, OutboxMessage, OutboxStatus, clock
from models.db import session_factory
from models.erasure import forget_person
from models.notices import Notice
from models.outbox import counts_by_status, enqueue
from scheduler.checkins import question
from tests.auxil.delivery import broadcast_to_residents, register_people, until_settled
from tests.auxil.town import make_town

FAST = DispatchConfig(batch=50, concurrency=20, idle=0.05, retry_base=timedelta(seconds=0.2))


@pytest.fixture
async def flood_sandbox() -> AsyncIterator[SandboxServer]:
    """A sandbox that refuses messages the way Telegram does when a bot sends too fast."""
    async with SandboxServer(port=0, flood_limits=True) as server:
        yield server


@pytest.fixture
async def flood_bot(
    flood_sandbox: SandboxServer, database_url: str, engine: AsyncEngine
) -> AsyncIterator[OtagaiApplication]:
    """The bot on the flood-limited sandbox, dispatching with short retry waits."""
    settings = load_settings(_env_file=None, database_url=database_url,
                             bot_api_url=flood_sandbox.bot_api_url,
                             bot_file_url=flood_sandbox.bot_file_url)
    application = build_application(settings, "123:TEST", retry_backoff=0.01, dispatch=FAST)
    async with running(application):
        yield application


async def _received(sandbox_client: SandboxClient, text: str) -> Counter[int]:
    deliveries = [r for r in await sandbox_client.requests(method="sendMessage")
                  if r["status"] == 200 and r["params"].get("text") == text]
    return Counter(int(r["params"]["chat_id"]) for r in deliveries)


@pytest.mark.usefixtures("flood_bot")
async def test_500_people_under_flood_limits_each_get_it_exactly_once(
    flood_sandbox: SandboxServer, engine: AsyncEngine
) -> None:
    town = await make_town(engine)
    people = await register_people(flood_sandbox, engine, town.east, 500)
    await broadcast_to_residents(engine, town.east, "防災訓練のお知らせ")
    counts = await until_settled(engine)
    assert counts[OutboxStatus.SENT] == 500
    assert counts[OutboxStatus.FAILED] == 0
    async with SandboxClient(flood_sandbox.url) as sb:
        received = await _received(sb, "防災訓練のお知らせ")
        assert set(received) == set(people)
        assert set(received.values()) == {1}
        for telegram_id in people[:5]:
            [message] = await sb.messages(telegram_id)
            assert message["text"] == "防災訓練のお知らせ"


@pytest.mark.usefixtures("flood_bot")
async def test_429_and_500_from_the_bot_api_still_deliver_exactly_once(
    flood_sandbox: SandboxServer, engine: AsyncEngine
) -> None:
    town = await make_town(engine)
    people = await register_people(flood_sandbox, engine, town.east, 60)
    async with SandboxClient(flood_sandbox.url) as sb:
        await sb.add_fault("sendMessage", 429, retry_after=1, times=15)
        await sb.add_fault("sendMessage", 500, times=25)
        await broadcast_to_residents(engine, town.east, "サロンは中止です")
        counts = await until_settled(engine)
        assert counts[OutboxStatus.SENT] == 60
        received = await _received(sb, "サロンは中止です")
        assert set(received) == set(people)
        assert set(received.values()) == {1}
        statuses = Counter(r["status"] for r in await sb.requests(method="sendMessage"))
        assert statuses[429] >= 15
        assert statuses[500] >= 25


async def test_a_person_who_blocked_the_bot_is_marked_and_not_retried(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, settings: Settings
) -> None:
    town = await make_town(engine)
    people = await register_people(sandbox, engine, town.east, 3)
    await sb.set_blocked(people[0], True)
    application = build_application(settings, "123:TEST", retry_backoff=0.01, dispatch=FAST)
    async with running(application):
        broadcast_id = await broadcast_to_residents(engine, town.east, "見守りのお願い")
        await until_settled(engine)
    async with session_factory(engine)() as session:
        counts = await counts_by_status(session, broadcast_id)
        assert (counts[OutboxStatus.SENT], counts[OutboxStatus.BLOCKED]) == (2, 1)
        blocked = await person_of(session, people[0])
        assert blocked is not None
        assert blocked.active is False
    forbidden = [r for r in await sb.requests(method="sendMessage") if r["status"] == 403]
    assert len(forbidden) == 1  # tried once, never again


async def test_quiet_hours_hold_a_message_until_morning(
    sandbox: SandboxServer, engine: AsyncEngine, settings: Settings
) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    clock.travel(datetime(2026, 11, 24, 22, 30, tzinfo=tokyo))
    town = await make_town(engine)
    [person_id] = await register_people(sandbox, engine, town.east, 1)
    async with session_factory(engine)() as session, session.begin():
        person = await person_of(session, person_id)
        assert person is not None
        person.quiet_from, person.quiet_until = 21, 8
        message = enqueue(session, key="quiet-test", text="おはようございます",
                          person_id=person.id)
    application = build_application(settings, "123:TEST", retry_backoff=0.01)
    await application.initialize()
    try:
        dispatcher = Dispatcher(application.bot, session_factory(engine), tokyo, FAST)
        await dispatcher.tick()
        async with session_factory(engine)() as session:
            held = await session.get(OutboxMessage, message.id)
            assert held is not None
            assert held.status == OutboxStatus.PENDING
            assert held.due_at.astimezone(tokyo) == datetime(2026, 11, 25, 8, 0, tzinfo=tokyo)
        clock.travel(datetime(2026, 11, 25, 8, 1, tzinfo=tokyo))
        await dispatcher.tick()
        async with session_factory(engine)() as session:
            sent = await session.get(OutboxMessage, message.id)
            assert sent is not None
            assert sent.status == OutboxStatus.SENT
    finally:
        await application.shutdown()


async def test_group_chats_keep_the_default_quiet_hours(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, settings: Settings
) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    clock.travel(datetime(2026, 11, 24, 23, 0, tzinfo=tokyo))
    member = await sb.create_user(first_name="一郎")
    group = await sb.create_group("ひだまり会", members={member["id"]: "creator"})
    async with session_factory(engine)() as session, session.begin():
        tracked = await track(session, group["id"], "ひだまり会", present=True)
        message = enqueue(session, key="group-quiet", text="夜のお知らせ", group_id=tracked.id)
    application = build_application(settings, "123:TEST", retry_backoff=0.01)
    await application.initialize()
    try:
        dispatcher = Dispatcher(application.bot, session_factory(engine), tokyo, FAST)
        await dispatcher.tick()
        async with session_factory(engine)() as session:
            held = await session.get(OutboxMessage, message.id)
            assert held is not None
            assert held.status == OutboxStatus.PENDING
            assert held.due_at.astimezone(tokyo).hour == 8
    finally:
        await application.shutdown()


async def test_forgetting_a_person_cancels_what_waits_for_them(
    sandbox: SandboxServer, engine: AsyncEngine
) -> None:
    town = await make_town(engine)
    [person_id] = await register_people(sandbox, engine, town.east, 1)
    async with session_factory(engine)() as session, session.begin():
        person = await person_of(session, person_id)
        assert person is not None
        forgotten = person.id
        message = enqueue(session, key="later", text="来週のお知らせ",
                          person_id=person.id, due_at=datetime(2099, 1, 1, tzinfo=UTC))
        await session.flush()
        await forget_person(session, person)
    async with session_factory(engine)() as session:
        # Deleted, not kept as cancelled: its key and recipient would still name the person.
        assert await session.get(OutboxMessage, message.id) is None
        # Nor does anything still tie her Telegram id to a row.
        assert await person_of(session, person_id) is None
        assert (await session.scalars(select(Identity).where(
            Identity.person_id == forgotten))).all() == []


async def test_a_stopping_dispatcher_finishes_the_batch_in_hand_and_leaves_the_rest(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, settings: Settings
) -> None:
    town = await make_town(engine)
    await register_people(sandbox, engine, town.east, 30)
    await broadcast_to_residents(engine, town.east, "お知らせ")
    application = build_application(settings, "123:TEST", retry_backoff=0.01)
    await application.initialize()
    try:
        # Ten at a time, slowly: the stop comes while the first ten are being sent.
        dispatcher = Dispatcher(application.bot, session_factory(engine), ZoneInfo("Asia/Tokyo"),
                                DispatchConfig(batch=10, concurrency=10, rate=20.0, idle=0.05))
        running_task = asyncio.create_task(dispatcher.run())
        async with asyncio.timeout(30):
            while not await _received(sb, "お知らせ"):  # noqa: ASYNC110 - polls the sandbox
                await asyncio.sleep(0.01)
        dispatcher.stop()
        async with asyncio.timeout(30):
            await running_task  # returns by itself: not cancelled in the middle of a send
        async with session_factory(engine)() as session:
            counts = await counts_by_status(session)
        # Nothing is left half-sent; what was not taken waits for the next start.
        assert counts.get(OutboxStatus.SENDING, 0) == 0
        assert 0 < counts[OutboxStatus.SENT] < 30
        assert counts[OutboxStatus.SENT] + counts[OutboxStatus.PENDING] == 30
        assert sum((await _received(sb, "お知らせ")).values()) == counts[OutboxStatus.SENT]
    finally:
        await application.shutdown()


async def test_a_notice_is_worded_when_it_goes_and_one_that_cannot_be_is_set_aside(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, settings: Settings
) -> None:
    town = await make_town(engine)
    hanako, mary = await register_people(sandbox, engine, town.east, 2)
    async with session_factory(engine)() as session, session.begin():
        people = {}
        for telegram_id in (hanako, mary):
            person = await person_of(session, telegram_id)
            assert person is not None
            people[telegram_id] = person
        enqueue(session, key="asked-ja", notice=question(1), person_id=people[hanako].id)
        enqueue(session, key="broken", notice=Notice("need.notice", {"name": "x"}),
                person_id=people[hanako].id)  # its other parameters are missing
        enqueue(session, key="asked-en", notice=question(2), person_id=people[mary].id)
        # She chose English after the notice was queued: it goes in English.
        people[mary].language = "en"
    application = build_application(settings, "123:TEST", retry_backoff=0.01)
    await application.initialize()
    try:
        dispatcher = Dispatcher(application.bot, session_factory(engine),
                                ZoneInfo("Asia/Tokyo"), FAST)
        assert await dispatcher.tick() == 3  # the broken one does not stop the others
    finally:
        await application.shutdown()
    [ja] = await sb.messages(hanako)
    [en] = await sb.messages(mary)
    assert ja["text"] == "今週の調子はいかがですか？\n下のボタンを押して教えてください。"
    assert en["text"] == "How are you this week?\nPlease tap one of the buttons."
    assert en["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ci:2:fine"
    async with session_factory(engine)() as session:
        rows = {m.idempotency_key: m for m in await session.scalars(select(OutboxMessage))}
    assert rows["broken"].status is OutboxStatus.FAILED
    assert (rows["broken"].last_error or "").startswith("notice cannot be rendered")
    assert rows["broken"].params is None  # nothing of it kept
    assert {rows["asked-ja"].status, rows["asked-en"].status} == {OutboxStatus.SENT}
