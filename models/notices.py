"""Notices: what the bot is to tell someone, as intent rather than as a messenger's payload.

A notice is a catalog key with its parameters, and the choices offered with it (each a
catalog key for the words and a neutral action: a route and its values). The outbox stores
it as such; a channel renders it when it is sent, in the recipient's language and zone —
Telegram as HTML with inline buttons, another channel as it likes. Nothing here knows a
messenger.

Parameters are plain values (text, numbers) or one of the forms below, which a channel
renders in the recipient's language: a moment, a span of time, a catalog label, a list of
labels, a schedule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Param = str | int | dict[str, Any]
Action = tuple[str | int, ...]


def moment(value: datetime) -> dict[str, Any]:
    """A date and time, shown in the recipient's zone: 11月25日(水) 14:00."""
    return {"at": value.astimezone(UTC).isoformat()}


def span(start: datetime, end: datetime | None) -> dict[str, Any]:
    """A start and an optional end: 12月3日(水) 14:00〜15:30."""
    return {"from": start.astimezone(UTC).isoformat(),
            "to": end.astimezone(UTC).isoformat() if end is not None else None}


def label(key: str, **params: str | int) -> dict[str, Any]:
    """A catalog message (with plain parameters of its own), in the recipient's language."""
    return {"label": key, "params": params} if params else {"label": key}


def labels(keys: Iterable[str], joiner: str, empty: str = "-") -> dict[str, Any]:
    """Catalog labels joined by the catalog's ``joiner`` (``empty`` when there are none)."""
    return {"labels": list(keys), "joiner": joiner, "empty": empty}


def schedule(value: dict[str, Any] | None) -> Param:
    """An activity's schedule (``Schedule.to_json``), in words: 毎週 火 10:00〜11:30."""
    return {"schedule": value} if value else "-"


def text_or(value: str | None, fallback: str) -> Param:
    """``value`` as given, or the catalog's ``fallback`` when there is none."""
    return value if value else label(fallback)


@dataclass(frozen=True)
class Choice:
    """One button: its words (a catalog key and its plain parameters) and what pressing it
    does."""

    label: str
    action: Action
    params: Mapping[str, Param] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "action": list(self.action)}
        if self.params:
            data["params"] = dict(self.params)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Choice:
        return cls(label=data["label"], action=tuple(data["action"]),
                   params=dict(data.get("params") or {}))


@dataclass(frozen=True)
class Notice:
    """A message to one person: a catalog key, its parameters and the choices offered."""

    key: str
    params: dict[str, Param] = field(default_factory=dict)
    choices: tuple[tuple[Choice, ...], ...] = ()

    def choices_json(self) -> list[list[dict[str, Any]]] | None:
        return [[choice.to_json() for choice in row] for row in self.choices] or None

    @classmethod
    def from_row(cls, key: str, params: Mapping[str, Param] | None,
                 choices: list[list[dict[str, Any]]] | None) -> Notice:
        return cls(key=key, params=dict(params or {}),
                   choices=tuple(tuple(Choice.from_json(c) for c in row)
                                 for row in choices or []))
