"""The seam between the domain and a channel: the outbox holds notices, not Telegram payloads.

A second channel, written here and as plain as can be (text without markup, buttons as their
words), renders a check-in question, a need notice and a meeting reminder from the very rows
that the Telegram channel then sends. Both say the same words and offer the same choices:
what is said is decided once, below the channels.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_application
from bot.dispatch import DispatchConfig, Dispatcher
from bot.identity import person_of
from bot.notices import params_text
from bot.sandbox import SandboxClient, SandboxServer
from bot.settings import Settings
from locales.i18n import N_, normalize_language, plain, use_language
from models import Meeting, OutboxMessage, OutboxStatus, Person, Role, clock
from models.db import session_factory
from models.meetings import MeetingKind, MeetingStatus, join
from models.needs import Category, raise_need, set_note, start_need, toggle_category
from models.notices import Notice
from models.outbox import enqueue
from models.people import ensure_person
from scheduler.checkins import ask_in_batches
from scheduler.meetings import remind_due
from scheduler.needs import tell_coordinators
from tests.auxil.town import add_person, make_town

TOKYO = ZoneInfo("Asia/Tokyo")
HANAKO, MIKA = 9201, 9202
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO)  # the default check-in time
STARTS = datetime(2026, 12, 2, 14, 0, tzinfo=TOKYO)


class PlainTextChannel:
    """A channel that shows text without markup and buttons as their words, and keeps what it
    was given to show, per recipient."""

    def __init__(self) -> None:
        self.shown: dict[int, list[tuple[str, list[str]]]] = {}

    def deliver(self, message: OutboxMessage, recipient: Person) -> None:
        assert message.notice is not None, "every row in this test is a notice"
        notice = Notice.from_row(message.notice, message.params, message.choices)
        with use_language(normalize_language(recipient.language), TOKYO):
            # The catalog's words are Telegram HTML: this channel shows them without markup.
            words = _without_markup(plain(notice.key)).format(**params_text(notice))
            choices = [plain(choice.label) for row in notice.choices for choice in row]
        self.shown.setdefault(recipient.id, []).append((words, choices))


def _without_markup(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def _queue_the_three(engine: AsyncEngine) -> tuple[Person, Person]:
    """Both are asked this week's question; 花子's need reaches 美香, her coordinator; 花子
    is reminded of a meeting she signed up for."""
    clock.travel(MONDAY - timedelta(days=7))
    town = await make_town(engine)
    await add_person(engine, HANAKO, "佐藤 花子", town.east)
    await add_person(engine, MIKA, "田中 美香", town.east,
                     roles=((Role.DISTRICT_COORDINATOR, town.east),))
    clock.travel(MONDAY)
    assert await ask_in_batches(session_factory(engine), MONDAY.astimezone(UTC), TOKYO) == 2
    async with session_factory(engine)() as session, session.begin():
        hanako = await person_of(session, HANAKO)
        mika = await person_of(session, MIKA)
        assert hanako is not None
        assert mika is not None
        need = await start_need(session, hanako, None)
        toggle_category(need, Category.SHOPPING)
        set_note(need, "重い物が<持てません>")
        assert raise_need(need, clock.utcnow())
        await session.flush()
        assert await tell_coordinators(session, need) == 1
        meeting = Meeting(kind=MeetingKind.WORKSHOP, title="支え合いワークショップ",
                          area_id=town.east.id, starts_at=STARTS,
                          ends_at=STARTS + timedelta(minutes=90), place="東公民館",
                          organiser_id=mika.id, status=MeetingStatus.SCHEDULED)
        session.add(meeting)
        await session.flush()
        await join(session, meeting.id, hanako.id, clock.utcnow())
    evening = datetime(2026, 12, 1, 18, 0, tzinfo=TOKYO)
    clock.travel(evening)
    async with session_factory(engine)() as session, session.begin():
        assert await remind_due(session, evening.astimezone(UTC), TOKYO) == 1
    return hanako, mika


async def test_a_second_channel_renders_the_same_rows_that_telegram_sends(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, settings: Settings
) -> None:
    hanako, mika = await _queue_the_three(engine)
    on_telegram = ((hanako, HANAKO), (mika, MIKA))
    for person, telegram_id in on_telegram:
        sandbox.ensure_user(telegram_id, person.display_name or "-", started=True)

    # The second channel takes the rows as they wait in the outbox.
    plain_channel = PlainTextChannel()
    async with session_factory(engine)() as session:
        waiting = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        people = {p.id: p for p in await session.scalars(select(Person))}
    assert [m.notice for m in waiting] == ["checkin.question", "checkin.question",
                                           "need.notice", "meeting.reminder_day"]
    # No Telegram payload: no chat id (a row names its person, whose chat the channel finds
    # when it sends), no HTML, no callback data (choices are a catalog key and an action).
    assert {"chat_id", "buttons", "telegram_message_id"}.isdisjoint(
        OutboxMessage.__table__.columns.keys())
    for message in waiting:
        assert message.person_id is not None
        assert (message.group_id, message.text, message.sent_id) == (None, "", None)
        assert all(set(choice) <= {"label", "action", "params"}
                   for row in message.choices or [] for choice in row)
        plain_channel.deliver(message, people[message.person_id])

    [(question, answers), (reminder, no_choices)] = plain_channel.shown[hanako.id]
    assert question == "今週の調子はいかがですか？\n下のボタンを押して教えてください。"
    assert answers == ["元気です", "まあまあ", "少し困っている", "話を聞いてほしい"]
    assert reminder == ("【お知らせ】「支え合いワークショップ」\n日時: 12月2日(水) 14:00〜15:30\n"
                        "場所: 東公民館\nお気をつけてお越しください。")
    assert no_choices == []
    [(mika_asked, mika_answers), (notice, choices)] = plain_channel.shown[mika.id]
    assert (mika_asked, mika_answers) == (question, answers)
    assert notice == ("🔔 困りごとの相談がありました\n佐藤 花子さん（東地区）\n内容: 買い物\n"
                      "ひとこと: 重い物が<持てません>\n受付: 11月30日(月) 10:00")
    assert choices == ["対応します", "くわしく見る"]

    # Telegram sends the same rows, rendered by its own channel when they go out.
    assert await _telegram_sends(settings, engine) == 4
    for person, telegram_id in on_telegram:
        got = [(m["text"], _labels(m))  # as Telegram shows it, the markup read
               for m in await sb.messages(telegram_id)]
        # The dispatcher sends a batch at once: they may arrive in any order.
        assert sorted(got) == sorted(plain_channel.shown[person.id])
    async with session_factory(engine)() as session:
        sent = list(await session.scalars(select(OutboxMessage)))
    assert {m.status for m in sent} == {OutboxStatus.SENT}
    assert all(m.params is None and m.choices is None for m in sent)  # nothing personal kept


async def _telegram_sends(settings: Settings, engine: AsyncEngine) -> int:
    """Let the Telegram channel's dispatcher send one batch; return how many rows it took."""
    application = build_application(settings, "123:TEST", retry_backoff=0.01)
    await application.initialize()
    try:
        dispatcher = Dispatcher(application.bot, session_factory(engine), TOKYO,
                                DispatchConfig(idle=0.05))
        return await dispatcher.tick()
    finally:
        await application.shutdown()


