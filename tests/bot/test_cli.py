"""The command line answers a wrong setting with one translated line and a non-zero code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OTAGAI_TELEGRAM_TOKEN", raising=False)
    monkeypatch.delenv("OTAGAI_DEFAULT_LANGUAGE", raising=False)


def test_bad_time_zone_is_one_japanese_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OTAGAI_TIME_ZONE", "Asia/Tokio")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "OTAGAI_TIME_ZONE" in err
    assert "「Asia/Tokio」というタイムゾーンはありません" in err
    assert "Traceback" not in err


def test_missing_token_in_english(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OTAGAI_DEFAULT_LANGUAGE", "en")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err == ("Setting OTAGAI_TELEGRAM_TOKEN is wrong: "
                   "no token; set the token you got from @BotFather\n")


def test_missing_database_folder_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("OTAGAI_DATABASE_URL", "sqlite:////nonexistent-dir/otagai.db")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("データベースを置くフォルダ /nonexistent-dir がありません。")
    assert err.count("\n") == 1


def test_db_upgrade_creates_the_sqlite_file(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "データベースは最新です" in capsys.readouterr().out


def test_unreachable_postgresql_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OTAGAI_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("データベースにつながりません（postgresql+asyncpg://nobody@127.0.0.1:1/none）")
    assert err.count("\n") == 1


def test_areas_import_and_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = tmp_path / "areas.csv"
    rows = "岡山市,北区\n岡山市,中区\n".encode()
    csv_file.write_bytes(b"\xef\xbb\xbfmunicipality,district\n" + rows)
    assert main(["areas", "import", str(csv_file)]) == 0
    assert "地区を 2 件追加しました（すでにあったもの 0 件）。" in capsys.readouterr().out
    assert main(["areas", "list"]) == 0
    assert capsys.readouterr().out == "岡山市\n  北区\n  中区\n"


def test_areas_import_reports_each_bad_line_and_adds_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = tmp_path / "areas.csv"
    csv_file.write_text("municipality,district\n岡山市,\n岡山市,北区\n", encoding="utf-8")
    assert main(["areas", "import", str(csv_file)]) == 1
    out = capsys.readouterr().out
    assert "2行目: 市町村名か地区名が空です" in out
    assert "何も追加していません" in out
    assert main(["areas", "list"]) == 0
    assert capsys.readouterr().out == "まだ地域が登録されていません。\n"


def test_areas_import_of_an_unreadable_csv_or_bad_names_explains_and_adds_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = tmp_path / "areas.csv"
    csv_file.write_text("municipality,district\n岡山市,北区\n岡山市," + "長" * 200_000 + "\n",
                        encoding="utf-8")
    assert main(["areas", "import", str(csv_file)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "3行目: CSV として読めません" in captured.out
    assert "何も追加していません" in captured.out
    csv_file.write_text("municipality,district\n岡山市,=1+1\n岡山市,北\u202e区\n",
                        encoding="utf-8")
    assert main(["areas", "import", str(csv_file)]) == 1
    out = capsys.readouterr().out
    assert "2行目: 名前を「=」「+」「-」「@」で始めることはできません" in out
    assert "3行目: 名前に制御文字や見えない文字" in out
    assert main(["areas", "list"]) == 0
    assert capsys.readouterr().out == "まだ地域が登録されていません。\n"


def test_areas_import_of_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["areas", "import", "nope.csv"]) == 1
    assert capsys.readouterr().err.startswith("ファイル nope.csv を読めません")


def test_admin_grant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["admin", "grant", "12345"]) == 0
    assert "Telegram の番号 12345 の方を管理者にしました。" in capsys.readouterr().out


def test_outbox_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert "送信待ち: 0件" in out
    assert "送信済み: 0件" in out


def test_areas_thresholds_are_set_per_municipality(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv_file = tmp_path / "areas.csv"
    csv_file.write_text("municipality,district\n岡山市,北区\n", encoding="utf-8")
    assert main(["areas", "import", str(csv_file)]) == 0
    capsys.readouterr()
    assert main(["areas", "thresholds", "岡山市", "--watch-alert-hours", "6"]) == 0
    assert capsys.readouterr().out == (
        "岡山市: 見守りの再確認からコーディネーターへ 6 時間、"
        "コーディネーターから連絡先へ 既定値 時間、未対応の相談の再送 既定値 時間\n")
    assert main(["areas", "thresholds", "岡山市", "--need-resend-hours", "0"]) == 1
    assert "0 は範囲外です" in capsys.readouterr().out
    assert main(["areas", "thresholds", "広島市"]) == 1
    assert capsys.readouterr().out == "「広島市」という市町村は見つかりません。\n"
