"""The domain, the words and the scheduler hold no messenger: no Telegram ids, payloads or markup.

import-linter (CI) keeps ``telegram`` and ``aiohttp`` out of their imports; this reads their
code for what an import check cannot see — names, attributes and string literals that belong
to one messenger (docstrings and comments may mention Telegram, as the product's history).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("models", "locales", "scheduler")
# Words of the Telegram Bot API and its markup that a channel-neutral core never needs.
FORBIDDEN = re.compile(
    r"telegram|callback_data|reply_markup|parse_mode|inline_keyboard|chat_id|message_id"
    r"|update_id(?!\b)|</?(b|i|u|s|a|code|pre|tg-spoiler|blockquote)\b[^>]*>",
    re.IGNORECASE)
# processed_update's own column is called update_id: that name is the domain's.
ALLOWED = {"update_id"}


def _sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
                  if "migrations" not in path.parts)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                     ast.Constant):
                found.add(id(body[0].value))
    return found


def _words(tree: ast.AST) -> list[tuple[int, str]]:
    docstrings = _docstrings(tree)
    words: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            words.append((node.lineno, node.attr))
        elif isinstance(node, ast.arg):
            words.append((node.lineno, node.arg))
        elif isinstance(node, ast.keyword) and node.arg:
            words.append((node.value.lineno, node.arg))
        elif isinstance(node, ast.alias):
            words.append((getattr(node, "lineno", 0), node.name))
        elif isinstance(node, ast.ImportFrom) and node.module:
            words.append((node.lineno, node.module))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            words.append((node.lineno, node.value))
    return words


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_messenger_in_the_core(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [(line, word) for line, word in _words(tree)
             if word not in ALLOWED and FORBIDDEN.search(word)]
    assert found == [], f"{path.relative_to(ROOT)} speaks a messenger's language: {found}"


def test_the_scan_sees_what_it_looks_for() -> None:
    tree = ast.parse('"""Telegram may be named here."""\n'
                     'x = person.telegram_id\n'
                     'y = {"callback_data": "ck:1"}\n'
                     'z = f"<b>{name}</b>"\n')
    found = {word for _line, word in _words(tree) if FORBIDDEN.search(word)}
    assert found == {"telegram_id", "callback_data", "<b>", "</b>"}
