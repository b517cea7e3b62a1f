"""Schedules read back in words, as people would say them."""

from __future__ import annotations

from datetime import date

import pytest

from locales.activity_text import describe_schedule
from locales.i18n import use_language
from models.schedule import parse_schedule


@pytest.mark.parametrize(("typed", "japanese", "english"), [
    ("毎日 6:00-6:30", "毎日 6:00〜6:30", "every day, 6:00–6:30"),
    ("平日 9時から10時", "平日（月〜金）9:00〜10:00", "weekdays (Mon-Fri), 9:00–10:00"),
    ("毎週火・金 10時から11時", "毎週 火、金曜 10:00〜11:00", None),
    ("毎月第2水曜 12:00-13:30", "毎月 第2 水曜 12:00〜13:30", None),
])
def test_schedules_read_back(typed: str, japanese: str, english: str | None) -> None:
    schedule = parse_schedule(typed, date(2026, 11, 23))
    assert schedule is not None
    with use_language("ja"):
        assert describe_schedule(schedule) == japanese
    if english is not None:
        with use_language("en"):
            assert describe_schedule(schedule) == english
