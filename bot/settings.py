"""Settings read from ``OTAGAI_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

import re
from datetime import time
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from locales.i18n import N_, Language
from models.limits import FLOOD_SECONDS, FLOOD_UPDATES

TELEGRAM_BOT_API_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///otagai.db"
# The digest's suppression of small counts needs every hidden range to hold 3 values or more.
MIN_DIGEST_THRESHOLD = 3

# Plain driver names people paste from other tools, mapped to the async drivers we ship.
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg",
                  "postgres": "postgresql+asyncpg", "postgresql+psycopg2": "postgresql+asyncpg"}


class SettingsError(Exception):
    """A setting is missing or wrong: the variable, a catalog key and the offending value.

    The CLI turns it into one translated line; nothing here is user-visible text.
    """

    def __init__(self, variable: str, key: str, value: object = "") -> None:
        super().__init__(variable, key, value)
        self.variable, self.key, self.value = variable, key, value


def _invalid(key: str, value: object) -> PydanticCustomError:
    return PydanticCustomError("otagai", key, {"value": str(value)})


class Settings(BaseSettings):
    """Everything the bot needs to know about where it runs."""

    model_config = SettingsConfigDict(
        env_prefix="OTAGAI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    bot_api_url: str = TELEGRAM_BOT_API_URL
    bot_file_url: str | None = None
    database_url: str = DEFAULT_DATABASE_URL
    time_zone: str = "Asia/Tokyo"
    default_language: Language = "ja"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Hours in which group chats get nothing that is not urgent, "21-8"; "0-0" for none.
    group_quiet_hours: str = "21-8"
    # Seconds after start before every periodic job first runs; unset, they start 30-60 s
    # after start, one after another.
    jobs_delay: int | None = Field(default=None, ge=0, le=3600)
    # Seconds after which a message claimed by a process that died is sent again.
    dispatch_claim_timeout: int = Field(default=120, ge=1)
    # Watching: hours after the reminder before the district coordinator is alerted.
    watch_alert_hours: int = Field(default=24, ge=1, le=168)
    # Watching: hours after the alert before the person's emergency contacts are told.
    watch_contact_hours: int = Field(default=24, ge=1, le=168)
    # Needs nobody took within this many hours go again to district and municipal coordinators.
    need_resend_hours: int = Field(default=24, ge=1, le=720)
    # Finished needs and their notes are deleted after this many days.
    need_retention_days: int = Field(default=365, ge=30)
    # The weekly council digest of the week just ended goes out on this weekday (0 = Monday)
    # at this hour, in the configured zone.
    digest_weekday: int = Field(default=0, ge=0, le=6)
    digest_hour: int = Field(default=8, ge=0, le=23)
    # Councils see counts of needs and watching alerts below this as "fewer than N"; at
    # least 3 (with 2, "fewer than 2" is 0 or 1 and some counts cannot be hidden).
    digest_threshold: int = Field(default=3, le=20)
    # Webhook mode: the public address Telegram posts to is webhook_url + webhook_path.
    webhook_url: str | None = None
    webhook_path: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8081, ge=0, le=65535)
    webhook_max_body: int = Field(default=256 * 1024, ge=1024)
    # Updates handled at once per process (PostgreSQL only; one chat's always in order).
    update_concurrency: int = Field(default=16, ge=1, le=1000)
    # The flood guard (models/limits.py): more than this many updates from one person within
    # flood_seconds are dropped, with one polite note; 0 turns it off.
    flood_updates: int = Field(default=FLOOD_UPDATES, ge=0, le=10000)
    flood_seconds: float = Field(default=FLOOD_SECONDS, gt=0, le=3600)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise _invalid("settings.unknown_zone", value) from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _async_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise _invalid("settings.bad_database_url", value) from exc
        driver = _ASYNC_DRIVERS.get(url.drivername, url.drivername)
        if driver not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise _invalid("settings.unsupported_database", url.drivername)
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            try:
                return [int(part) for part in parts if part]
            except ValueError as exc:
                raise _invalid("settings.bad_admin_ids", value) from exc
        return value

    @field_validator("webhook_path")
    @classmethod
    def _random_path(cls, value: str | None) -> str | None:
        # The path is part of the secret: a long random last part nobody can guess.
        if value is None:
            return None
        last = value.rstrip("/").rpartition("/")[2]
        if not (value.startswith("/") and _PATH.fullmatch(value) and len(last) >= 16):
            raise _invalid("settings.bad_webhook_path", value)
        return value.rstrip("/")

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram allows 1-256 characters A-Z, a-z, 0-9, _ and -; we ask for 16 at least.
        if value is not None and not _SECRET.fullmatch(value.get_secret_value()):
            raise _invalid("settings.bad_webhook_secret", "")
        return value

    @field_validator("bot_api_url", "bot_file_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise _invalid("settings.bad_url", value)
        return value

    @field_validator("group_quiet_hours")
    @classmethod
    def _hour_range(cls, value: str) -> str:
        start, _, end = value.partition("-")
        if not (start.strip().isdigit() and end.strip().isdigit()
                and int(start) < 24 and int(end) < 24):
            raise _invalid("settings.bad_hours", value)
        return value

    @field_validator("digest_threshold")
    @classmethod
    def _hiding_threshold(cls, value: int) -> int:
        if value < MIN_DIGEST_THRESHOLD:
            raise _invalid("settings.small_digest_threshold", value)
        return value

    @property
    def group_quiet(self) -> tuple[time, time]:
        """The quiet hours of group chats, in the configured zone."""
        start, _, end = self.group_quiet_hours.partition("-")
        return time(int(start)), time(int(end))

    @cached_property
    def zone(self) -> ZoneInfo:
        """The configured time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.time_zone)

    @property
    def uses_telegram(self) -> bool:
        """True when the bot talks to Telegram itself rather than a local Bot API."""
        return self.bot_api_url.rstrip("/") == TELEGRAM_BOT_API_URL

    @property
    def file_url(self) -> str:
        """Base URL for file downloads, derived from the Bot API URL unless set."""
        if self.bot_file_url:
            return self.bot_file_url
        base = self.bot_api_url.rstrip("/")
        head, _, last = base.rpartition("/")
        return f"{head}/file/{last}"

    def require_token(self) -> str:
        """Return the Telegram token, or raise ``SettingsError`` when it is missing."""
        if self.telegram_token is None or not self.telegram_token.get_secret_value().strip():
            raise SettingsError("OTAGAI_TELEGRAM_TOKEN", N_("settings.missing_token"))
        return self.telegram_token.get_secret_value().strip()


    def require_webhook(self) -> tuple[str, str]:
        """Return the webhook path and secret, or raise ``SettingsError`` for the missing one."""
        if not self.webhook_path:
            raise SettingsError("OTAGAI_WEBHOOK_PATH", N_("settings.missing_webhook_path"))
        if self.webhook_secret is None:
            raise SettingsError("OTAGAI_WEBHOOK_SECRET", N_("settings.missing_webhook_secret"))
        return self.webhook_path, self.webhook_secret.get_secret_value()

    def require_webhook_url(self) -> str:
        """Return the full public webhook address, or raise ``SettingsError``."""
        path, _secret = self.require_webhook()
        if not self.webhook_url:
            raise SettingsError("OTAGAI_WEBHOOK_URL", N_("settings.missing_webhook_url"))
        return self.webhook_url.rstrip("/") + path


_PATH = re.compile(r"[A-Za-z0-9_\-/]+")
_SECRET = re.compile(r"[A-Za-z0-9_\-]{16,256}")


def load_settings(**overrides: object) -> Settings:
    """Return settings from the environment, raising ``SettingsError`` for the first bad one."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates them
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]).upper() if error["loc"] else "SETTINGS"
        if error["type"] == "otagai":
            key, value = error["msg"], error.get("ctx", {}).get("value", "")
        elif error["type"] == "literal_error":
            key, value = N_("settings.choose_one"), error.get("ctx", {}).get("expected", "")
        else:
            key, value = N_("settings.invalid"), error.get("input", "")
        raise SettingsError(f"OTAGAI_{field}", key, value) from None
