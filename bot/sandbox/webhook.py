"""Webhook mode of the sandbox: once ``setWebhook`` names a URL, updates are POSTed to it.

As Telegram does: each update is a JSON body with the ``X-Telegram-Bot-Api-Secret-Token``
header when a secret was set; an answer other than 2xx (or no answer) means "try again
later", with a growing pause; up to ``max_connections`` requests run at once, but the updates
of one chat go one after another, in order. Every attempt is logged (``WebhookPusher.log``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any

import aiohttp

from bot.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REQUEST_TIMEOUT = 10.0
FIRST_PAUSE = 0.2
LONGEST_PAUSE = 5.0


def chat_of(update: dict[str, Any]) -> int | None:
    """Return the chat (or user) an update belongs to, so its updates stay in order."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return int(sender["id"])
    return None


class WebhookPusher:
    """Delivers the feed's updates to the webhook in ``state``, while one is set."""

    def __init__(self, state: SandboxState, log_size: int = 20000) -> None:
        self.state = state
        self.log: deque[dict[str, Any]] = deque(maxlen=log_size)
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._in_flight: set[int] = set()
        self._not_before: dict[int, float] = {}
        self._pause: dict[int, float] = {}
        self._workers: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Start pushing in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        """Stop pushing; updates not yet taken stay in the feed."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for worker in list(self._workers):
            worker.cancel()
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            wait = 1.0
            if self.state.webhook_url:
                wait = self._start_deliveries(loop.time())
            await self.state.feed.wait_for_updates(wait)

    def _start_deliveries(self, now: float) -> float:
        """Start a POST for each update that may go now; return how long to sleep at most."""
        wait = 1.0
        limit = self.state.webhook_max_connections
        busy: set[int | None] = set()
        for update in self.state.feed.pending_updates():
            update_id = update["update_id"]
            chat = chat_of(update)
            if update_id in self._in_flight or chat in busy:
                busy.add(chat)  # later updates of this chat wait their turn
                continue
            busy.add(chat)
            not_before = self._not_before.get(update_id, 0.0)
            if not_before > now:
                wait = min(wait, not_before - now)
                continue
            if len(self._in_flight) >= limit:
                break
            self._in_flight.add(update_id)
            worker = asyncio.create_task(self._deliver(update, chat))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        return max(wait, 0.01)

    async def _deliver(self, update: dict[str, Any], chat: int | None) -> None:
        update_id = update["update_id"]
        url = self.state.webhook_url
        headers = {SECRET_HEADER: self.state.webhook_secret} if self.state.webhook_secret \
            else {}
        status: int | str
        try:
            if self._http is None:
                self._http = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
            async with self._http.post(url, json=update, headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            status = type(exc).__name__
        self.log.append({"update_id": update_id, "url": url, "status": status,
                         "time": time.time()})
        if isinstance(status, int) and 200 <= status < 300:
            self.state.feed.remove(update_id)
            self._not_before.pop(update_id, None)
            self._pause.pop(update_id, None)
        else:
            pause = min(self._pause.get(update_id, FIRST_PAUSE / 2) * 2, LONGEST_PAUSE)
            self._pause[update_id] = pause
            self._not_before[update_id] = asyncio.get_running_loop().time() + pause
            logger.info("webhook %s answered %s for update %s; again in %.1fs",
                        url, status, update_id, pause)
        self._in_flight.discard(update_id)
        self.state.feed.wake()
