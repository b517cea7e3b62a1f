"""The flood guard: no one person takes more than their share of the bot's time.

More than ``updates`` updates from one Telegram user within ``seconds`` seconds: the excess
is dropped before any database work (``bot.updates.ChatOrderedUpdates`` asks the guard
first), and the person is told once, politely, to wait a moment. A person pressing through a
conversation at a second a step never comes near it. The numbers are in ``models/limits.py``
and the settings ``OTAGAI_FLOOD_UPDATES`` / ``OTAGAI_FLOOD_SECONDS``. Each process counts for
itself (several webhook processes each allow the limit).
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime

from models.clock import utcnow


class Verdict(enum.Enum):
    """What to do with an update."""

    HANDLE = "handle"
    TELL = "tell"  # the first update past the limit: drop it, and say why once
    DROP = "drop"


@dataclass
class _Person:
    times: deque[float] = field(default_factory=deque)
    told: bool = False
    dropped_at: float = float("-inf")
    language: str | None = None


class FloodGuard:
    """Counts each person's recent updates in a sliding window (``limit`` 0: no limit)."""

    def __init__(self, limit: int, seconds: float,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._people: dict[Hashable, _Person] = {}
        self._checked = 0

    def check(self, person: Hashable) -> Verdict:
        """Count an update from ``person``; say whether to handle it."""
        if self.limit <= 0:
            return Verdict.HANDLE
        now = self.clock().timestamp()
        self._forget_the_quiet(now)
        state = self._people.setdefault(person, _Person())
        times = state.times
        while times and (times[0] <= now - self.seconds or times[0] > now):
            times.popleft()  # out of the window (or ahead of a clock moved back)
        if not times and state.dropped_at <= now - self.seconds:
            state.told = False  # quiet for a whole window: a new flood is told again
        if len(times) < self.limit:
            times.append(now)
            return Verdict.HANDLE
        state.dropped_at = now
        if state.told:
            return Verdict.DROP
        state.told = True
        return Verdict.TELL

    def remember_language(self, person: Hashable, language: str) -> None:
        """Keep the person's language for the note, so telling needs no database."""
        state = self._people.get(person)
        if state is not None:
            state.language = language

    def language_of(self, person: Hashable) -> str | None:
        """Return the language last seen for ``person``, if any."""
        state = self._people.get(person)
        return state.language if state is not None else None

    def _forget_the_quiet(self, now: float) -> None:
        """Now and then, drop the people with nothing in the window (bounded memory)."""
        self._checked += 1
        if self._checked % 1000:
            return
        quiet = [key for key, state in self._people.items()
                 if (not state.times or state.times[-1] <= now - self.seconds)
                 and state.dropped_at <= now - self.seconds]
        for key in quiet:
            del self._people[key]
