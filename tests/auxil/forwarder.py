"""A tiny round-robin reverse proxy for webhook tests, standing in for nginx."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web


class Forwarder:
    """Forwards each POST to the next backend in turn; every ``twice``-th one to all of them
    (as Telegram's redelivery after a lost answer would)."""

    def __init__(self, backends: list[str], twice: int = 0) -> None:
        self.backends = backends
        self.twice = twice
        self._next = itertools.cycle(range(len(backends)))
        self._count = 0
        self.port = 0
        self._http: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")}
        self._count += 1
        targets = [next(self._next)]
        if self.twice and self._count % self.twice == 0:
            targets = list(range(len(self.backends)))
        assert self._http is not None
        status = 502
        for index in targets:
            try:
                async with self._http.post(self.backends[index] + request.path, data=body,
                                           headers=headers) as response:
                    status = min(status, response.status) if status != 502 else response.status
            except aiohttp.ClientError:
                continue
        return web.Response(status=status)


@asynccontextmanager
async def forwarding(backends: list[str], twice: int = 0) -> AsyncIterator[Forwarder]:
    """Run a forwarder on a free local port."""
    forwarder = Forwarder(backends, twice)
    app = web.Application()
    app.router.add_post("/{path:.*}", forwarder.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    forwarder.port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as http:
        forwarder._http = http
        try:
            yield forwarder
        finally:
            await runner.cleanup()
