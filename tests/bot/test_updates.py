"""Several updates at once, each chat's in order (``bot.updates.ChatOrderedUpdates``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from telegram import Update

from bot.updates import ChatOrderedUpdates, chat_key


def message(update_id: int, chat_id: int) -> Update:
    """A private text message of ``chat_id``, as Telegram sends it."""
    return Update.de_json({
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "text": f"m{update_id}",
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "花子"}},
    }, None)


async def until(condition: Callable[[], object], rounds: int = 200) -> None:
    """Let the event loop run until ``condition()`` holds."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def test_one_chats_updates_wait_for_each_other_while_other_chats_go_ahead() -> None:
    processor = ChatOrderedUpdates(8)
    log: list[str] = []
    release_first = asyncio.Event()

    async def handle(name: str, gate: asyncio.Event | None = None) -> None:
        log.append(f"start {name}")
        if gate is not None:
            await gate.wait()
        log.append(f"end {name}")

    first, second, other = message(1, 10), message(2, 10), message(3, 20)
    tasks = [asyncio.create_task(processor.process_update(first, handle("a1", release_first))),
             asyncio.create_task(processor.process_update(second, handle("a2"))),
             asyncio.create_task(processor.process_update(other, handle("b1")))]
    await until(lambda: "end b1" in log)
    assert "start a1" in log
    assert "start a2" not in log  # the same chat waits for its earlier update
    release_first.set()
    await asyncio.gather(*tasks)
    assert log.index("end a1") < log.index("start a2")
    assert not processor._locks  # nothing kept per chat once its updates are done


async def test_no_more_than_the_limit_run_at_once() -> None:
    processor = ChatOrderedUpdates(2)
    running, most = 0, 0
    gate = asyncio.Event()

    async def handle() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await gate.wait()
        running -= 1

    tasks = [asyncio.create_task(processor.process_update(message(n, 100 + n), handle()))
             for n in range(5)]
    await until(lambda: running == 2)
    for _ in range(20):
        await asyncio.sleep(0)
    assert running == 2
    gate.set()
    await asyncio.gather(*tasks)
    assert most == 2


def test_updates_are_ordered_by_chat_then_sender() -> None:
    assert chat_key(message(1, 10)) == chat_key(message(2, 10)) != chat_key(message(3, 20))
    inline = Update.de_json({"update_id": 4, "inline_query": {
        "id": "q", "query": "", "offset": "",
        "from": {"id": 10, "is_bot": False, "first_name": "花子"}}}, None)
    assert chat_key(inline) == ("user", 10)
