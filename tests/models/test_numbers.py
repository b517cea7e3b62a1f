"""Typed counts: half- and full-width digits, with or without 人/名."""

from __future__ import annotations

import pytest

from models.numbers import parse_count


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12), ("12人", 12), ("１７名", 17), ("１７人", 17), (" 8 人 ", 8), ("０", 0),
    ("1000名", 1000), ("３０", 30),
])
def test_counts_are_read(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["たくさん", "-3", "－３", "1.5", "", "人", "十人", "12人名人",
                                  "12名人", "+5", "٣"])
def test_anything_else_is_not_a_count(text: str) -> None:
    assert parse_count(text) is None
