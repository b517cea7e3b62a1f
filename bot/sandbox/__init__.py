"""Local Telegram Bot API sandbox: an emulator server, a test client and a chat page."""

from bot.sandbox.client import SandboxClient, SandboxError
from bot.sandbox.server import SandboxServer

__all__ = ["SandboxClient", "SandboxError", "SandboxServer"]
