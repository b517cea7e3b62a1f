"""Changing an activity or its draft: each change is one function, and a refused answer
changes nothing."""

from __future__ import annotations

from models import Activity, ActivityStatus, Meaning
from models.activities import (
    NAME_LENGTH,
    PLACE_LENGTH,
    ActivityProblem,
    rename,
    set_meanings,
    set_place,
    wait_for,
)


def _activity(status: ActivityStatus) -> Activity:
    return Activity(name="ふれあいサロン", place="公民館", status=status, awaiting=None)


def test_a_name_is_one_to_the_limit_of_characters_and_ends_the_step() -> None:
    salon = _activity(ActivityStatus.DRAFT)
    wait_for(salon, "name")
    assert rename(salon, "") is ActivityProblem.BAD_NAME
    assert rename(salon, "あ" * (NAME_LENGTH + 1)) is ActivityProblem.BAD_NAME
    assert (salon.name, salon.awaiting) == ("ふれあいサロン", "name")  # unchanged
    assert rename(salon, "あ" * NAME_LENGTH) is None
    assert (salon.name, salon.awaiting) == ("あ" * NAME_LENGTH, None)


def test_a_draft_goes_on_from_its_place_to_its_schedule_and_an_edit_ends() -> None:
    draft, active = _activity(ActivityStatus.DRAFT), _activity(ActivityStatus.ACTIVE)
    for activity in (draft, active):
        wait_for(activity, "place")
        assert set_place(activity, "x" * (PLACE_LENGTH + 1)) is ActivityProblem.BAD_PLACE
        assert activity.place == "公民館"
        assert set_place(activity, "東集会所") is None
        assert activity.place == "東集会所"
    assert (draft.awaiting, active.awaiting) == ("schedule", None)


def test_meanings_keep_one_order_whatever_order_they_were_chosen_in() -> None:
    salon = _activity(ActivityStatus.ACTIVE)
    set_meanings(salon, [Meaning.ROLE.value, Meaning.WATCHING.value])
    assert salon.meanings == [Meaning.WATCHING.value, Meaning.ROLE.value]
