"""The outbox: claiming due rows once, retrying with backoff, quiet hours, stale claims."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.identity import CHANNEL
from models import GroupChat, OutboxMessage, OutboxStatus, Person, clock
from models.meetings import REMINDER_KEY, cancel_reminders
from models.notices import Choice, Notice, moment
from models.outbox import (
    MAX_ATTEMPTS,
    Attachment,
    claim_due,
    enqueue,
    enqueue_once,
    forget_old_messages,
    mark_final,
    mark_retry,
    mark_sent,
    outbox_row,
    quiet_until,
    retry_delay,
    stop_sending_to,
    visible_length,
)
from models.people import ensure_person

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
TAKE = [[Choice("need.button.take", ("nd", 1, "take"))]]


async def _people(session: AsyncSession, count: int) -> list[Person]:
    """People to send to (a row names its recipient; the channel finds their chat)."""
    people = [Person() for _ in range(count)]
    session.add_all(people)
    await session.flush()
    return people


async def _group(session: AsyncSession) -> GroupChat:
    group = GroupChat(title="東地区 ご近所ネット")
    session.add(group)
    await session.flush()
    return group


async def test_due_rows_are_claimed_once_in_order(session: AsyncSession) -> None:
    people = await _people(session, 3)
    for n, due in enumerate((NOW - timedelta(minutes=1), NOW + timedelta(minutes=5), NOW)):
        enqueue(session, key=f"k{n}", person_id=people[n].id, text="x", due_at=due)
    await session.commit()
    first = await claim_due(session, "a", now=NOW)
    assert [m.person_id for m in first] == [people[0].id, people[2].id]
    assert {m.status for m in first} == {OutboxStatus.SENDING}
    assert await claim_due(session, "b", now=NOW) == []
    later = await claim_due(session, "b", now=NOW + timedelta(minutes=5),
                            claim_timeout=timedelta(minutes=10))
    assert [m.person_id for m in later] == [people[1].id]


async def test_a_dead_process_claim_is_taken_over_after_the_timeout(
    session: AsyncSession
) -> None:
    [person] = await _people(session, 1)
    enqueue(session, key="k", person_id=person.id, text="x", due_at=NOW)
    await session.commit()
    assert len(await claim_due(session, "dead", now=NOW)) == 1
    assert await claim_due(session, "alive", now=NOW + timedelta(seconds=30),
                           claim_timeout=timedelta(minutes=1)) == []
    [taken] = await claim_due(session, "alive", now=NOW + timedelta(minutes=2),
                              claim_timeout=timedelta(minutes=1))
    assert taken.claimed_by == "alive"


def test_text_must_fit_one_telegram_message(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="4096"):
        enqueue(session, key="k", person_id=1, text="あ" * 4097)
    with pytest.raises(ValueError, match="4096"):
        enqueue(session, key="k", person_id=1, text="  ")


def test_retries_back_off_then_give_up() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_delay(30) == timedelta(minutes=10)
    message = OutboxMessage(status=OutboxStatus.SENDING, attempts=0, due_at=NOW)
    for attempt in range(1, MAX_ATTEMPTS):
        mark_retry(message, "500", NOW)
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == attempt
    mark_retry(message, "500", NOW)
    assert message.status == OutboxStatus.FAILED
    waiting = OutboxMessage(status=OutboxStatus.SENDING, attempts=0, due_at=NOW)
    mark_retry(waiting, "429", NOW, timedelta(seconds=3), counts=False)
    assert (waiting.attempts, waiting.due_at) == (0, NOW + timedelta(seconds=3))


@pytest.mark.parametrize(
    ("local", "window", "expected"),
    [
        (datetime(2026, 11, 24, 22, 30, tzinfo=TOKYO), (time(21), time(8)),
         datetime(2026, 11, 25, 8, 0, tzinfo=TOKYO)),
        (datetime(2026, 11, 25, 6, 0, tzinfo=TOKYO), (time(21), time(8)),
         datetime(2026, 11, 25, 8, 0, tzinfo=TOKYO)),
        (datetime(2026, 11, 25, 8, 0, tzinfo=TOKYO), (time(21), time(8)), None),
        (datetime(2026, 11, 25, 20, 59, tzinfo=TOKYO), (time(21), time(8)), None),
        (datetime(2026, 11, 25, 13, 0, tzinfo=TOKYO), (time(12), time(14)),
         datetime(2026, 11, 25, 14, 0, tzinfo=TOKYO)),
        (datetime(2026, 11, 25, 3, 0, tzinfo=TOKYO), (time(0), time(0)), None),
    ],
)
def test_quiet_hours(local: datetime, window: tuple[time, time],
                     expected: datetime | None) -> None:
    assert quiet_until(local, window) == expected


def test_the_limit_counts_what_telegram_counts() -> None:
    assert visible_length("<b>サロン</b> &lt;3") == len("サロン <3")
    assert visible_length("<b></b>") == 0


async def test_a_photo_or_document_travels_with_its_caption_and_is_dropped_once_sent(
    session: AsyncSession
) -> None:
    clock.travel(NOW)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 10
    group = await _group(session)
    message = enqueue(session, key="file", group_id=group.id, text="グラフ", attachment=png,
                      attachment_name="chart.png", attachment_kind=Attachment.PHOTO)
    await session.commit()
    [claimed] = await claim_due(session, "a", now=NOW + timedelta(seconds=1))
    assert (claimed.attachment, claimed.attachment_name, claimed.attachment_kind) == (
        png, "chart.png", "photo")
    mark_sent(claimed, 42, NOW)
    await session.commit()
    await session.refresh(message)
    assert message.attachment is None  # delivered: the bytes are not kept
    assert (message.group_id, message.sent_id) == (group.id, "42")
    assert message.attachment_name == "chart.png"


def test_an_attachment_needs_a_name_and_a_kind_and_a_short_caption() -> None:
    with pytest.raises(ValueError, match="attachment"):
        enqueue(None, key="a", person_id=1, text="x", attachment=b"1")  # type: ignore[arg-type]  # fails first
    with pytest.raises(ValueError, match="attachment"):
        enqueue(None, key="a", person_id=1, text="x", attachment=b"1",  # type: ignore[arg-type]  # fails first
                attachment_kind=Attachment.DOCUMENT)
    with pytest.raises(ValueError, match="1024"):
        enqueue(None, key="a", person_id=1, text="x" * 1025, attachment=b"1",  # type: ignore[arg-type]  # fails first
                attachment_name="a.xlsx", attachment_kind=Attachment.DOCUMENT)


async def test_a_final_message_keeps_no_text_choices_or_file(session: AsyncSession) -> None:
    """Issue 15, finding 2: a sent message's text has no reason to be kept."""
    clock.travel(NOW)
    note = "佐藤 花子さん（東地区）ひとこと: 心臓の持病があります"
    people = await _people(session, 7)
    group = await _group(session)
    rows = {key: enqueue(session, key=key, person_id=people[n].id, text=note, choices=TAKE)
            for n, key in enumerate(("sent", "rejected", "gave-up", "blocked",
                                     f"{REMINDER_KEY}:9:5:day", "waiting"))}
    rows["file"] = enqueue(session, key="file", person_id=people[6].id, text=note,
                           choices=TAKE, attachment=b"xlsx", attachment_name="a.xlsx",
                           attachment_kind=Attachment.DOCUMENT)
    rows["group-left"] = enqueue(session, key="group-left", group_id=group.id, text=note,
                                 choices=TAKE)
    await session.flush()
    assert rows["waiting"].choices == [[{"label": "need.button.take",
                                         "action": ["nd", 1, "take"]}]]
    mark_sent(rows["sent"], 10, NOW)
    mark_sent(rows["file"], 11, NOW)
    mark_final(rows["rejected"], OutboxStatus.FAILED, "Bad Request: chat not found")
    for _ in range(MAX_ATTEMPTS):
        mark_retry(rows["gave-up"], "Bad Gateway", NOW)
    await session.flush()
    assert await stop_sending_to(session, "Forbidden: bot was blocked by the user",
                                 person_id=people[3].id) == 1
    assert await stop_sending_to(session, "Forbidden: bot was kicked from the group chat",
                                 group_id=group.id) == 1
    assert await stop_sending_to(session, "nobody named") == 0
    assert await cancel_reminders(session, 9) == 1
    await session.commit()
    session.expunge_all()
    kept = {m.idempotency_key: m for m in await session.scalars(select(OutboxMessage))}
    waiting = kept.pop("waiting")
    assert (waiting.text, waiting.choices) == (  # not sent yet: it needs its words
        note, [[{"label": "need.button.take", "action": ["nd", 1, "take"]}]])
    for key, message in kept.items():
        assert message.status in (OutboxStatus.SENT, OutboxStatus.FAILED,
                                  OutboxStatus.BLOCKED, OutboxStatus.CANCELLED), key
        assert (message.text, message.choices, message.attachment) == ("", None, None), key
    assert (kept["blocked"].status, kept["group-left"].status) == (OutboxStatus.BLOCKED,) * 2
    # What delivery reports and de-duplication need stays.
    assert (kept["sent"].sent_id, kept["sent"].sent_at, kept["sent"].person_id) == (
        "10", NOW, people[0].id)


