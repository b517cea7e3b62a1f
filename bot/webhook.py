"""Webhook mode: an aiohttp server Telegram posts updates to, several behind a reverse proxy.

The update's path has a long random part and every request must carry the secret token
(``X-Telegram-Bot-Api-Secret-Token``), compared in constant time. The server answers at once
and handles the update in a task: at most ``update_concurrency`` at a time (on PostgreSQL),
and the updates of one chat strictly one after another, in the order they came. ``/healthz``
says the process is up, ``/readyz`` that it reaches the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy import text
from telegram import Update

from bot.app import OtagaiApplication

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
READY_TIMEOUT = 3.0
DRAIN_TIMEOUT = 20.0
LOG_EVERY = 60.0  # seconds between two warnings of one kind


class LogLimit:
    """At most one warning of each kind every ``every`` seconds; the next one says how many
    were left out. Anyone can call the webhook: a flood must not become a flood of logs."""

    def __init__(self, every: float = LOG_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.every, self.clock = every, clock
        self._last: dict[str, float] = {}
        self._left_out: dict[str, int] = {}

    def warning(self, kind: str, message: str, *args: object) -> None:
        """Log ``message`` unless a warning of ``kind`` was logged less than ``every`` ago."""
        now, last = self.clock(), self._last.get(kind)
        if last is not None and now - last < self.every:
            self._left_out[kind] = self._left_out.get(kind, 0) + 1
            return
        self._last[kind] = now
        left_out = self._left_out.pop(kind, 0)
        if left_out and last is not None:
            message += " (and %d more like it in the last %d s)"
            args = (*args, left_out, round(now - last))
        log.warning(message, *args)


def masked(path: str) -> str:
    """Return the update path with its random last part hidden, for logs."""
    return path.rsplit("/", 1)[0] + "/***"


class UpdateRunner:
    """Handles accepted updates in tasks through the application's update processor
    (``bot.updates.ChatOrderedUpdates``: bounded concurrency, one chat in order)."""

    def __init__(self, application: OtagaiApplication, max_pending: int = 2000) -> None:
        self.application = application
        self.max_pending = max_pending
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """How many accepted updates are not finished yet."""
        return len(self._tasks)

    def submit(self, update: Update) -> bool:
        """Start handling ``update``; False when too many wait already (Telegram retries)."""
        if len(self._tasks) >= self.max_pending:
            return False
        task = asyncio.create_task(self._run(update), name=f"otagai-update-{update.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, update: Update) -> None:
        # Tasks start in the order they were created, so the processor sees the updates of
        # one chat in the order they arrived.
        application = self.application
        try:
            await application.update_processor.process_update(
                update, application.process_update(update))
        except Exception:
            log.exception("update %s could not be handled", update.update_id)

    async def drain(self, patience: float = DRAIN_TIMEOUT) -> None:
        """Wait for the accepted updates to be handled (on shutdown)."""
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(patience):
                    await asyncio.gather(*self._tasks, return_exceptions=True)


class WebhookServer:
    """The aiohttp server of one webhook process."""

    def __init__(self, application: OtagaiApplication, *, host: str, port: int) -> None:
        settings = application.services.settings
        self.path, self._secret = settings.require_webhook()
        self.application = application
        self.host, self._requested_port = host, port
        self.max_body = settings.webhook_max_body
        self.runner = UpdateRunner(application)
        self.warnings = LogLimit()
        self._web: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """The local address updates are posted to."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}{self.path}"

    def build_app(self) -> web.Application:
        """Return the aiohttp application: the update path, /healthz and /readyz."""
        app = web.Application(client_max_size=self.max_body)
        app.router.add_post(self.path, self.receive)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        return app

    async def start(self) -> None:
        """Bind the port and start accepting updates."""
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._web = runner
        self.port = runner.addresses[0][1]
        log.info("webhook listening on %s", self.url.removesuffix(self.path) + masked(self.path))

    async def stop(self) -> None:
        """Stop accepting, then finish the updates already accepted."""
        if self._web is None:
            return
        web_runner, self._web = self._web, None
        for site in list(web_runner.sites):
            await site.stop()
        await self.runner.drain()
        await web_runner.cleanup()

    async def receive(self, request: web.Request) -> web.Response:
        """Check and accept one update; the answer does not wait for it to be handled."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            self.warnings.warning("secret", "webhook call from %s with a wrong secret token",
                                  request.remote)
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > self.max_body:
            return web.Response(status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        update = self._parse(body)
        if update is None:
            return web.Response(status=400)
        if not self.runner.submit(update):
            self.warnings.warning("busy", "too many updates waiting; update %s refused for now",
                                  update.update_id)
            return web.Response(status=503)
        return web.Response(status=200)

    def _parse(self, body: bytes) -> Update | None:
        try:
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: RecursionError
            return None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) \
                or isinstance(data.get("update_id"), bool):
            return None
        try:
            return Update.de_json(data, self.application.bot)
        except Exception as exc:  # any shape PTB cannot read is the caller's mistake
            # Only the kind of error: its text or traceback may quote the body.
            self.warnings.warning("shape", "webhook body is not an update (%s)",
                                  type(exc).__name__)
            return None

    async def healthz(self, _request: web.Request) -> web.Response:
        """The process is up."""
        return web.json_response({"status": "ok"})

    async def readyz(self, _request: web.Request) -> web.Response:
        """The process reaches its database (503 otherwise)."""
        engine = self.application.services.engine
        if engine is None:
            return web.json_response({"status": "starting"}, status=503)
        try:
            async with asyncio.timeout(READY_TIMEOUT), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            self.warnings.warning("ready", "not ready: the database is unreachable: %s", exc)
            return web.json_response({"status": "database unreachable"}, status=503)
        return web.json_response({"status": "ok"})
