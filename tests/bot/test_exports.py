"""`otagai activities export`: the registry as CSV and XLSX a municipal officer can use."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from models import Activity, ActivityKind, ActivityStatus
from models.activities import mark_interest
from models.areas import get_or_create_area
from models.db import create_engine, session_factory
from models.people import ensure_person
from models.schedule import Frequency, Schedule


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DEFAULT_LANGUAGE"):
        monkeypatch.delenv(f"OTAGAI_{name}", raising=False)


async def _registry(url: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            east, _ = await get_or_create_area(session, "こもれび市", "みどり地区")
            organiser = await ensure_person(session, 1)
            schedule = Schedule(frequency=Frequency.MONTHLY, weekdays=(2,), nth=(2,),
                                start=time(12), end=time(13, 30))
            meal = Activity(name="ふれあい食事会", kind=ActivityKind.MEAL, district_id=east.id,
                            place="公民館", schedule=schedule.to_json(), capacity=20,
                            contact="公民館 012-345-6789", organiser_id=organiser.id,
                            meanings=["watching", "nutrition"], status=ActivityStatus.ACTIVE)
            session.add_all([meal, Activity(name="下書き", district_id=east.id, meanings=[],
                                            status=ActivityStatus.DRAFT)])
            await session.flush()
            await mark_interest(session, meal, (await ensure_person(session, 2)).id)
    finally:
        await engine.dispose()


def test_export_writes_csv_and_xlsx(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_registry(f"sqlite+aiosqlite:///{tmp_path / 'otagai.db'}"))
    assert main(["activities", "export"]) == 0
    assert "1件の活動を書き出しました" in capsys.readouterr().out

    raw = (tmp_path / "地域の活動.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the mark to read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["地区", "活動名", "種類", "意味づけ", "場所", "日時", "状態", "定員",
                       "連絡先", "行ってみたい（人数）", "登録日"]
    assert rows[1][:10] == ["みどり地区", "ふれあい食事会", "食事会", "見守り、栄養改善", "公民館",
                            "毎月 第2 水曜 12:00〜13:30", "活動中", "20", "公民館 012-345-6789",
                            "1"]
    assert len(rows) == 2  # the draft is not part of the registry

    sheet = load_workbook(tmp_path / "地域の活動.xlsx").active
    assert sheet is not None
    assert sheet.title == "地域の活動"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("地区", "活動名")
    assert values[1][1] == "ふれあい食事会"
    assert values[1][9] == 1


def test_export_in_english_to_a_folder(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("OTAGAI_DEFAULT_LANGUAGE", "en")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["activities", "export", "--folder", str(out)]) == 0
    assert "Exported 0 activities" in capsys.readouterr().out
    assert (out / "activities.csv").read_bytes().decode("utf-8-sig").startswith("District,")


def test_export_to_a_missing_folder_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["activities", "export", "--folder", "nowhere"]) == 1
    assert capsys.readouterr().err.startswith("ファイル nowhere/地域の活動.csv に書き込めません")
