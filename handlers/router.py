"""One router for every button: a registry of (prefix, step) → function.

Button data is ``prefix:value:…`` (``prefix:step:value:…`` where the prefix's handlers
dispatch on a step), as ``button_data`` builds it. Each route declares the shape of its values
(ids, a choice from a fixed set, a short text); registering refuses, when the application is
built, a prefix or (prefix, step) registered twice and a shape whose longest data would not fit
Telegram's 64 bytes. One ``CallbackQueryHandler`` parses a press by the declared shape and calls
the route's function with a ``Press``; forged or garbled data, an unknown prefix or step, or a
target its loader refuses get the polite ``handlers.fallback.stale_button`` answer.

Typed words matching a button of the open question (``handlers.conversation``) go through the
same router, with a ``TypedPress`` in place of the callback query.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from telegram import CallbackQuery, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import OtagaiContext
from handlers.common import SEPARATOR, Pressed
from handlers.fallback import stale_button

log = logging.getLogger(__name__)

MAX_DATA = 64  # bytes of callback data Telegram accepts
ID_DIGITS = 19  # a BigInteger id: up to 9223372036854775807


class Garbled(ValueError):
    """A value that does not have its declared shape."""


@dataclass(frozen=True)
class Int:
    """An integer (by default a database id: up to 19 digits, not negative)."""

    digits: int = ID_DIGITS
    signed: bool = False
    optional: bool = False

    @property
    def longest(self) -> int:
        return self.digits + int(self.signed)

    def parse(self, text: str) -> int:
        pattern = r"-?[0-9]+" if self.signed else r"[0-9]+"
        if not re.fullmatch(pattern, text) or len(text.lstrip("-")) > self.digits:
            raise Garbled(text)
        return int(text)


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of words."""

    options: tuple[str, ...]
    optional: bool = False

    def __init__(self, *options: str, optional: bool = False) -> None:
        object.__setattr__(self, "options", tuple(options))
        object.__setattr__(self, "optional", optional)

    @property
    def longest(self) -> int:
        return max(len(option.encode()) for option in self.options)

    def parse(self, text: str) -> str:
        if text not in self.options:
            raise Garbled(text)
        return text


@dataclass(frozen=True)
class Text:
    """A short text (at most ``max_bytes`` bytes, no separator)."""

    max_bytes: int
    optional: bool = False

    @property
    def longest(self) -> int:
        return self.max_bytes

    def parse(self, text: str) -> str:
        if not text or len(text.encode()) > self.max_bytes:
            raise Garbled(text)
        return text


@dataclass(frozen=True)
class OneOf:
    """Any of several shapes (the first that parses)."""

    shapes: tuple[Int | Choice | Text, ...]
    optional: bool = False

    def __init__(self, *shapes: Int | Choice | Text, optional: bool = False) -> None:
        object.__setattr__(self, "shapes", tuple(shapes))
        object.__setattr__(self, "optional", optional)

    @property
    def longest(self) -> int:
        return max(shape.longest for shape in self.shapes)

    def parse(self, text: str) -> int | str:
        for shape in self.shapes:
            try:
                return shape.parse(text)
            except Garbled:
                continue
        raise Garbled(text)


Value = Int | Choice | Text | OneOf
ID = Int()
FLAG = Choice("0", "1")


@dataclass
class Press:
    """What a route's function gets: the update, the press (a ``CallbackQuery`` or a typed
    ``TypedPress``), the step, the values parsed by the route's shape, and the loaded target."""

    update: Update
    context: OtagaiContext
    query: Pressed | CallbackQuery
    step: str | None
    values: list[Any]
    raw: list[str]  # the data's words after the prefix (the step first), as strings
    target: Any = None

    def value(self, index: int) -> Any:
        """The parsed value at ``index`` (None when an optional value was left out)."""
        return self.values[index] if index < len(self.values) else None


