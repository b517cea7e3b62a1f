"""``otagai areas population`` and ``otagai report``: the municipal officer's commands, end to
end on a migrated database, the workbook read back with openpyxl."""

from __future__ import annotations

import asyncio
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from locales.i18n import plain, use_language
from models import DistrictPopulation
from models.clock import travel
from models.db import session_factory
from scheduler.indicators import BY_KEY, SENSITIVE
from tests.auxil.indicators import NOW, seed_indicators
from tests.auxil.town import make_town


@pytest.fixture
def _database(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OTAGAI_DATABASE_URL", database_url)
    monkeypatch.delenv("OTAGAI_DEFAULT_LANGUAGE", raising=False)


async def _main(argv: list[str]) -> int:
    """Run the command in a thread: it starts its own event loop."""
    return await asyncio.to_thread(main, argv)


async def _stored(engine: AsyncEngine) -> list[tuple[str, int, int, int, date]]:
    async with session_factory(engine)() as session:
        rows = await session.scalars(select(DistrictPopulation)
                                     .order_by(DistrictPopulation.district_id))
        return [(str(r.district_id), r.aged_65_plus, r.aged_75_plus, r.certified, r.as_of)
                for r in rows]


@pytest.mark.usefixtures("_database")
async def test_population_from_excel_csv_in_utf8_or_shift_jis(
        engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town = await make_town(engine)
    travel(NOW)
    text = ("district,aged_65_plus,aged_75_plus,certified,as_of\r\n"
            "東地区,\"1,200\",600,180,2026-04-01\r\n西地区,900,400,120,\r\n")
    for number, data in enumerate((text.encode("utf-8-sig"), text.encode("cp932"))):
        path = tmp_path / f"population{number}.csv"
        path.write_bytes(data)
        assert await _main(["areas", "population", str(path)]) == 0
        assert capsys.readouterr().out == "2地区の人口を保存しました。\n"
    assert await _stored(engine) == [
        (str(town.east.id), 1200, 600, 180, date(2026, 4, 1)),
        (str(town.west.id), 900, 400, 120, date(2027, 1, 10))]  # today, in Tokyo


@pytest.mark.usefixtures("_database")
async def test_a_bad_population_file_changes_nothing_and_names_each_cell(
        engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await make_town(engine)
    path = tmp_path / "population.csv"
    path.write_text("district,aged_65_plus,aged_75_plus,certified\n"
                    "東地区,100,50,10\n"
                    "北地区,100,50,10\n"
                    "西地区,-5,50,abc\n"
                    "東地区,100,150,10\n", encoding="utf-8")
    assert await _main(["areas", "population", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "3行目（district）: この名前の地区はありません（otagai areas list で確かめてください）",
        "4行目（aged_65_plus）: マイナスの数です",
        "4行目（certified）: 数字ではありません",
        "5行目（aged_75_plus）: 75歳以上の人口が65歳以上の人口より多くなっています",
        "問題があったため、何も変更していません。"]
    assert await _stored(engine) == []
    path.write_text("地区,65歳以上\n東地区,100\n", encoding="utf-8")
    assert await _main(["areas", "population", str(path)]) == 1
    assert capsys.readouterr().out.splitlines()[0].startswith("1行目: 1行目は district,")


@pytest.mark.usefixtures("_database")
async def test_report_as_text_workbook_and_chart(
        engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    town = (await seed_indicators(engine)).town
    travel(NOW)
    assert await _main(["report", "--fiscal-year", "2026", "--quarter", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("成果指標 テスト市 2026年度 第3四半期（10月〜12月）\n"
                          "（かっこ内は前の期間: 2026年度 第2四半期（7月〜9月））\n"
                          "実人数の基準月: 11月\n")
    assert "・通いの場への参加率: 5.8％ ↑（3.1％）" in out
    # a council's view: 7 in all, shown; 西地区's 2 is hidden, and 東地区's 5 with it
    assert "・困りごとの相談: 7 （3件未満）" in out
    assert "・手伝いをした担い手: 3件未満 （0）" in out
    assert "<b>" not in out

    folder = tmp_path / "out"
    folder.mkdir()
    assert await _main(["report", "--fiscal-year", "2026", "--quarter", "3",
                        "--format", "xlsx", "--out", str(folder), "--exact"]) == 0
    path = folder / f"report-{town.city.id}-2026-Q3.xlsx"
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert book.sheetnames == ["概要", "地域住民", "高齢者・要介護認定者", "介護専門職・センター",
                               "定義"]
    older = [list(r) for r in book["高齢者・要介護認定者"].iter_rows(values_only=True)]
    header = older[0]
    assert [row[0] for row in older[1:]] == ["東地区", "西地区", "合計"]
    column = header.index("通いの場への参加率")
    assert [row[column] for row in older[1:]] == [8.0, 3.0, 5.8]
    assert [row[column + 1] for row in older[1:]] == [3.6, 2.5, 3.1]  # Q2
    raised = header.index("困りごとの相談")
    assert [row[raised] for row in older[1:]] == [5, 2, 7]
    definitions = [list(r) for r in book["定義"].iter_rows(values_only=True)]
    assert len(definitions) == 1 + 31
    assert all(row[2] for row in definitions[1:])

    suppressed = folder / "council.xlsx"
    assert await _main(["report", "--fiscal-year", "2026", "--quarter", "3",
                        "--format", "xlsx", "--out", str(suppressed)]) == 0
    book = load_workbook(io.BytesIO(suppressed.read_bytes()))
    with use_language("ja"):
        sensitive = {plain(BY_KEY[key].name) for key in SENSITIVE}
    seen = 0
    for sheet in book.sheetnames[1:4]:
        rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
        for index, title in enumerate(rows[0]):
            if title in sensitive or str(title).removesuffix("（前の期間）") in sensitive:
                seen += 1
                for row in rows[1:]:
                    assert not (isinstance(row[index], int) and 0 < row[index] < 3), \
                        (sheet, title, row)
    assert seen == 2 * len(SENSITIVE)
    residents = [list(r) for r in book["地域住民"].iter_rows(values_only=True)]
    supporters = residents[0].index("手伝いをした担い手")
    assert [row[supporters] for row in residents[1:]] == ["3件未満", "3件未満", "3件未満"]

    assert await _main(["report", "--fiscal-year", "2026", "--format", "png",
                        "--out", str(folder)]) == 0
    assert (folder / f"report-{town.city.id}-2026.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.usefixtures("_database")
async def test_a_wrong_quarter_or_area_is_one_line(
        engine: AsyncEngine, capsys: pytest.CaptureFixture[str]) -> None:
    await seed_indicators(engine)
    assert await _main(["report", "--fiscal-year", "2026", "--quarter", "5"]) == 1
    assert capsys.readouterr().err == "四半期は 1〜4 で指定してください: 5\n"
    assert await _main(["report", "--fiscal-year", "2026", "--area", "999"]) == 1
    assert capsys.readouterr().err == "その番号の地域はありません: 999\n"
