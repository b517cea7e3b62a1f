"""The 通いの場 survey, from a hand-counted registry: which places, which month, which
figures, what is missing; and the workbook read back as an officer would."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from locales.i18n import use_language
from models.db import session_factory
from models.kayoinoba import Band
from models.participants import MonthlyParticipants
from scheduler.digests.suppression import Mark
from scheduler.digests.survey_workbook import HEADER_ROW, Hidden, survey_workbook
from scheduler.survey import Survey, SurveyError, build_survey, hidden_counts
from tests.auxil.survey import Registry, seed_registry

TOKYO = ZoneInfo("Asia/Tokyo")


async def _survey(engine: AsyncEngine, year: int = 2026, **options: object) -> Survey:
    async with session_factory(engine)() as session:
        return await build_survey(session, year, TOKYO, **options)  # type: ignore[arg-type]  # month and area_id


async def test_the_places_of_the_fiscal_year_with_march_counts(engine: AsyncEngine) -> None:
    ids = await seed_registry(engine)
    survey = await _survey(engine)
    assert survey.month == date(2027, 3, 1)
    assert not survey.month_given
    by_name = {p.name: p for p in survey.places}
    # help at home, a one-off, an unreviewed proposal, one ended before April: left out
    assert list(by_name) == ["いきいき体操", "ふれあいサロン", "みんなの居場所", "西の食事会"]
    assert (by_name["いきいき体操"].people, by_name["いきいき体操"].aged_65_plus) == (18, 15)
    assert by_name["ふれあいサロン"].band is Band.MONTHLY
    assert by_name["みんなの居場所"].band is Band.TWICE_MONTHLY
    assert by_name["西の食事会"].band is Band.TWICE_MONTHLY
    assert by_name["いきいき体操"].band is Band.WEEKLY
    assert by_name["みんなの居場所"].people is None  # only February was counted
    assert survey.people == 18 + 9 + 7  # the FY2025 March count of 30 is another year
    assert by_name["いきいき体操"].missing() == []
    assert by_name["ふれあいサロン"].missing() == ["operator"]
    assert by_name["みんなの居場所"].missing() == ["people", "category"]
    assert by_name["西の食事会"].district == "西地区"
    assert by_name["いきいき体操"].activity_id == ids.exercise


async def test_a_month_asked_for_an_area_and_the_latest_month(engine: AsyncEngine) -> None:
    ids = await seed_registry(engine)
    february = await _survey(engine, month=date(2027, 2, 1), area_id=ids.east)
    assert february.month_given
    assert february.area == "東地区"
    assert [(p.name, p.people) for p in february.places] == [
        ("いきいき体操", 20), ("ふれあいサロン", None), ("みんなの居場所", 11)]
    west = await _survey(engine, area_id=ids.town)
    assert len(west.places) == 4
    assert west.area == "みどり市"


async def test_without_march_the_latest_month_with_counts(engine: AsyncEngine) -> None:
    await seed_registry(engine)
    async with session_factory(engine)() as session, session.begin():
        await session.execute(delete(MonthlyParticipants).where(
            MonthlyParticipants.month == date(2027, 3, 1)))
    survey = await _survey(engine)
    assert survey.month == date(2027, 2, 1)
    assert survey.month_has_counts
    assert survey.people == 20 + 11


async def test_no_places_a_month_outside_or_an_unknown_area_is_an_error(
        engine: AsyncEngine) -> None:
    await seed_registry(engine)
    with pytest.raises(SurveyError) as error:
        await _survey(engine, 2019)
    assert error.value.key == "survey.cli.no_places"
    with pytest.raises(SurveyError) as error:
        await _survey(engine, month=date(2027, 4, 1))
    assert error.value.key == "survey.cli.month_outside"
    with pytest.raises(SurveyError) as error:
        await _survey(engine, area_id=999999)
    assert error.value.key == "survey.cli.no_area"


def read_places(data: bytes) -> tuple[list[list[object]], list[list[object]],
                                      list[list[object]]]:
    """Return the info lines, the place rows (header first) and the missing sheet."""
    workbook = load_workbook(io.BytesIO(data))
    places = [list(r) for r in workbook["通いの場"].iter_rows(values_only=True)]
    missing = [list(r) for r in workbook["未記入の項目"].iter_rows(values_only=True)]
    return places[:HEADER_ROW], places[HEADER_ROW:], missing


async def test_the_workbook_read_back(engine: AsyncEngine) -> None:
    registry: Registry = await seed_registry(engine)
    survey = await _survey(engine)
    with use_language("ja"):
        data = survey_workbook(survey, date(2027, 4, 5))
    info, rows, missing = read_places(data)
    assert "通いの場" in str(info[0][0])
    assert info[1][1] == "令和4年度実施分の調査項目に沿って作成"
    assert info[2][1] == "令和8年度（2026年度）"
    assert info[4][1] == "2027年3月 （年度末の3月）"
    assert rows[0][:15] == ["番号", "通いの場の名称", "市町村", "日常生活圏域", "会場",
                            "主な活動内容", "運営主体", "開催場所", "開催頻度", "開催日時",
                            "参加者実人数", "うち65歳以上", "参加費", "専門職の関与", "状態"]
    first = rows[1]
    assert first[:9] == [1, "いきいき体操", "みどり市", "東地区", "東集会所", "体操（運動）",
                         "住民団体", "公民館・自治会館・集会所", "週1回以上"]
    assert first[10:15] == [18, 15, "無", "有", "活動中"]
    assert rows[3][5] is None  # みんなの居場所: no category chosen
    assert rows[3][8] == "月2回以上4回未満"
    assert rows[2][8] == "月1回以上2回未満"
    assert rows[5][0] == "合計"
    assert rows[5][10] == 34
    assert len(rows) == 6
    assert missing[0] == ["番号", "通いの場の名称", "日常生活圏域", "記入が必要な項目"]
    assert missing[1:] == [[2, "ふれあいサロン", "東地区", "運営主体"],
                           [3, "みんなの居場所", "東地区",
                            "2027年3月の参加者実人数、主な活動内容"]]
    # no person's name anywhere in the file
    every = " ".join(str(v) for r in info + rows + missing for v in r if v is not None)
    assert "山田" not in every
    assert registry.organiser  # the organiser exists, but is not shown


async def test_the_file_to_share_hides_small_counts_and_what_gives_them_back(
        engine: AsyncEngine) -> None:
    await seed_registry(engine)
    survey = await _survey(engine)
    by_name = {p.name: p for p in survey.places}
    # ふれあいサロン had 2 people: hidden; the total and the others would give it back
    # (2 = total - 18 - 7), so one more count is hidden with it.
    places = [replace(p, people=2) if p.name == "ふれあいサロン" else p for p in survey.places]
    small = replace(survey, places=places)
    hidden = hidden_counts(small, 3)
    salon = places.index(replace(by_name["ふれあいサロン"], people=2))
    assert hidden[salon] is Mark.BELOW
    assert len(hidden) >= 2  # not recoverable by subtraction
    with use_language("ja"):
        shared = survey_workbook(small, date(2027, 4, 10), Hidden(hidden, 3))
        exact = survey_workbook(small, date(2027, 4, 10))
    sheet = load_workbook(io.BytesIO(shared)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(min_row=HEADER_ROW + 2, values_only=True)]
    people = [row[10] for row in rows]
    assert people[salon] == "3人未満"
    assert sum(isinstance(v, str) for v in people) == len(hidden)
    assert all(row[11] is None for row in rows)  # 65+, a part of a count: left out
    exact_rows = [list(r) for r in load_workbook(io.BytesIO(exact)).worksheets[0].iter_rows(
        min_row=HEADER_ROW + 2, values_only=True)]
    assert [row[10] for row in exact_rows] == [18, 2, None, 7, 27]  # the file to file
