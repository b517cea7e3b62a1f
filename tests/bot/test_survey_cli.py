"""``otagai survey kayoinoba``: the national 通いの場 survey as an XLSX file, for officers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from bot.sandbox.town import seed_database
from models import Person, clock
from models.db import session_factory
from tests.auxil.survey import seed_registry
from tests.scheduler.test_survey import read_places


@pytest.fixture
def _database(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OTAGAI_DATABASE_URL", database_url)
    monkeypatch.delenv("OTAGAI_DEFAULT_LANGUAGE", raising=False)


@pytest.mark.usefixtures("_database")
async def test_the_survey_file_is_written_into_the_folder(
        engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = await seed_registry(engine)
    folder = tmp_path / "survey"
    assert await _main(["survey", "kayoinoba", "--fiscal-year", "2026", "--out",
                        str(folder), "--exact"]) == 0  # the file to submit
    path = folder / "通いの場調査_2026年度.xlsx"
    out = capsys.readouterr().out.splitlines()
    assert out == ["2026年度の通いの場を読み込んでいます…", "4か所をファイルに書き出しています…",
                   f"{path} に保存しました（4か所、参加者実人数は2027年3月、"
                   "記入が必要な場所 2か所）。"]
    _info, rows, _missing = read_places(path.read_bytes())
    assert [r[1] for r in rows[1:-1]] == ["いきいき体操", "ふれあいサロン", "みんなの居場所",
                                          "西の食事会"]

    assert await _main(["survey", "kayoinoba", "--fiscal-year", "2026", "--out", str(folder),
                        "--month", "2027-02", "--area", str(ids.west)]) == 0
    shared = folder / "通いの場調査_2026年度_共有用.xlsx"  # the file to share: its own name
    info, rows, _missing = read_places(shared.read_bytes())
    assert info[3][1] == "西地区"
    assert info[4][1] == "2027年2月 （指定された月）"
    assert [(r[0], r[1], r[10]) for r in rows[1:]] == [(1, "西の食事会", None),
                                                       ("合計", "1か所", 0)]


@pytest.mark.usefixtures("_database")
async def test_errors_are_one_line(engine: AsyncEngine, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    await seed_registry(engine)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = [
        (["--fiscal-year", "2019", "--out", str(tmp_path)],
         "2019年度に開かれていた通いの場が、登録にありません。"),
        (["--fiscal-year", "2026", "--out", str(a_file)],
         f"{a_file} はフォルダではありません。保存するフォルダを --out で指定してください。"),
        (["--fiscal-year", "2026", "--out", str(tmp_path), "--month", "3月"],
         "「3月」は月として読めません。2027-03 のように書いてください。"),
        (["--fiscal-year", "2026", "--out", str(tmp_path), "--month", "2027-04"],
         "2027-04 は 2026年度（4月〜翌年3月）の月ではありません。"),
    ]
    for argv, error in cases:
        assert await _main(["survey", "kayoinoba", *argv]) == 1
        assert capsys.readouterr().err == error + "\n"


async def _main(argv: list[str]) -> int:
    """Run the command in a thread: it starts its own event loop."""
    return await asyncio.to_thread(main, argv)


@pytest.mark.usefixtures("_database")
async def test_the_demo_town_s_survey(engine: AsyncEngine, database_url: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The sandbox's demo history gives a sensible file: its gatherings (not the shopping
    run, nor the walks without a schedule), last month's counts, what is left to fill in."""
    now = datetime(2026, 11, 30, 3, tzinfo=UTC)  # 12:00 in Tokyo
    clock.travel(now)
    await seed_database(database_url, now=now)
    assert await _main(["survey", "kayoinoba", "--fiscal-year", "2026", "--out",
                        str(tmp_path), "--exact"]) == 0
    assert "参加者実人数は2026年10月" in capsys.readouterr().out
    info, rows, missing = read_places((tmp_path / "通いの場調査_2026年度.xlsx").read_bytes())
    assert info[4][1] == "2026年10月 （3月の人数がまだないため、人数のある最後の月）"
    header, places = rows[0], rows[1:-1]
    column = {title: header.index(title) for title in header if title}
    assert [p[column["通いの場の名称"]] for p in places] == [
        "いきいき百歳体操", "ふれあい食事会", "みどりサロン", "ひかり茶話会", "かわせ体操クラブ"]
    by_name = {p[1]: p for p in places}
    salon = by_name["みどりサロン"]
    assert (salon[column["主な活動内容"]], salon[column["運営主体"]],
            salon[column["開催頻度"]], salon[column["参加者実人数"]],
            salon[column["うち65歳以上"]]) == ("茶話会", "住民団体", "週1回以上", 20, 17)
    assert by_name["かわせ体操クラブ"][column["参加者実人数"]] is None  # not answered yet
    assert rows[-1][column["参加者実人数"]] == 24 + 26 + 20 + 15  # 体操, 食事会, サロン, 茶話会
    assert [m[1] for m in missing[1:]] == ["ひかり茶話会", "かわせ体操クラブ"]
    assert missing[2][3] == "2026年10月の参加者実人数、運営主体"
    names = {p.display_name for p in await _people(engine)}
    every = " ".join(str(v) for r in info + rows + missing for v in r if v is not None)
    assert not [name for name in names if name and name in every]


async def _people(engine: AsyncEngine) -> list[Person]:
    async with session_factory(engine)() as session:
        return list(await session.scalars(select(Person)))