Handler = Callable[[Press], Awaitable[None]]
# Loads the route's target (by the press's values); None refuses the press as stale.
Loader = Callable[[Press], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    prefix: str
    step: str | None
    handler: Handler
    shape: tuple[Value, ...]
    load: Loader | None = None

    @property
    def longest(self) -> int:
        """The longest data this route's buttons can carry, in bytes."""
        parts = [len(self.prefix.encode())]
        if self.step is not None:
            parts.append(len(self.step.encode()))
        parts += [value.longest for value in self.shape]
        return sum(parts) + len(SEPARATOR) * (len(parts) - 1)

    def parse(self, raw: list[str]) -> list[Any]:
        if len(raw) > len(self.shape):
            raise Garbled(SEPARATOR.join(raw))
        values: list[Any] = []
        for index, value in enumerate(self.shape):
            if index < len(raw) and not (value.optional and raw[index] == ""):
                values.append(value.parse(raw[index]))
            elif value.optional:  # left out, or left empty (``prefix:1:``)
                values.append(None)
            else:
                raise Garbled(SEPARATOR.join(raw))
        return values


@dataclass
class Router:
    """The routes of one application."""

    routes: dict[str, dict[str | None, Route]] = field(default_factory=dict)

    def route(self, prefix: str, handler: Handler, *shape: Value,
              steps: str | Iterable[str] | None = None, load: Loader | None = None) -> None:
        """Register ``handler`` for ``prefix`` (for each of ``steps``: ``prefix:step:…``),
        its values of ``shape``; refuse a duplicate and data that could exceed 64 bytes."""
        _check_word(prefix, "prefix")
        first = next((i for i, value in enumerate(shape) if value.optional), len(shape))
        if not all(value.optional for value in shape[first:]):
            raise ValueError(f"button {prefix}: optional values must come last")
        names: list[str | None] = [steps] if isinstance(steps, str) else (
            [None] if steps is None else list(steps))
        known = self.routes.setdefault(prefix, {})
        for step in names:
            if step is not None:
                _check_word(step, "step")
            if step in known or (step is None and known) or (None in known):
                raise ValueError(f"button {prefix}:{step or ''} is registered twice")
            route = Route(prefix, step, handler, tuple(shape), load)
            if route.longest > MAX_DATA:
                raise ValueError(f"button {prefix}:{step or ''} may carry {route.longest} "
                                 f"bytes; Telegram allows {MAX_DATA}")
            known[step] = route

    def all_routes(self) -> list[Route]:
        return [route for steps in self.routes.values() for route in steps.values()]

    def find(self, data: str) -> tuple[Route, list[Any]] | None:
        """The route for ``data`` and its parsed values, or None (unknown or garbled)."""
        if len(data.encode()) > MAX_DATA:
            return None
        prefix, *raw = data.split(SEPARATOR)
        known = self.routes.get(prefix)
        if not known:
            return None
        step = None
        if None not in known:
            if not raw:
                return None
            step, *raw = raw
        route = known.get(step)
        if route is None:
            return None
        try:
            return route, route.parse(raw)
        except Garbled:
            return None

    def claims(self, data: object) -> bool:
        """True for data whose prefix is registered (garbled values are answered as stale
        here; unknown prefixes by ``handlers.fallback``)."""
        return isinstance(data, str) and data.split(SEPARATOR, 1)[0] in self.routes

    def knows(self, data: str) -> bool:
        return self.find(data) is not None

    async def dispatch(self, update: Update, context: OtagaiContext,
                       query: Pressed | CallbackQuery) -> None:
        """Call the route of a press (or of typed words standing for one)."""
        found = self.find(query.data or "")
        if found is None:
            await stale_button(update, context)
            return
        route, values = found
        press = Press(update, context, query, route.step, values,
                      (query.data or "").split(SEPARATOR)[1:])
        if route.load is not None:
            press.target = await route.load(press)
            if press.target is None:
                await stale_button(update, context)
                return
        await route.handler(press)

    async def on_callback_query(self, update: Update, context: OtagaiContext) -> None:
        query = update.callback_query
        if query is not None:
            await self.dispatch(update, context, query)


def _check_word(word: str, what: str) -> None:
    if not word or SEPARATOR in word:
        raise ValueError(f"button {what} {word!r} must be a word without {SEPARATOR!r}")


_ROUTERS: WeakKeyDictionary[Application[Any, Any, Any, Any, Any, Any], Router] = \
    WeakKeyDictionary()


def router_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Router:
    """The application's router (made, with its one button handler, on first use)."""
    router = _ROUTERS.get(application)
    if router is None:
        router = _ROUTERS[application] = Router()
        application.add_handler(CallbackQueryHandler(router.on_callback_query,
                                                     pattern=router.claims))
    return router

