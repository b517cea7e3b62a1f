"""Several updates at once, each chat's in the order they came.

PTB handles one update at a time unless told otherwise, and its own concurrent mode lets two
messages of one person overtake each other (a typed answer could be read before the command
that asked for it). ``ChatOrderedUpdates`` lets updates of different chats run together and
keeps each chat's updates strictly in order. Polling uses it through
``ApplicationBuilder.concurrent_updates``; the webhook server hands its updates to it too.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


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

    __slots__ = ("_locks", "_waiting")

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._waiting: Counter[Hashable] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates, then handle this one."""
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

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""
