"""Catalogs: every message the code uses exists, is translated, and is valid Telegram HTML."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from locales import i18n
from locales.i18n import (
    LANGUAGES,
    LOCALES_DIR,
    _,
    format_date,
    format_datetime,
    plain,
    use_language,
)
from models import clock

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "handlers", "locales", "models", "scheduler")
# Besides gettext's names, the exceptions and helpers that carry a key to be translated later.
# Babel 2.19 reads a keyword followed by "[" as a call too: a variable named like one of these
# and indexed (``button["text"]``) would be reported as a message, so code avoids such names.
KEYWORDS = {"_": None, "plain": None, "N_": None, "StartupError": None, "_invalid": None,
            "button": None, "refuse": (2,), "ImportProblem": (2,)}
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "blockquote", "tg-spoiler"}


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for directory in SOURCE_DIRS:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / directory, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            keys.add(message if isinstance(message, str) else message[0])
    # Keys built from a pattern (one per language) are listed by the code that builds them.
    keys.update(f"language.name.{code}" for code in LANGUAGES)
    return keys


def _catalog(language: str) -> dict[str, str]:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "otagai.po").open("rb") as po:
        catalog = read_po(po)
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_source_uses_catalog_keys() -> None:
    used = _used_keys()
    assert len(used) > 20  # the extractor really found the code's messages
    assert all(re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)+", key) for key in used), used


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_used_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    missing = sorted(key for key in _used_keys() if not catalog.get(key))
    assert not missing, f"{language} catalog lacks: {missing}"


def test_catalogs_hold_no_leftovers_and_agree_on_placeholders() -> None:
    ja, en = _catalog("ja"), _catalog("en")
    assert set(ja) == set(en)
    assert not set(ja) - _used_keys(), "unused messages: remove them or use them"
    for key in ja:
        assert _fields(ja[key]) == _fields(en[key]), key


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in TELEGRAM_TAGS, tag
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open, tag
        assert self.open.pop() == tag, tag


@pytest.mark.parametrize("language", LANGUAGES)
def test_messages_are_valid_telegram_html(language: str) -> None:
    for key, text in _catalog(language).items():
        checker = _TagChecker()
        checker.feed(text)
        checker.close()
        assert not checker.open, key
        assert not re.search(r"<(?![/a-z])|&(?!(lt|gt|amp|quot);)", text), key


def test_japanese_is_the_default_and_english_is_chosen() -> None:
    assert plain("language.changed") == "日本語で表示します。"
    with use_language("en"):
        assert plain("language.changed") == "The bot will now speak English."
    assert i18n.current_language() == "ja"


def test_parameters_are_escaped_in_html_but_not_in_plain_text() -> None:
    assert "<b>&lt;script&gt;</b>" in _("start.group", bot="<script>")
    assert "<script>" in plain("start.group", bot="<script>")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ja", "ja"), ("en-US", "en"), ("en_GB", "en"), ("fr", "ja"), (None, "ja"), ("zz-!!", "ja")],
)
def test_telegram_language_codes_map_to_supported_languages(
    code: str | None, expected: str
) -> None:
    assert i18n.normalize_language(code) == expected


def test_dates_in_japanese_and_english_in_the_persons_zone() -> None:
    moment = datetime(2026, 11, 25, 5, 0, tzinfo=UTC)  # 14:00 in Tokyo
    clock.travel(moment)  # a date of this year has no year (another year's has: test_when)
    with use_language("ja", ZoneInfo("Asia/Tokyo")):
        assert format_datetime(moment) == "11月25日(水) 14:00"
        assert format_date(date(2026, 11, 25)) == "11月25日(水)"
    with use_language("en", ZoneInfo("Asia/Tokyo")):
        assert format_datetime(moment) == "Wed, Nov 25 14:00"
    with use_language("ja", ZoneInfo("Europe/London")):
        assert format_datetime(moment) == "11月25日(水) 5:00"
