"""The sandbox's webhook mode: updates are POSTed with the secret, retried, kept in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from bot.sandbox import SandboxClient, SandboxServer
from bot.sandbox.webhook import SECRET_HEADER, chat_of


class Receiver:
    """A tiny webhook endpoint that fails its first ``failures`` calls."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.calls = 0
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        if self.calls <= self.failures:
            return web.Response(status=500)
        self.received.append((await request.json(), request.headers.get(SECRET_HEADER)))
        return web.Response(status=200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver(failures=2)
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    endpoint.port = runner.addresses[0][1]
    yield endpoint
    await runner.cleanup()


async def _until(predicate: Any, seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.02)


async def test_updates_are_pushed_with_the_secret_retried_and_in_order(
    server: SandboxServer, tg: Bot, sb: SandboxClient, receiver: Receiver
) -> None:
    people = [await sb.create_user(first_name=f"住民{n}") for n in range(3)]
    assert await tg.set_webhook(f"http://127.0.0.1:{receiver.port}/hook",
                                secret_token="abc_DEF-123")
    for n in range(5):
        for person in people:
            await sb.send_text(person["id"], f"{n}")
    await _until(lambda: len(receiver.received) == 15)
    assert {secret for _update, secret in receiver.received} == {"abc_DEF-123"}
    for person in people:
        texts = [u["message"]["text"] for u, _s in receiver.received
                 if u["message"]["chat"]["id"] == person["id"]]
        assert texts == ["0", "1", "2", "3", "4"]
    assert len({u["update_id"] for u, _s in receiver.received}) == 15  # none twice
    statuses = [entry["status"] for entry in server.webhook.log]
    assert statuses.count(500) == 2
    assert statuses.count(200) == 15
    assert server.state.feed.pending_count() == 0
    with pytest.raises(Conflict):
        await tg.get_updates()


async def test_only_local_addresses_may_use_plain_http(tg: Bot) -> None:
    with pytest.raises(BadRequest):
        await tg.set_webhook("http://example.org/hook")
    with pytest.raises(BadRequest):
        await tg.set_webhook("https://example.org/hook", secret_token="no spaces allowed")
    assert await tg.set_webhook("https://example.org/hook")
    assert await tg.delete_webhook()
    assert (await tg.get_webhook_info()).url == ""


def test_updates_are_ordered_by_chat_or_sender() -> None:
    assert chat_of({"update_id": 1, "message": {"chat": {"id": 5}, "from": {"id": 6}}}) == 5
    assert chat_of({"update_id": 1, "callback_query": {
        "from": {"id": 6}, "message": {"chat": {"id": 7}}}}) == 7
    assert chat_of({"update_id": 1, "callback_query": {"from": {"id": 6}}}) == 6
    assert chat_of({"update_id": 1}) is None
