"""Telegram's HTML subset and command detection, turned into text + MessageEntity dicts.

Offsets and lengths are counted in UTF-16 code units, exactly as the Bot API does, so emoji
outside the BMP count as two units.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_KNOWN_TAGS = frozenset(_SIMPLE_TAGS) | {"a", "span", "tg-emoji"}
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_COMMAND_RE = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")


class EntityParseError(ValueError):
    """Raised for HTML that Telegram would refuse; the message is Telegram's wording."""


def utf16_len(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units (Telegram's offset unit)."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtmlParser(HTMLParser):
    """Collects plain text and entities while walking Telegram-flavoured HTML."""

    def __init__(self, source: str) -> None:
        # convert_charrefs=False keeps raw data chunks aligned with the source, which lets us
        # spot stray "<" characters and report byte offsets the way Telegram does.
        super().__init__(convert_charrefs=False)
        self._source = source
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self._parts: list[str] = []
        self._length = 0
        self._stack: list[tuple[str, dict[str, Any] | None, int]] = []
        self.entities: list[dict[str, Any]] = []

    def _byte_offset(self, extra_chars: int = 0) -> int:
        line, col = self.getpos()
        index = self._line_starts[line - 1] + col + extra_chars
        return len(self._source[:index].encode("utf-8"))

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._length += utf16_len(text)

    def text(self) -> str:
        """Return the plain text collected so far."""
        return "".join(self._parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag not in _KNOWN_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
            )
        entity: dict[str, Any] | None = None
        if tag == "a":
            href = attributes.get("href", "")
            # An <a> without href is plain text in Telegram, not an error.
            entity = {"type": "text_link", "url": href} if href else None
        elif tag == "span":
            if attributes.get("class") != "tg-spoiler":
                raise EntityParseError(
                    f'Unsupported start tag "span" at byte offset {self._byte_offset()}'
                )
            entity = {"type": "spoiler"}
        elif tag == "tg-emoji":
            emoji_id = attributes.get("emoji-id")
            if not emoji_id:
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            entity = {"type": "custom_emoji", "custom_emoji_id": emoji_id}
        elif tag == "code" and self._stack and self._stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity carrying a language.
            language = attributes.get("class", "")
            pre_entity = self._stack[-1][1]
            if language.startswith("language-") and pre_entity is not None:
                pre_entity["language"] = language.removeprefix("language-")
        elif tag == "blockquote" and "expandable" in attributes:
            entity = {"type": "expandable_blockquote"}
        else:
            entity = {"type": _SIMPLE_TAGS[tag]}
        self._stack.append((tag, entity, self._length))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, entity, start = self._stack.pop()
        if open_tag != tag:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        if entity is not None and self._length > start:
            entity["offset"] = start
            entity["length"] = self._length - start
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        stray = data.find("<")
        if stray >= 0:
            # html.parser passes "<" through as text when it cannot form a tag; Telegram
            # rejects it, which is how unescaped user input gets caught in real life.
            following = data[stray + 1 :].split(maxsplit=1)
            name = following[0] if following and not data[stray + 1 : stray + 2].isspace() else ""
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {self._byte_offset(stray)}'
            )
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        self._append(_NAMED_REFS.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in ("x", "X") else int(name)
            self._append(chr(code))
        except (ValueError, OverflowError) as exc:
            raise EntityParseError(
                f"Can't parse numeric entity at byte offset {self._byte_offset()}"
            ) from exc

    def handle_comment(self, data: str) -> None:
        raise EntityParseError(f'Unsupported start tag "!--" at byte offset {self._byte_offset()}')

    def handle_decl(self, decl: str) -> None:
        raise EntityParseError(f'Unsupported start tag "!" at byte offset {self._byte_offset()}')

    def handle_pi(self, data: str) -> None:
        raise EntityParseError(f'Unsupported start tag "?" at byte offset {self._byte_offset()}')

    def finish(self) -> None:
        """Flush buffered input and check that every tag was closed."""
        self.close()
        if self._stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self._stack[-1][0]}"'
            )


def sort_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return entities ordered as Telegram sends them: by offset, outer ones first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities) for Telegram-style HTML; raises EntityParseError."""
    parser = _TelegramHtmlParser(source)
    parser.feed(source)
    parser.finish()
    return parser.text(), sort_entities(parser.entities)


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Return text without surrounding whitespace and entities shifted to match.

    Telegram trims message text on its side, so the stored text must be trimmed too.
    """
    stripped_left = text.lstrip()
    lead = utf16_len(text) - utf16_len(stripped_left)
    stripped = stripped_left.rstrip()
    total = utf16_len(stripped)
    result: list[dict[str, Any]] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, sort_entities(result)


def command_entities(text: str) -> list[dict[str, Any]]:
    """Return a bot_command entity list for text that starts with a /command, else []."""
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
