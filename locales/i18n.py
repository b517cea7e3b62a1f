"""Translations and dates in the person's language, chosen once per update.

The language lives in a ``ContextVar`` set when an update starts (see ``bot.app``), so
handlers call ``_()`` and never pass the language around. Message ids are stable keys
(``start.greeting``), never sentences: all words live in ``locales/<lang>/LC_MESSAGES``.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, tzinfo
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import match_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from models.clock import utcnow

Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = ("ja", "en")  # Japanese first: the default and the fallback
DOMAIN = "otagai"
LOCALES_DIR = Path(__file__).resolve().parent
FALLBACK: Language = "ja"

_language: ContextVar[Language] = ContextVar("otagai_language", default=FALLBACK)
_zone: ContextVar[tzinfo] = ContextVar(
    "otagai_zone", default=ZoneInfo("Asia/Tokyo")  # noqa: B039 - ZoneInfo is immutable
)


def catalog_path(language: str) -> Path:
    """Return the path of the ``.po`` file for ``language``."""
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: Language) -> Translations:
    """Return the compiled catalog for ``language``, falling back to Japanese for gaps."""
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    compiled = Translations(fp=buffer, domain=DOMAIN)
    if language != FALLBACK:
        compiled.add_fallback(translations(FALLBACK))
    return compiled


def normalize_language(code: str | None, default: Language = FALLBACK) -> Language:
    """Return a supported language for a channel's language code or a stored choice."""
    if code:
        try:
            parsed = Locale.parse(code.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            return default
        if parsed.language in LANGUAGES:
            return parsed.language  # one of LANGUAGES, checked
    return default


def current_language() -> Language:
    """Return the language of the update being handled."""
    return _language.get()


def current_zone() -> tzinfo:
    """Return the time zone of the person being served."""
    return _zone.get()


@contextmanager
def use_language(language: Language, zone: tzinfo | None = None) -> Iterator[None]:
    """Speak ``language`` (and show times in ``zone``) inside the block."""
    language_token = _language.set(language)
    zone_token = _zone.set(zone) if zone is not None else None
    try:
        yield
    finally:
        _language.reset(language_token)
        if zone_token is not None:
            _zone.reset(zone_token)


def set_language(language: Language, zone: tzinfo | None = None) -> None:
    """Switch the language for the rest of the current update (after /language)."""
    _language.set(language)
    if zone is not None:
        _zone.set(zone)


def plain(key: str, /, **params: object) -> str:
    """Return the message ``key`` in the current language, with ``params`` filled in as is.

    For places that take no markup: the command line, button labels, file names.
    """
    text = translations(_language.get()).gettext(key)
    return text.format(**params) if params else text


def _(key: str, /, **params: object) -> str:
    """Return the message ``key`` in the catalogs' markup (a few HTML tags, which Telegram
    reads as they are and another channel renders its own way), with ``params`` escaped.

    Catalog text is trusted markup; parameters are data (names, places) and are escaped.
    """
    text = translations(_language.get()).gettext(key)
    if not params:
        return text
    return text.format(**{name: html.escape(str(value), quote=False)
                          for name, value in params.items()})


def N_(key: str) -> str:
    """Return ``key`` unchanged; marks a message id for extraction, translated later."""
    return key


@cache
def _skeleton_pattern(skeleton: str, language: Language) -> str:
    # What babel.dates.format_skeleton looks up on every call, once per language.
    patterns = Locale.parse(language).datetime_skeletons
    return patterns[skeleton if skeleton in patterns else match_skeleton(skeleton, patterns)]


def _format_skeleton(skeleton: str, value: date | datetime) -> str:
    language = _language.get()
    return babel_format_datetime(value, _skeleton_pattern(skeleton, language), locale=language)


def format_date(value: date | datetime) -> str:
    """Return a short date with the weekday: 11月25日(水) / Wed, Nov 25; with the year when it is
    not this year's: 2027年11月1日(月) / Mon, Nov 1, 2027."""
    if isinstance(value, datetime):
        value = value.astimezone(_zone.get())
    this_year = utcnow().astimezone(_zone.get()).year
    return _format_skeleton("MMMdE" if value.year == this_year else "yMMMdE", value)


def format_time(value: datetime) -> str:
    """Return the time of day on a 24-hour clock: 14:00."""
    return _format_skeleton("Hm", value.astimezone(_zone.get()))


def format_half_day(value: time, *, afternoon: bool) -> str:
    """Return a time on a 12-hour clock, for asking which half of the day: 午後2時半 / 2:30 p.m."""
    hour = value.hour % 12 + (12 if afternoon else 0)
    hour12 = hour % 12 or 12
    key = N_("when.afternoon") if afternoon else N_("when.morning")
    if value.minute == 0:
        return plain(key, time=plain("when.hour", hour=hour12))
    if value.minute == 30:
        return plain(key, time=plain("when.hour_half", hour=hour12))
    minute = str(value.minute).zfill(2)
    return plain(key, time=plain("when.hour_minute", hour=hour12, minute=minute))


def format_datetime(value: datetime) -> str:
    """Return date and time in the person's zone: 11月25日(水) 14:00."""
    return f"{format_date(value)} {format_time(value)}"


# The Japanese eras of the calendar used in official documents, newest first.
ERAS = ((date(2019, 5, 1), N_("date.era.reiwa")), (date(1989, 1, 8), N_("date.era.heisei")))


def format_long_date(value: date, *, era: bool = True) -> str:
    """Return a full date: 令和8年11月16日 (or 2026年11月16日 without the era) / November 16, 2026.

    The era is for official Japanese documents; other languages get the Gregorian date.
    """
    language = _language.get()
    if era and language == "ja":
        for start, key in ERAS:
            if value >= start:
                year = value.year - start.year + 1
                return plain("date.era_date", era=plain(key),
                             year=plain("date.era.first_year") if year == 1 else year,
                             month=value.month, day=value.day)
    return babel_format_date(value, "long", locale=language)
