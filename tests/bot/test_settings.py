"""Settings come from OTAGAI_* variables; a wrong one names itself in one line."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in
    for name in ("TELEGRAM_TOKEN", "BOT_API_URL", "DATABASE_URL", "TIME_ZONE",
                 "DEFAULT_LANGUAGE", "ADMIN_IDS", "BOT_FILE_URL", "GROUP_QUIET_HOURS"):
        monkeypatch.delenv(f"OTAGAI_{name}", raising=False)


def test_defaults_are_japanese_tokyo_and_a_local_sqlite_file() -> None:
    settings = load_settings()
    assert settings.default_language == "ja"
    assert settings.time_zone == "Asia/Tokyo"
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.uses_telegram
    assert settings.admin_ids == []
    assert settings.jobs_delay is None  # the periodic jobs start 30-60 s after the process


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTAGAI_TELEGRAM_TOKEN", " 123:abc ")
    monkeypatch.setenv("OTAGAI_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("OTAGAI_ADMIN_IDS", "111, 222")
    monkeypatch.setenv("OTAGAI_BOT_API_URL", "http://127.0.0.1:8081/bot")
    settings = load_settings()
    assert settings.require_token() == "123:abc"
    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    assert settings.admin_ids == [111, 222]
    assert settings.file_url == "http://127.0.0.1:8081/file/bot"
    assert not settings.uses_telegram


def test_dotenv_file_is_read(tmp_path: object) -> None:
    with open(".env", "w", encoding="utf-8") as env:
        env.write("OTAGAI_DEFAULT_LANGUAGE=en\n")
    assert load_settings().default_language == "en"


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("TIME_ZONE", "Asia/Tokio", "settings.unknown_zone"),
        ("DATABASE_URL", "mysql://root@localhost/x", "settings.unsupported_database"),
        ("DATABASE_URL", "not a url", "settings.bad_database_url"),
        ("ADMIN_IDS", "12,abc", "settings.bad_admin_ids"),
        ("BOT_API_URL", "api.telegram.org", "settings.bad_url"),
        ("DEFAULT_LANGUAGE", "fr", "settings.choose_one"),
        ("GROUP_QUIET_HOURS", "21:00-8:00", "settings.bad_hours"),
        ("GROUP_QUIET_HOURS", "25-8", "settings.bad_hours"),
        ("JOBS_DELAY", "-1", "settings.invalid"),
        ("DIGEST_THRESHOLD", "2", "settings.small_digest_threshold"),
        ("DIGEST_THRESHOLD", "0", "settings.small_digest_threshold"),
        ("DIGEST_THRESHOLD", "21", "settings.invalid"),
    ],
)
def test_a_wrong_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, key: str
) -> None:
    monkeypatch.setenv(f"OTAGAI_{variable}", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.variable == f"OTAGAI_{variable}"
    assert caught.value.key == key


def test_missing_token_is_reported_only_when_needed() -> None:
    settings = load_settings()
    with pytest.raises(SettingsError) as caught:
        settings.require_token()
    assert caught.value.variable == "OTAGAI_TELEGRAM_TOKEN"


def test_the_digest_threshold_starts_at_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTAGAI_DIGEST_THRESHOLD", "3")
    assert load_settings().digest_threshold == 3
    monkeypatch.setenv("OTAGAI_DIGEST_THRESHOLD", "2")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert (caught.value.variable, caught.value.key, caught.value.value) == (
        "OTAGAI_DIGEST_THRESHOLD", "settings.small_digest_threshold", "2")
