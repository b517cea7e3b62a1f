"""Webhook helpers: settings for webhook mode and the bot serving webhooks in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import OtagaiApplication, build_application
from bot.runner import running
from bot.sandbox import SandboxServer
from bot.settings import Settings, load_settings
from bot.webhook import WebhookServer

PATH = "/telegram/0123456789abcdefXYZ"
SECRET = "s3cret-token_for-the-tests"


def webhook_settings(sandbox: SandboxServer, database_url: str, **more: object) -> Settings:
    """Settings for a bot taking webhook calls from the sandbox."""
    return load_settings(
        _env_file=None, database_url=database_url, bot_api_url=sandbox.bot_api_url,
        bot_file_url=sandbox.bot_file_url, group_quiet_hours="0-0",
        webhook_path=PATH, webhook_secret=SECRET, **more)


@asynccontextmanager
async def webhook_bot(settings: Settings, *, register: bool = True
                      ) -> AsyncIterator[tuple[OtagaiApplication, WebhookServer]]:
    """Run the bot in webhook mode on a free port; register it with the sandbox."""
    application = build_application(settings, "123456:TEST", retry_backoff=0.01)
    async with running(application, poll=False):
        server = WebhookServer(application, host="127.0.0.1", port=0)
        await server.start()
        try:
            if register:
                await application.bot.set_webhook(server.url, secret_token=SECRET)
            yield application, server
        finally:
            await server.stop()


__all__ = ["PATH", "SECRET", "AsyncEngine", "webhook_bot", "webhook_settings"]
