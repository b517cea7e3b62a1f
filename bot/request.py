"""The HTTP layer to the Bot API: PTB's httpx request, retried when the server fails."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)


class RetryingRequest(HTTPXRequest):
    """Retries a Bot API call on 5xx answers and connection failures, with backoff.

    429 is not handled here: ``AIORateLimiter`` waits ``retry_after`` and tries again.
    A time-out is not retried, because the message may have been delivered.
    """

    def __init__(self, *args: Any, retries: int = 3, backoff: float = 0.5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._retries = retries
        self._backoff = backoff

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        """Return the Bot API's status and body, after retrying server-side failures."""
        for attempt in range(self._retries + 1):
            last = attempt == self._retries
            try:
                code, payload = await super().do_request(url, method, request_data, **timeouts)
            except TimedOut:
                raise
            except NetworkError as exc:
                if last:
                    raise
                reason: object = exc
            else:
                if code < 500 or last:
                    return code, payload
                reason = code
            delay = self._backoff * 2**attempt
            log.warning("Bot API %s failed (%s); retry %d in %.1fs",
                        url.rsplit("/", 1)[-1], reason, attempt + 1, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
