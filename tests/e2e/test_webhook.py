"""Webhook mode: the secret, the limits, health and readiness, and a conversation through it."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runner import set_webhook
from bot.sandbox import SandboxClient, SandboxServer
from bot.settings import SettingsError, load_settings
from bot.webhook import LOG_EVERY, SECRET_HEADER, WebhookServer
from models.db import create_engine
from tests.auxil.webhook import PATH, SECRET, webhook_bot, webhook_settings

UPDATE = {"update_id": 1, "message": {
    "message_id": 1, "date": 1_700_000_000, "text": "/help",
    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    "chat": {"id": 42, "type": "private", "first_name": "花子"},
    "from": {"id": 42, "is_bot": False, "first_name": "花子"}}}


@pytest.fixture
async def served(sandbox: SandboxServer, database_url: str, engine: AsyncEngine
                 ) -> WebhookServer:
    async with webhook_bot(webhook_settings(sandbox, database_url)) as (_app, server):
        yield server


async def _post(server: WebhookServer, body: bytes, headers: dict[str, str] | None = None,
                path: str = PATH) -> int:
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"} \
        if headers is None else headers
    async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{server.port}{path}", data=body, headers=headers) as response:
        return response.status


async def test_a_conversation_goes_through_the_webhook(
    served: WebhookServer, sandbox: SandboxServer, sb: SandboxClient
) -> None:
    person = await sb.create_user(first_name="花子")
    sent = await sb.send_text(person["id"], "/start")
    reply = await sb.wait_for_message(person["id"], after=sent["message_id"])
    assert reply["text"].startswith("こんにちは。")
    assert [entry["status"] for entry in sandbox.webhook.log] == [200]


@pytest.mark.parametrize("headers", [
    {}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}, {SECRET_HEADER: SECRET + "x"},
])
async def test_a_wrong_or_missing_secret_is_refused(
    served: WebhookServer, sb: SandboxClient, headers: dict[str, str]
) -> None:
    assert await _post(served, json.dumps(UPDATE).encode(), headers) == 403
    assert await sb.requests(method="sendMessage") == []


async def test_oversized_and_malformed_bodies_are_refused(
    served: WebhookServer, sb: SandboxClient
) -> None:
    huge = json.dumps({**UPDATE, "padding": "x" * 300_000}).encode()
    assert await _post(served, huge) == 413
    for body in (b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"{}",
                 b'{"update_id": "1"}', b'{"update_id": true}', b""):
        assert await _post(served, body) == 400, body
    assert await _post(served, json.dumps(UPDATE).encode(), path="/telegram/other") == 404
    assert await sb.requests(method="sendMessage") == []


async def test_an_accepted_update_is_answered_once_even_when_posted_twice(
    served: WebhookServer, sandbox: SandboxServer, sb: SandboxClient
) -> None:
    sandbox.ensure_user(42, "花子", started=True)
    body = json.dumps(UPDATE).encode()
    assert await _post(served, body) == 200
    assert await _post(served, body) == 200  # Telegram redelivers after a lost answer
    reply = await sb.wait_for_message(42, after=0)
    assert reply["text"].startswith("使い方")
    await served.runner.drain()
    assert len(await sb.requests(method="sendMessage")) == 1


async def test_health_and_readiness(served: WebhookServer) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/healthz", "/readyz"):
            async with http.get(f"http://127.0.0.1:{served.port}{path}") as response:
                assert response.status == 200
                assert (await response.json())["status"] == "ok"


async def test_readiness_fails_while_the_database_is_unreachable(
    sandbox: SandboxServer, engine: AsyncEngine, database_url: str
) -> None:
    async with webhook_bot(webhook_settings(sandbox, database_url), register=False) as (
            application, server):
        services = application.services
        working, services.engine = services.engine, create_engine(
            "postgresql+asyncpg://nobody@127.0.0.1:1/nothing")  # nothing listens on port 1
        try:
            async with aiohttp.ClientSession() as http, http.get(
                    f"http://127.0.0.1:{server.port}/readyz") as response:
                assert response.status == 503
        finally:
            await services.engine.dispose()
            services.engine = working


async def test_set_webhook_registers_the_address_and_secret(
    sandbox: SandboxServer, database_url: str
) -> None:
    settings = webhook_settings(sandbox, database_url, telegram_token="123:TEST",
                                webhook_url="http://127.0.0.1:9")
    assert await set_webhook(settings) == f"http://127.0.0.1:9{PATH}"
    assert sandbox.state.webhook_url == f"http://127.0.0.1:9{PATH}"
    assert sandbox.state.webhook_secret == SECRET


@pytest.mark.parametrize(("variable", "value"), [
    ("webhook_path", "/telegram/short"), ("webhook_path", "no-slash-0123456789abcdef"),
    ("webhook_secret", "short"), ("webhook_secret", "has spaces in it 0123456789"),
])
def test_bad_webhook_settings_are_named(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, **{variable: value})
    assert raised.value.variable == f"OTAGAI_{variable.upper()}"


def test_webhook_mode_needs_a_path_and_a_secret() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None).require_webhook()
    assert raised.value.variable == "OTAGAI_WEBHOOK_PATH"
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None, webhook_path=PATH).require_webhook()
    assert raised.value.variable == "OTAGAI_WEBHOOK_SECRET"


async def test_a_deeply_nested_body_is_refused_not_a_crash(
    served: WebhookServer, sb: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    for body in (b"[" * 100_000, b'{"update_id": 1, "x": ' + b"[" * 100_000):
        assert await _post(served, body) == 400
    assert "Traceback" not in caplog.text
    assert "RecursionError" not in caplog.text
    assert await sb.requests(method="sendMessage") == []


async def test_the_log_never_shows_the_secret_part_of_the_path(
    sandbox: SandboxServer, database_url: str, engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with webhook_bot(webhook_settings(sandbox, database_url)) as (_app, server):
        assert await _post(server, b"{}", {SECRET_HEADER: "wrong"}) == 403
    assert "webhook listening on http://127.0.0.1:" in caplog.text
    assert "/telegram/" in caplog.text
    assert PATH.rsplit("/", 1)[1] not in caplog.text
    assert PATH.rsplit("/", 1)[1][4:] not in caplog.text
    assert SECRET not in caplog.text


async def test_many_wrong_secrets_write_few_warnings_with_a_count(
    served: WebhookServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            async with http.post(f"http://127.0.0.1:{served.port}{PATH}", data=b"{}",
                                 headers={SECRET_HEADER: "wrong"}) as response:
                assert response.status == 403
        later = served.warnings.clock() + LOG_EVERY + 1
        served.warnings.clock = lambda: later
        async with http.post(f"http://127.0.0.1:{served.port}{PATH}", data=b"{}",
                             headers={SECRET_HEADER: "wrong"}) as response:
            assert response.status == 403
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(warnings) == 2, [record.getMessage() for record in warnings]
    assert "wrong secret token" in warnings[0].getMessage()
    assert "299 more" in warnings[1].getMessage()
