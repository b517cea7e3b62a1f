"""Fault injection and Telegram-like flood limits for the sandbox Bot API."""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

# Lower-cased, because Telegram matches method names case-insensitively.
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def default_description(error_code: int, retry_after: int | None = None) -> str:
    """Return the description Telegram would send for a bare error code."""
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    return _DEFAULT_DESCRIPTIONS.get(error_code, "Internal Server Error")


@dataclass
class Fault:
    """One queued failure: the next ``times`` matching calls answer with this error."""

    method: str
    error_code: int
    description: str
    retry_after: int | None
    times: int

    def as_dict(self) -> dict[str, Any]:
        """Return the fault as a JSON-ready dict."""
        return asdict(self)


TIMEOUT = "timeout"  # a chaos outcome: the call is carried out, but the answer never comes


@dataclass
class Chaos:
    """Random failures: each call of a listed method fails with probability ``rate``."""

    rate: float
    outcomes: list[int | str]  # error codes, or TIMEOUT
    methods: frozenset[str]
    seed: int | None
    timeout_seconds: float
    count: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Return the chaos settings and what it did so far."""
        return {"rate": self.rate, "outcomes": self.outcomes, "methods": sorted(self.methods),
                "seed": self.seed, "timeout_seconds": self.timeout_seconds,
                "count": dict(self.count)}


class FaultInjector:
    """Queues of faults per Bot API method ("*" = any send method), and random chaos."""

    def __init__(self) -> None:
        self._queues: dict[str, list[Fault]] = {}
        self.chaos: Chaos | None = None
        self._random = random.Random()

    def set_chaos(self, rate: float, outcomes: list[int | str] | None = None,
                  methods: list[str] | None = None, seed: int | None = None,
                  timeout_seconds: float = 10.0) -> Chaos:
        """Return the new chaos: from now on calls fail at random until ``clear_chaos``."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        chosen = list(outcomes or [429, 500, 502, TIMEOUT])
        for outcome in chosen:
            if outcome != TIMEOUT and not (isinstance(outcome, int) and 400 <= outcome < 600):
                raise ValueError(f"unknown outcome {outcome!r}")
        self._random = random.Random(seed)
        self.chaos = Chaos(rate=rate, outcomes=chosen,
                           methods=frozenset(m.lower() for m in (methods or SEND_METHODS)),
                           seed=seed, timeout_seconds=timeout_seconds, count={})
        return self.chaos

    def clear_chaos(self) -> None:
        """Stop failing at random."""
        self.chaos = None

    def roll(self, method: str) -> Fault | str | None:
        """Return a random failure for this call (a Fault, or TIMEOUT), or None."""
        chaos = self.chaos
        if chaos is None or method.lower() not in chaos.methods \
                or self._random.random() >= chaos.rate:
            return None
        outcome = self._random.choice(chaos.outcomes)
        chaos.count[str(outcome)] = chaos.count.get(str(outcome), 0) + 1
        if outcome == TIMEOUT:
            return TIMEOUT
        code = int(outcome)
        retry_after = 1 if code == 429 else None
        return Fault(method=method, error_code=code,
                     description=default_description(code, retry_after),
                     retry_after=retry_after, times=1)

    def add(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> Fault:
        """Return the queued fault after adding it for ``method``."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        fault = Fault(
            method=method,
            error_code=error_code,
            description=description or default_description(error_code, retry_after),
            retry_after=retry_after,
            times=max(1, times),
        )
        key = "*" if method == "*" else method.lower()
        self._queues.setdefault(key, []).append(fault)
        return fault

    def clear(self) -> None:
        """Drop every queued fault."""
        self._queues.clear()

    def pending(self) -> list[dict[str, Any]]:
        """Return all faults still queued, as dicts."""
        return [fault.as_dict() for queue in self._queues.values() for fault in queue]

    def take(self, method: str) -> Fault | None:
        """Return the fault that applies to this call of ``method`` (consuming one use)."""
        key = method.lower()
        for queue_key in (key, "*"):
            if queue_key == "*" and key not in SEND_METHODS:
                continue
            queue = self._queues.get(queue_key)
            if not queue:
                continue
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault
        return None


class FloodLimiter:
    """Telegram's documented send limits, with an injectable clock so tests can drive time.

    * overall: at most ``global_per_second`` sends in any sliding 1 s window;
    * per group chat: at most ``group_per_minute`` sends in any sliding 60 s window;
    * per private chat: a token bucket of ``private_burst`` refilling ``private_rate``/s.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        global_per_second: int = 30,
        group_per_minute: int = 20,
        private_burst: int = 3,
        private_rate: float = 1.0,
    ) -> None:
        self._clock = clock
        self._global_limit = global_per_second
        self._group_limit = group_per_minute
        self._burst = float(private_burst)
        self._rate = private_rate
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._buckets: dict[int, tuple[float, float]] = {}

    @staticmethod
    def _prune(window: deque[float], now: float, span: float) -> None:
        while window and window[0] <= now - span:
            window.popleft()

    def check(self, chat_id: int, is_group: bool) -> int | None:
        """Return retry_after seconds if this send must be refused, else record it and None.

        A refused send consumes nothing, so a client that waits retry_after gets through.
        """
        now = self._clock()
        waits: list[float] = []
        self._prune(self._global, now, 1.0)
        if len(self._global) >= self._global_limit:
            waits.append(self._global[0] + 1.0 - now)
        group_window: deque[float] | None = None
        tokens = 0.0
        if is_group:
            group_window = self._groups.setdefault(chat_id, deque())
            self._prune(group_window, now, 60.0)
            if len(group_window) >= self._group_limit:
                waits.append(group_window[0] + 60.0 - now)
        else:
            level, last = self._buckets.get(chat_id, (self._burst, now))
            tokens = min(self._burst, level + (now - last) * self._rate)
            if tokens < 1.0:
                waits.append((1.0 - tokens) / self._rate)
        if waits:
            return max(1, math.ceil(max(waits) - 1e-9))
        self._global.append(now)
        if group_window is not None:
            group_window.append(now)
        else:
            self._buckets[chat_id] = (tokens - 1.0, now)
        return None
