"""SandboxServer: a local Telegram Bot API emulator with a browser chat page."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.sandbox.botapi import BotApi
from bot.sandbox.control import ControlApi
from bot.sandbox.limits import FaultInjector, FloodLimiter
from bot.sandbox.persist import blobs_of, dump_state, load_state, write_state
from bot.sandbox.state import SandboxState
from bot.sandbox.webhook import WebhookPusher

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")


class SandboxServer:
    """Runs the Bot API emulator, the control API and the chat page on one aiohttp server."""

    def __init__(  # noqa: PLR0917 - positional order is the documented public signature
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state_path: Path | None = None,
        flood_limits: bool = False,
        bot_id: int = 7000000001,
        bot_username: str = "otagai_sandbox_bot",
        bot_first_name: str = "お互いさまBot",
        token: str | None = None,
        *,
        autosave_interval: float = 2.0,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self.state_path = Path(state_path) if state_path is not None else None
        self.autosave_interval = autosave_interval
        self.state = SandboxState(
            bot_id=bot_id, bot_username=bot_username, bot_first_name=bot_first_name
        )
        self.faults = FaultInjector()
        self.limiter: FloodLimiter | None = FloodLimiter() if flood_limits else None
        self.bot_api = BotApi(self.state, token=token, faults=self.faults, limiter=self.limiter)
        self.control = ControlApi(self.state, self.faults, self.bot_api.request_log)
        self.webhook = WebhookPusher(self.state)
        self._runner: web.AppRunner | None = None
        self._autosave_task: asyncio.Task[None] | None = None
        self._loaded = False
        self._save_lock = asyncio.Lock()

    # ---------------------------------------------------------------- addresses
    @property
    def port(self) -> int:
        """Return the bound port (only valid after start())."""
        if self._port is None:
            raise RuntimeError("SandboxServer is not started")
        return self._port

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:PORT."""
        # A wildcard bind is reachable on loopback; "0.0.0.0" is not an address to visit.
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    @property
    def bot_api_url(self) -> str:
        """Return PTB's ``base_url`` (PTB appends the token and /method)."""
        return f"{self.url}/bot"

    @property
    def bot_file_url(self) -> str:
        """Return PTB's ``base_file_url``."""
        return f"{self.url}/file/bot"

    @property
    def request_log(self) -> deque[dict[str, Any]]:
        """Return the log of Bot API calls (method, params, status, time)."""
        return self.bot_api.request_log

    # ------------------------------------------------------------------- lifecycle
    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.state_path is not None and load_state(self.state, self.state_path):
            logger.info("sandbox state loaded from %s", self.state_path)

    def _build_app(self) -> web.Application:
        # Telegram accepts documents up to 50 MB; aiohttp's default body limit is 1 MB.
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self.bot_api.handle)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self.bot_api.handle_file)
        app.router.add_routes(self.control.routes())
        app.router.add_get("/", self._index)
        app.router.add_static("/sandbox/static/", STATIC_DIR)
        return app

    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html")

    async def start(self) -> None:
        """Load saved state (if any), bind the port and start serving."""
        if self._runner is not None:
            raise RuntimeError("SandboxServer already started")
        self._ensure_loaded()
        self.state.feed.reopen()
        runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]
        if self.state_path is not None:
            self._autosave_task = asyncio.create_task(self._autosave())
        self.webhook.start()
        logger.info("sandbox listening on %s", self.url)

    async def stop(self) -> None:
        """Save state (when state_path is set), release long polls and close the server."""
        if self._runner is None:
            return
        await self.webhook.stop()
        self.state.feed.close()
        if self._autosave_task is not None:
            self._autosave_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._autosave_task
            self._autosave_task = None
        runner, self._runner = self._runner, None
        await runner.cleanup()
        await self.save()

    async def save(self) -> None:
        """Write the state file now (no-op without state_path)."""
        if self.state_path is None:
            return
        async with self._save_lock:
            # Serialise on the event loop so the state cannot change mid-dump; only the
            # disk writes go to a thread.
            text = json.dumps(dump_state(self.state), ensure_ascii=False)
            blobs = blobs_of(self.state)
            self.state.dirty = False
            await asyncio.to_thread(write_state, text, blobs, self.state_path)

    async def _autosave(self) -> None:
        while True:
            await asyncio.sleep(self.autosave_interval)
            if self.state.dirty:
                try:
                    await self.save()
                except OSError:
                    logger.exception("saving the sandbox state to %s failed", self.state_path)

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---------------------------------------------------------------- seeding helpers
    def ensure_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "ja",
        *,
        started: bool | None = None,
        caption: str | None = None,
        folded: bool | None = None,
    ) -> dict[str, Any]:
        """Return the person, created or updated to these details (idempotent).

        ``started=True`` marks that the person has already opened the private chat, so the
        bot may write first; None leaves that as it is. ``caption`` is shown under the name
        on the page; ``folded=True`` keeps the person's column folded until chosen.
        """
        self._ensure_loaded()
        user = self.state.ensure_user(user_id, first_name, last_name, username, language_code)
        if caption is not None and self.state.captions.get(user["id"]) != caption:
            self.state.captions[user["id"]] = caption
            self.state.dirty = True
        if folded is not None and (user["id"] in self.state.folded) != folded:
            (self.state.folded.add if folded else self.state.folded.discard)(user["id"])
            self.state.dirty = True
        if started is not None and (user["id"] in self.state.started) != started:
            if started:
                self.state.started.add(user["id"])
            else:
                self.state.started.discard(user["id"])
            self.state.dirty = True
        return user

    def ensure_group(
        self,
        chat_id: int,
        title: str,
        members: dict[int, str],
        bot_status: str = "administrator",
    ) -> dict[str, Any]:
        """Return the group, created or updated so its title, given members and bot match."""
        self._ensure_loaded()
        return self.state.ensure_group(chat_id, title, members, bot_status=bot_status)
