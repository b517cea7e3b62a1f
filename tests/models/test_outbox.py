"""The outbox: claiming due rows once, retrying with backoff, quiet hours, stale claims."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OutboxMessage, OutboxStatus, clock
from models.meetings import REMINDER_KEY, cancel_reminders
from models.notices import Choice, Notice, moment
from models.outbox import (
    MAX_ATTEMPTS,
    Attachment,
    claim_due,
    enqueue,
    forget_old_messages,
    mark_final,
    mark_retry,
    mark_sent,
    quiet_until,
    retry_delay,
    stop_sending_to,
    visible_length,
)
from models.people import ensure_person

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo


async def test_due_rows_are_claimed_once_in_order(session: AsyncSession) -> None:
    for n, due in enumerate((NOW - timedelta(minutes=1), NOW + timedelta(minutes=5), NOW)):
        enqueue(session, key=f"k{n}", chat_id=100 + n, text="x", due_at=due)
    await session.commit()
    first = await claim_due(session, "a", now=NOW)
    assert [m.chat_id for m in first] == [100, 102]
    assert {m.status for m in first} == {OutboxStatus.SENDING}
    assert await claim_due(session, "b", now=NOW) == []
    later = await claim_due(session, "b", now=NOW + timedelta(minutes=5),
                            claim_timeout=timedelta(minutes=10))
    assert [m.chat_id for m in later] == [101]


async def test_a_dead_process_claim_is_taken_over_after_the_timeout(
    session: AsyncSession
) -> None:
    enqueue(session, key="k", chat_id=1, text="x", due_at=NOW)
    await session.commit()
    assert len(await claim_due(session, "dead", now=NOW)) == 1
    assert await claim_due(session, "alive", now=NOW + timedelta(seconds=30),
                           claim_timeout=timedelta(minutes=1)) == []
    [taken] = await claim_due(session, "alive", now=NOW + timedelta(minutes=2),
                              claim_timeout=timedelta(minutes=1))
    assert taken.claimed_by == "alive"


def test_text_must_fit_one_telegram_message(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="4096"):
        enqueue(session, key="k", chat_id=1, text="あ" * 4097)
    with pytest.raises(ValueError, match="4096"):
        enqueue(session, key="k", chat_id=1, text="  ")


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
    message = enqueue(session, key="file", chat_id=7, text="グラフ", attachment=png,
                      attachment_name="chart.png", attachment_kind=Attachment.PHOTO)
    await session.commit()
    [claimed] = await claim_due(session, "a", now=NOW + timedelta(seconds=1))
    assert (claimed.attachment, claimed.attachment_name, claimed.attachment_kind) == (
        png, "chart.png", "photo")
    mark_sent(claimed, 42, NOW)
    await session.commit()
    await session.refresh(message)
    assert message.attachment is None  # delivered: the bytes are not kept
    assert message.attachment_name == "chart.png"


def test_an_attachment_needs_a_name_and_a_kind_and_a_short_caption() -> None:
    with pytest.raises(ValueError, match="attachment"):
        enqueue(None, key="a", chat_id=1, text="x", attachment=b"1")  # type: ignore[arg-type]  # fails first
    with pytest.raises(ValueError, match="attachment"):
        enqueue(None, key="a", chat_id=1, text="x", attachment=b"1",  # type: ignore[arg-type]  # fails first
                attachment_kind=Attachment.DOCUMENT)
    with pytest.raises(ValueError, match="1024"):
        enqueue(None, key="a", chat_id=1, text="x" * 1025, attachment=b"1",  # type: ignore[arg-type]  # fails first
                attachment_name="a.xlsx", attachment_kind=Attachment.DOCUMENT)


async def test_a_final_message_keeps_no_text_buttons_or_file(session: AsyncSession) -> None:
    """Issue 15, finding 2: a sent message's text has no reason to be kept."""
    clock.travel(NOW)
    note = "佐藤 花子さん（東地区）ひとこと: 心臓の持病があります"
    buttons = [[{"text": "対応します", "callback_data": "nd:1:take"}]]
    rows = {key: enqueue(session, key=key, chat_id=chat, text=note, buttons=buttons)
            for key, chat in (("sent", 1), ("rejected", 2), ("gave-up", 3), ("blocked", 4),
                              (f"{REMINDER_KEY}:9:5:day", 5), ("waiting", 6))}
    rows["file"] = enqueue(session, key="file", chat_id=7, text=note, buttons=buttons,
                           attachment=b"xlsx", attachment_name="a.xlsx",
                           attachment_kind=Attachment.DOCUMENT)
    await session.flush()
    mark_sent(rows["sent"], 10, NOW)
    mark_sent(rows["file"], 11, NOW)
    mark_final(rows["rejected"], OutboxStatus.FAILED, "Bad Request: chat not found")
    for _ in range(MAX_ATTEMPTS):
        mark_retry(rows["gave-up"], "Bad Gateway", NOW)
    await session.flush()
    assert await stop_sending_to(session, 4, "Forbidden: bot was blocked by the user") == 1
    assert await cancel_reminders(session, 9) == 1
    await session.commit()
    session.expunge_all()
    kept = {m.idempotency_key: m for m in await session.scalars(select(OutboxMessage))}
    assert kept.pop("waiting").text == note  # not sent yet: it needs its words
    for key, message in kept.items():
        assert message.status in (OutboxStatus.SENT, OutboxStatus.FAILED,
                                  OutboxStatus.BLOCKED, OutboxStatus.CANCELLED), key
        assert (message.text, message.buttons, message.attachment) == ("", None, None), key
    # What delivery reports and de-duplication need stays.
    assert (kept["sent"].telegram_message_id, kept["sent"].sent_at, kept["sent"].chat_id) == (
        10, NOW, 1)


async def test_delivery_records_go_after_the_retention_period(session: AsyncSession) -> None:
    clock.travel(NOW)
    old = NOW - timedelta(days=400)
    for key, due, final in (("old-sent", old, True), ("old-waiting", old, False),
                            ("recent", NOW - timedelta(days=10), True)):
        message = enqueue(session, key=key, chat_id=1, text="x", due_at=due)
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
    coordinator = await ensure_person(session, 7001)
    notice = Notice("need.notice", {"name": "佐藤 花子", "note": "心臓の持病があります",
                                    "when": moment(NOW)},
                    ((Choice("need.button.take", ("nd", 1, "take")),),))
    with pytest.raises(ValueError, match="notice"):
        enqueue(session, key="no-person", chat_id=1, notice=notice)
    with pytest.raises(ValueError, match="notice"):
        enqueue(session, key="and-text", chat_id=1, notice=notice, text="x",
                person_id=coordinator.id)
    message = enqueue(session, key="need", chat_id=7001, notice=notice,
                      person_id=coordinator.id)
    await session.flush()
    assert Notice.from_row(message.notice or "", message.params, message.choices) == notice
    mark_sent(message, 10, NOW)
    await session.commit()
    session.expunge_all()
    [kept] = await session.scalars(select(OutboxMessage))
    assert (kept.notice, kept.params, kept.choices, kept.text) == ("need.notice", None, None, "")
