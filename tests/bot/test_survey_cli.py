"""``otagai survey kayoinoba``: the national 通いの場 survey as an XLSX file, for officers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
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
                        str(folder)]) == 0
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
    info, rows, _missing = read_places(path.read_bytes())
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
