"""The command line answers a wrong setting with one translated line and a non-zero code."""

from __future__ import annotations

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
