"""Areas: created once by name; districts imported from a spreadsheet, all or nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Area, AreaLevel
from models.areas import all_areas, get_or_create_area, import_areas, read_area_rows


async def test_areas_are_created_once(session: AsyncSession) -> None:
    city, created = await get_or_create_area(session, "こもれび市")
    assert created
    district, created = await get_or_create_area(session, "こもれび市", "みどり地区")
    assert created
    assert district.parent_id == city.id
    assert district.level == AreaLevel.DISTRICT
    again, created = await get_or_create_area(session, "こもれび市", "みどり地区")
    assert not created
    assert again.id == district.id
    assert [a.name for a in await all_areas(session)] == ["こもれび市", "みどり地区"]


async def test_import_reads_excel_utf8_with_bom(session: AsyncSession) -> None:
    data = "municipality,district\r\n岡山市,北区中央\r\n岡山市,北区北\r\n\r\n岡山市,中区\r\n"
    result = await import_areas(session, b"\xef\xbb\xbf" + data.encode())
    assert (result.created, result.existing, result.problems) == (3, 0, [])
    again = await import_areas(session, data.encode())
    assert (again.created, again.existing) == (0, 3)
    count = await session.scalar(select(func.count()).select_from(Area))
    assert count == 4  # one municipality, three districts


async def test_import_with_a_bad_line_adds_nothing(session: AsyncSession) -> None:
    data = "municipality,district\n岡山市,北区\n岡山市,\n,南区\n岡山市," + "長" * 101 + "\n"
    result = await import_areas(session, data.encode())
    assert [(p.line, p.key) for p in result.problems] == [
        (3, "areas.import.missing_cell"), (4, "areas.import.missing_cell"),
        (5, "areas.import.too_long")]
    assert await session.scalar(select(func.count()).select_from(Area)) == 0


def test_import_rejects_a_wrong_header_and_other_encodings() -> None:
    assert read_area_rows("市,地区\n岡山市,北区\n".encode())[1][0].key == "areas.import.bad_header"
    assert read_area_rows(b"")[1][0].key == "areas.import.bad_header"
    shift_jis = "municipality,district\n岡山市,北区\n".encode("shift_jis")
    assert read_area_rows(shift_jis)[1][0].key == "areas.import.not_utf8"


async def test_import_refuses_names_that_could_harm_or_hide_and_adds_nothing(
    session: AsyncSession
) -> None:
    lines = ["岡山市,北区", "岡山市,=HYPERLINK(\"http://x\")", "+81,南区", "岡山市,-1",
             "@岡山,東区", "岡山市,北\x00区", "岡山市,北\x1b区", "岡山市,\u202e区北",
             "岡山市,北\u200f区", "岡山市,ー区", "岡山市," + "長" * 101]
    data = "municipality,district\n" + "\n".join(lines) + "\n"
    result = await import_areas(session, data.encode())
    assert [(p.line, p.key) for p in result.problems] == [
        (3, "areas.import.formula"), (4, "areas.import.formula"), (5, "areas.import.formula"),
        (6, "areas.import.formula"), (7, "areas.import.invisible"),
        (8, "areas.import.invisible"), (9, "areas.import.invisible"),
        (10, "areas.import.invisible"), (12, "areas.import.too_long")]
    assert await session.scalar(select(func.count()).select_from(Area)) == 0


async def test_an_unclosed_quote_never_makes_a_name_of_several_lines(
    session: AsyncSession
) -> None:
    data = 'municipality,district\nこもれび市,"みどり地区\nこもれび市,あおば地区\n'
    result = await import_areas(session, data.encode())
    assert [p.key for p in result.problems] == ["areas.import.invisible"]
    assert await session.scalar(select(func.count()).select_from(Area)) == 0


def test_a_field_over_the_csv_limit_is_one_problem_for_the_file() -> None:
    data = "municipality,district\n岡山市,北区\n岡山市," + "長" * 200_000 + "\n"
    rows, problems = read_area_rows(data.encode())
    assert [(p.line, p.key) for p in problems] == [(3, "areas.import.bad_csv")]
    assert rows == [(2, "岡山市", "北区")]  # import_areas adds nothing when there are problems
