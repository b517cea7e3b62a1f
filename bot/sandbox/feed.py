"""The change feed: Bot API updates for getUpdates and change events for the control API.

Wake-ups use an "event swap" (set the current asyncio.Event, install a fresh one) so that
synchronous code such as ``SandboxServer.ensure_user`` can wake long polls without a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections import deque
from typing import Any

# Telegram's default when allowed_updates is empty: everything except these.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class PollConflict(Exception):
    """A newer getUpdates call replaced this one (Telegram answers 409)."""


class _Signal:
    """A re-armable wake-up: ``fire()`` releases everyone waiting right now."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, seconds: float) -> None:
        """Return when fired or after ``seconds``, whichever comes first."""
        event = self._event
        # asyncio.timeout, not wait_for, which on Python 3.11 can lose a cancellation that
        # arrives as the event fires (the waiting loop would then never stop).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()


class ChangeFeed:
    """Pending updates for the bot and a numbered log of changes for observers."""

    def __init__(self, max_events: int = 10000) -> None:
        self.seq = 0
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.closing = False
        self._updates: list[dict[str, Any]] = []
        self._events: deque[dict[str, Any]] = deque(maxlen=max_events)
        self._updates_signal = _Signal()
        self._events_signal = _Signal()
        self._poll_generation = 0

    def emit(self, kind: str, chat_id: int | None, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the recorded change event after waking every events long poll."""
        self.seq += 1
        event = {"seq": self.seq, "type": kind, "chat_id": chat_id}
        event.update(copy.deepcopy(payload))
        self._events.append(event)
        self._events_signal.fire()
        return event

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the new Update after queueing it for getUpdates."""
        update = {"update_id": self.next_update_id, kind: copy.deepcopy(payload)}
        self.next_update_id += 1
        self._updates.append(update)
        self._updates_signal.fire()
        return update

    def pending_count(self) -> int:
        """Return how many updates wait for the bot."""
        return len(self._updates)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Return copies of the updates waiting for delivery, oldest first (webhook mode)."""
        return self._deliverable(len(self._updates))

    def remove(self, update_id: int) -> None:
        """Forget one update the bot has taken (its webhook answered 2xx)."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]

    async def wait_for_updates(self, seconds: float) -> None:
        """Return when an update is queued (or anything wakes the feed), or after ``seconds``."""
        await self._updates_signal.wait(seconds)

    def wake(self) -> None:
        """Wake everyone waiting for updates."""
        self._updates_signal.fire()

    def drop_pending(self) -> None:
        """Forget every undelivered update (drop_pending_updates)."""
        self._updates.clear()

    def reopen(self) -> None:
        """Allow long polls again after close() (a restarted server)."""
        self.closing = False

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = self.allowed_updates
        kept = []
        for update in self._updates:
            kind = next(k for k in update if k != "update_id")
            if allowed and kind not in allowed:
                continue
            if not allowed and kind in _NOT_DEFAULT_UPDATES:
                continue
            kept.append(update)
        # Telegram never delivers filtered-out updates later, so they are dropped now.
        self._updates = kept
        return copy.deepcopy(kept[:limit])

    async def get_updates(
        self, offset: int, limit: int, wait_seconds: float, allowed_updates: list[str] | None
    ) -> list[dict[str, Any]]:
        """Return pending updates, long-polling up to ``wait_seconds``; raises PollConflict."""
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates
        self._poll_generation += 1
        generation = self._poll_generation
        # Wake an older poll so it can notice it was superseded.
        self._updates_signal.fire()
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            if generation != self._poll_generation:
                raise PollConflict
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or self.closing or remaining <= 0:
                return batch
            await self._updates_signal.wait(remaining)

    async def wait_events(self, after: int | None, wait_seconds: float) -> dict[str, Any]:
        """Return {"seq", "events"[, "reset"]} with events newer than ``after`` (long poll)."""
        if after is None:
            return {"seq": self.seq, "events": []}
        if after > self.seq:
            # The client saw a previous incarnation of the sandbox; tell it to reload.
            return {"seq": self.seq, "events": [], "reset": True}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            events = [e for e in self._events if e["seq"] > after]
            remaining = deadline - loop.time()
            if events or self.closing or remaining <= 0:
                result: dict[str, Any] = {"seq": self.seq, "events": events}
                if self._events and self._events[0]["seq"] > after + 1:
                    result["reset"] = True
                return result
            await self._events_signal.wait(remaining)

    def close(self) -> None:
        """Release every long poll so the HTTP server can shut down at once."""
        self.closing = True
        self._updates_signal.fire()
        self._events_signal.fire()
