"""Engines: database errors never carry the values of a statement, and text is cleaned."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Area, AreaLevel
from models.db import clean_text, session_factory

SECRET = "持病の薬-secret-7f3a"


async def test_a_failing_statement_shows_no_parameter_in_its_error_or_the_log(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # statements are logged too
    async with session_factory(engine)() as session, session.begin():
        city = Area(name="こもれび市", level=AreaLevel.MUNICIPALITY)
        session.add(city)
        await session.flush()
        session.add(Area(name=SECRET, level=AreaLevel.DISTRICT, parent_id=city.id))
    async with session_factory(engine)() as session:
        session.add(Area(name=SECRET, level=AreaLevel.DISTRICT, parent_id=city.id))
        with pytest.raises(IntegrityError) as raised:
            await session.flush()
    logging.getLogger("test").exception("as the bot logs it", exc_info=raised.value)
    assert SECRET not in str(raised.value)
    assert SECRET not in repr(raised.value)
    assert SECRET not in caplog.text


async def test_control_characters_never_reach_the_database(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as session, session.begin():
        session.add(Area(name="みどり\x00地区\u200b\r", level=AreaLevel.MUNICIPALITY))
    async with session_factory(engine)() as session:
        assert (await session.scalars(select(Area.name))).one() == "みどり地区\u200b"


@pytest.mark.parametrize(("typed", "kept"), [
    ("a\x00b\x01c\x1b\x7f\x85\x9fd", "abcd"),
    ("行1\n行2\t終わり", "行1\n行2\t終わり"),
    ("\r\n改行", "\n改行"),
    ("lone \ud800 surrogate", "lone  surrogate"),
    ("絵文字 🙂 と 「かぎ」", "絵文字 🙂 と 「かぎ」"),
])
def test_clean_text_keeps_newlines_and_tabs_only(typed: str, kept: str) -> None:
    assert clean_text(typed) == kept