def _labels(message: dict[str, Any]) -> list[str]:
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in keyboard for button in row]


async def test_telegram_does_not_send_to_someone_it_cannot_reach(
    sandbox: SandboxServer, sb: SandboxClient, engine: AsyncEngine, settings: Settings
) -> None:
    """A person known only on another channel (a LINE user, say) has no Telegram chat: the
    Telegram dispatcher records their row as not sendable and sends the rest of the batch.
    Nothing is sent to a chat guessed from an id."""
    town = await make_town(engine)
    await add_person(engine, HANAKO, "佐藤 花子", town.east)
    sandbox.ensure_user(HANAKO, "花子", started=True)
    line_user_id = "U4af4980629"  # what a LINE user id looks like
    async with session_factory(engine)() as session, session.begin():
        hanako = await person_of(session, HANAKO)
        assert hanako is not None
        yoshiko = await ensure_person(session, "line", line_user_id)
        assert await person_of(session, HANAKO) is not None
        for person in (yoshiko, hanako):
            enqueue(session, key=f"word:{person.id}", notice=Notice(N_("checkin.question")),
                    person_id=person.id, urgent=True)
        ids = (yoshiko.id, hanako.id)

    assert await _telegram_sends(settings, engine) == 2
    async with session_factory(engine)() as session:
        rows = {m.person_id: m for m in await session.scalars(select(OutboxMessage))}
    assert (rows[ids[0]].status, rows[ids[0]].last_error) == (
        OutboxStatus.CANCELLED, "recipient not on Telegram")
    assert rows[ids[1]].status == OutboxStatus.SENT
    assert [m["text"] for m in await sb.messages(HANAKO)] == [
        "今週の調子はいかがですか？\n下のボタンを押して教えてください。"]
    # Sent to nobody else: every chat the Bot API was asked to write to is 花子's.
    assert {int(r["params"]["chat_id"]) for r in await sb.requests("sendMessage")} == {HANAKO}
