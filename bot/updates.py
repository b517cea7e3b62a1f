"""Several updates at once, each chat's in the order they came.

PTB handles one update at a time unless told otherwise, and its own concurrent mode lets two
messages of one person overtake each other (a typed answer could be read before the command
that asked for it). ``ChatOrderedUpdates`` lets updates of different chats run together and
keeps each chat's updates strictly in order. Polling uses it through
``ApplicationBuilder.concurrent_updates``; the webhook server hands its updates to it too.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.flood import FloodGuard, Verdict

log = logging.getLogger(__name__)


def chat_key(update: object) -> Hashable:
    """Return what orders ``update``: its chat, else its sender, else nothing shared."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        return ("update", update.update_id)
    return ("object", id(update))


class ChatOrderedUpdates(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` updates at once; one chat's one after another.

    PTB starts a task per update in the order the updates arrived; the tasks take the
    processor's slots and then the chat's lock in that order (both queue their waiters
    first come, first served), so a chat's updates run in arrival order.
    """

    __slots__ = ("_locks", "_waiting", "flood_guard", "on_flood")

    def __init__(self, max_concurrent_updates: int, flood_guard: FloodGuard | None = None
                 ) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: Counter[Hashable] = Counter()
        # Asked before anything else; ``on_flood`` says why, once, to a person it stops.
        self.flood_guard = flood_guard
        self.on_flood: Callable[[Update], Awaitable[None]] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, then handle this one (unless its sender has
        sent too many just now: then it is dropped without waiting)."""
        if self._flooding(update, coroutine):
            return
        key = chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] <= 0:
                del self._waiting[key]
                self._locks.pop(key, None)

    def _flooding(self, update: object, coroutine: Awaitable[Any]) -> bool:
        """True if the guard drops ``update``; the one note is sent in a task of its own."""
        if self.flood_guard is None or not isinstance(update, Update) \
                or update.effective_user is None:
            return False
        verdict = self.flood_guard.check(update.effective_user.id)
        if verdict is Verdict.HANDLE:
            return False
        if inspect.iscoroutine(coroutine):
            coroutine.close()  # never started: no session, no handler
        if verdict is Verdict.TELL:
            log.info("user %s sent more than %d updates in %g s; dropping the excess",
                     update.effective_user.id, self.flood_guard.limit, self.flood_guard.seconds)
            if self.on_flood is not None:
                task = asyncio.get_running_loop().create_task(self.on_flood(update))
                _notes.add(task)
                task.add_done_callback(_notes.discard)
        return True

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


# Notes being sent (kept referenced until done).
_notes: set[asyncio.Task[None]] = set()
