"""Names are written as their owners would write them."""

from __future__ import annotations

from telegram import User

from handlers.common import person_name


def test_japanese_names_put_the_family_name_first() -> None:
    assert person_name(User(1, "花子", False, last_name="佐藤")) == "佐藤 花子"
    assert person_name(User(2, "ハナコ", False, last_name="サトウ")) == "サトウ ハナコ"


def test_other_names_stay_as_telegram_gives_them() -> None:
    assert person_name(User(3, "Anna", False, last_name="Schmidt")) == "Anna Schmidt"
    assert person_name(User(4, "花子", False)) == "花子"
    assert person_name(None) == "-"
