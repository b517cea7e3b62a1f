"""The meeting card and the calendar file, rendered without a bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from locales.i18n import use_language
from locales.meeting_text import calendar_file, card
from models import Meeting, MeetingKind, MeetingStatus, clock
from models.meetings import Counts
from scheduler.meetings import reminder_kind

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _in_november_2026() -> None:
    """The meetings here are in December 2026: read in 2026, their dates carry no year."""
    clock.travel(datetime(2026, 11, 30, 10, 0, tzinfo=TOKYO))
START = datetime(2026, 12, 2, 14, 0, tzinfo=TOKYO)


def _meeting(**fields: object) -> Meeting:
    values: dict[str, object] = {
        "id": 7, "kind": MeetingKind.CARE_MEETING, "title": "ご近所ケア会議",
        "starts_at": START.astimezone(UTC), "ends_at": (START + timedelta(minutes=90)
                                                       ).astimezone(UTC),
        "place": "公民館 <2階>", "capacity": 10, "status": MeetingStatus.SCHEDULED,
        "created_at": datetime(2026, 11, 20, tzinfo=UTC)}
    values.update(fields)
    return Meeting(**values)


def test_the_calendar_file_is_a_valid_event_in_tokyo_time() -> None:
    calendar = Calendar.from_ical(calendar_file(_meeting(), TOKYO))
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == START
    assert event.decoded("dtend") == START + timedelta(minutes=90)
    assert event["dtstart"].params["TZID"] == "Asia/Tokyo"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert str(event["location"]) == "公民館 <2階>"
    assert str(event["uid"]) == "meeting-7@otagai"


def test_a_meeting_without_an_end_has_no_dtend() -> None:
    calendar = Calendar.from_ical(calendar_file(_meeting(ends_at=None), TOKYO))
    [event] = calendar.walk("VEVENT")
    assert "DTEND" not in event


def test_the_card_escapes_what_people_typed_and_shows_counts_only() -> None:
    with use_language("ja", TOKYO):
        text = card(_meeting(), "東地区", Counts(7, 2))
    assert text == ("<b>ご近所ケア会議「ご近所ケア会議」</b>\n日時: 12月2日(水) 14:00〜15:30\n"
                    "場所: 公民館 &lt;2階&gt;\n対象: 東地区\n"
                    "参加予定 7/10名・キャンセル待ち 2名")


def test_which_reminder_is_due() -> None:
    meeting = _meeting()
    evening = datetime(2026, 12, 1, 18, 0, tzinfo=TOKYO)
    assert reminder_kind(meeting, evening - timedelta(seconds=1), TOKYO) is None
    assert reminder_kind(meeting, evening, TOKYO) == "day"
    assert reminder_kind(meeting, START - timedelta(hours=2, seconds=1), TOKYO) == "day"
    assert reminder_kind(meeting, START - timedelta(hours=2), TOKYO) == "soon"
    assert reminder_kind(meeting, START, TOKYO) is None
