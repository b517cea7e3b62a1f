"""The sandbox Bot API in a process of its own, so the bot under test has a core to itself."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

from bot.sandbox import SandboxServer


def _serve(people: list[int], groups: dict[int, list[int]], flood_limits: bool,
           pipe: Connection) -> None:
    async def main() -> None:
        server = SandboxServer(port=0, flood_limits=flood_limits)
        # Keep every call of a long run (the default keeps the last 5,000).
        server.bot_api.request_log = server.control.request_log = deque(maxlen=500_000)
        await server.start()
        for telegram_id in people:
            server.ensure_user(telegram_id, f"住民{telegram_id}", started=True)
        for chat_id, members in groups.items():
            server.ensure_group(chat_id, "ベンチ地区 ご近所ネット",
                                dict.fromkeys(members, "member"))
        server.state.feed.drop_pending()  # the bot being added to groups: not part of the run
        pipe.send(server.url)
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def sandbox_process(people: list[int], groups: dict[int, list[int]] | None = None, *,
                    flood_limits: bool = False) -> Iterator[str]:
    """Yield the URL of a sandbox running in a child process, with these people started."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(people, groups or {}, flood_limits, theirs),
                              daemon=True)
    process.start()
    try:
        if not ours.poll(120):
            raise RuntimeError("the sandbox process did not start")
        yield ours.recv()
    finally:
        process.terminate()
        process.join(10)
