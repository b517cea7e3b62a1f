"""The Telegram Bot API emulation: ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``.

The methods live in :mod:`bot.sandbox.api_bot` and :mod:`bot.sandbox.api_messages`; this
module does the HTTP side: tokens, dispatch, fault injection and the request log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import telegram
from aiohttp import web

from bot.sandbox.api_bot import BotMethods
from bot.sandbox.api_messages import MessageMethods
from bot.sandbox.feed import PollConflict
from bot.sandbox.limits import TIMEOUT, Fault, FaultInjector, FloodLimiter
from bot.sandbox.params import BotApiError, Params, bad_request, read_params
from bot.sandbox.state import SandboxInputError, SandboxState

logger = logging.getLogger(__name__)

Handler = Callable[[Params], Awaitable[Any]]


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


class BotApi(BotMethods, MessageMethods):
    """Answers Bot API calls against a SandboxState, with faults, flood limits and a log."""

    def __init__(
        self,
        state: SandboxState,
        *,
        token: str | None,
        faults: FaultInjector,
        limiter: FloodLimiter | None,
        log_size: int = 5000,
    ) -> None:
        super().__init__(state, limiter)
        self.token = token
        self.faults = faults
        self.request_log: deque[dict[str, Any]] = deque(maxlen=log_size)
        # Telegram matches method names case-insensitively: api_sendmessage serves
        # sendMessage, sendmessage and SENDMESSAGE alike.
        self._handlers: dict[str, Handler] = {
            name.removeprefix("api_"): getattr(self, name)
            for name in dir(self)
            if name.startswith("api_")
        }

    # ------------------------------------------------------------------ HTTP plumbing
    async def handle(self, request: web.Request) -> web.Response:
        """Return the HTTP response for one Bot API call."""
        method = request.match_info["method"]
        logged: dict[str, Any] = {}
        try:
            if self.token is not None and request.match_info["token"] != self.token:
                raise BotApiError(401, "Unauthorized")
            handler = self._handlers.get(method.lower())
            if handler is None:
                if method.isalpha() and hasattr(telegram.Bot, method):
                    # A real method the sandbox lacks: the bot gets Telegram's answer to an
                    # unknown method, and the log says why.
                    logger.warning("the sandbox does not emulate Bot API method %s", method)
                raise BotApiError(404, "Not Found")
            params = await read_params(request)
            logged = params.loggable()
            fault = self.faults.take(method) or self.faults.roll(method)
            if isinstance(fault, Fault):
                retry = fault.retry_after if fault.error_code == 429 else None
                error = BotApiError(fault.error_code, fault.description, retry)
                return self._fail(method, logged, error, injected=True)
            result = await self._run(handler, params)
            if fault == TIMEOUT and self.faults.chaos is not None:
                # Done, but the answer is held back until the caller has given up waiting.
                self._log(method, logged, 200, "answer held back (timeout)", injected=True)
                await asyncio.sleep(self.faults.chaos.timeout_seconds)
                return _ok(result)
        except BotApiError as err:
            if err.error_code == 409 and _client_gone(request):
                # A long poll whose client already hung up (PTB cancels it on shutdown) was
                # superseded: nobody sees this answer, so it would only be noise in the log.
                return web.json_response(err.body(), status=409)
            return self._fail(method, logged, err)
        self._log(method, logged, 200)
        return _ok(result)

    @staticmethod
    async def _run(handler: Handler, params: Params) -> Any:
        try:
            return await handler(params)
        except PollConflict:
            raise BotApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            ) from None
        except SandboxInputError as err:
            # State helpers speak the control API's language; translate for the bot.
            raise bad_request(str(err)) from None

    def _log(
        self,
        method: str,
        params: dict[str, Any],
        status: int,
        description: str | None = None,
        injected: bool = False,
    ) -> None:
        entry: dict[str, Any] = {
            "method": method,
            "params": params,
            "status": status,
            "time": time.time(),
        }
        if description is not None:
            entry["description"] = description
        if injected:
            entry["injected"] = True
        self.request_log.append(entry)

    def _fail(
        self, method: str, params: dict[str, Any], error: BotApiError, injected: bool = False
    ) -> web.Response:
        self._log(method, params, error.error_code, error.description, injected)
        if error.error_code >= 500 or error.error_code in (401, 404):
            logger.info("Bot API %s -> %s %s", method, error.error_code, error.description)
        return web.json_response(error.body(), status=error.error_code)

    async def handle_file(self, request: web.Request) -> web.Response:
        """Return the bytes behind a getFile path (``/file/bot{token}/{file_path}``)."""
        if self.token is not None and request.match_info["token"] != self.token:
            return web.json_response(BotApiError(401, "Unauthorized").body(), status=401)
        stored = self.state.file_by_path(request.match_info["file_path"])
        if stored is None:
            return web.json_response(BotApiError(404, "Not Found").body(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
