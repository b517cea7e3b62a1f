"""``otagai digest``: a council's weekly digest as text, chart or workbook, for officers."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from tests.auxil.digest import seed_history


@pytest.fixture
def _database(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OTAGAI_DATABASE_URL", database_url)
    monkeypatch.delenv("OTAGAI_DEFAULT_LANGUAGE", raising=False)


@pytest.mark.usefixtures("_database")
async def test_text_to_the_terminal_and_files_into_a_folder(
    engine: AsyncEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = await seed_history(engine)
    council = str(history.east_council)
    assert await _main(["digest", "--council", council, "--week", "2026-W47"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "東地区 協議体 週間レポート\n令和8年11月16日〜令和8年11月22日（2026-W47）\n")
    assert "新しく 3件未満・対応開始 3件未満" in out
    assert "<b>" not in out

    folder = tmp_path / "out"
    for form in ("png", "xlsx"):
        assert await _main(["digest", "--council", council, "--week", "2026-W47",
                            "--format", form, "--out", str(folder), "--exact"]) == 0
    png = folder / f"digest-{council}-2026-W47.png"
    assert png.read_bytes().startswith(b"\x89PNG")
    workbook = load_workbook(io.BytesIO((folder / f"digest-{council}-2026-W47.xlsx")
                                        .read_bytes()))
    assert [list(r) for r in workbook["困りごと"].iter_rows(values_only=True)][1][1] == 2


@pytest.mark.usefixtures("_database")
async def test_a_wrong_week_or_council_is_one_line(
    engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_history(engine)
    assert await _main(["digest", "--council", "1", "--week", "47"]) == 1
    assert capsys.readouterr().err == (
        "「47」は週として読めません。2026-W47 のように書いてください。\n")
    assert await _main(["digest", "--council", "999", "--week", "2026-W47"]) == 1
    assert capsys.readouterr().err == "番号 999 の協議体はありません。\n"


async def _main(argv: list[str]) -> int:
    """Run the command in a thread: it starts its own event loop."""
    return await asyncio.to_thread(main, argv)