async def test_delivery_records_go_after_the_retention_period(session: AsyncSession) -> None:
    clock.travel(NOW)
    old = NOW - timedelta(days=400)
    [person] = await _people(session, 1)
    for key, due, final in (("old-sent", old, True), ("old-waiting", old, False),
                            ("recent", NOW - timedelta(days=10), True)):
        message = enqueue(session, key=key, person_id=person.id, text="x", due_at=due)
        await session.flush()
        if final:
            mark_sent(message, 1, due)
    await session.commit()
    assert await forget_old_messages(session, NOW, timedelta(days=365)) == 1
    await session.commit()
    assert set(await session.scalars(select(OutboxMessage.idempotency_key))) == {
        "old-waiting", "recent"}


async def test_a_sent_notice_keeps_what_it_was_but_not_whom_it_named(
    session: AsyncSession
) -> None:
    clock.travel(NOW)
    coordinator = await ensure_person(session, CHANNEL, 7001)
    notice = Notice("need.notice", {"name": "佐藤 花子", "note": "心臓の持病があります",
                                    "when": moment(NOW)},
                    ((Choice("need.button.take", ("nd", 1, "take")),),))
    group = await _group(session)
    with pytest.raises(ValueError, match="notice"):
        enqueue(session, key="to-a-group", group_id=group.id, notice=notice)
    with pytest.raises(ValueError, match="notice"):
        enqueue(session, key="and-text", notice=notice, text="x",
                person_id=coordinator.id)
    with pytest.raises(ValueError, match="notice"):
        enqueue(session, key="and-choices", notice=notice, choices=TAKE,
                person_id=coordinator.id)
    message = enqueue(session, key="need", notice=notice, person_id=coordinator.id)
    await session.flush()
    assert Notice.from_row(message.notice or "", message.params, message.choices) == notice
    mark_sent(message, 10, NOW)
    await session.commit()
    session.expunge_all()
    [kept] = await session.scalars(select(OutboxMessage))
    assert (kept.notice, kept.params, kept.choices, kept.text) == ("need.notice", None, None, "")


async def test_a_row_goes_to_one_person_or_one_group(session: AsyncSession) -> None:
    [person] = await _people(session, 1)
    group = await _group(session)
    both: dict[str, Any] = {"person_id": person.id, "group_id": group.id}
    for recipient in (both, {}):
        with pytest.raises(ValueError, match=r"person.*group"):
            enqueue(session, key="k", text="x", **recipient)
        with pytest.raises(ValueError, match=r"person.*group"):
            outbox_row(key="k", text="x", **recipient)
        with pytest.raises(ValueError, match=r"person.*group"):
            await enqueue_once(session, key="k", text="x", **recipient)
    assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    to_her = enqueue(session, key="to-her", text="x", person_id=person.id)
    to_them = enqueue(session, key="to-them", text="x", group_id=group.id)
    await session.commit()
    assert (to_her.person_id, to_her.group_id) == (person.id, None)
    assert (to_them.person_id, to_them.group_id) == (None, group.id)
