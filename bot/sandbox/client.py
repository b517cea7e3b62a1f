"""SandboxClient: what end-to-end tests use to act as people and watch the bot's replies.

Waiting never sleeps for a fixed time: every wait re-checks after the sandbox's events long
poll reports a change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import aiohttp

logger = logging.getLogger(__name__)

T = TypeVar("T")
_POLL_SLICE = 25.0


class SandboxError(Exception):
    """The control API refused a request; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str, path: str) -> None:
        super().__init__(f"{status} from {path}: {message}")
        self.status = status
        self.message = message
        self.path = path


def _describe_message(message: dict[str, Any]) -> str:
    sender = message.get("from", {})
    who = "bot" if sender.get("is_bot") else sender.get("first_name", "?")
    body = message.get("text") or message.get("caption") or ""
    if "photo" in message:
        body = f"[photo] {body}"
    if "document" in message:
        body = f"[document {message['document'].get('file_name', '')}] {body}"
    flags = ""
    if message.get("edit_date"):
        flags += " (edited)"
    if message.get("sandbox_deleted"):
        flags += " (deleted)"
    buttons = [b.get("text") for row in SandboxClient.buttons(message) for b in row]
    extra = f" buttons={buttons}" if buttons else ""
    return f"  #{message['message_id']} {who}: {body!r}{flags}{extra}"


class SandboxClient:
    """Async client of the sandbox control API (``/sandbox/api``)."""

    def __init__(self, base_url: str, *, request_timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._session: aiohttp.ClientSession | None = None
        # Last edit counter seen per (chat_id, message_id): the baseline of wait_for_edit.
        self._edit_counts: dict[tuple[int, int], int] = {}

    async def __aenter__(self) -> SandboxClient:
        self._http()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        url = f"{self.base_url}/sandbox/api{path}"
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        async with self._http().request(method, url, json=json, params=query) as response:
            data = await response.json(content_type=None)
            if response.status >= 400:
                message = data.get("error") if isinstance(data, dict) else str(data)
                raise SandboxError(response.status, str(message), path)
            return data

    def _remember(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for message in messages:
            key = (message["chat"]["id"], message["message_id"])
            self._edit_counts[key] = message.get("sandbox_edit_count", 0)
        return messages

    # ------------------------------------------------------------------ state & people
    async def state(self) -> dict[str, Any]:
        """Return {"bot", "users", "chats", "seq", "commands"}."""
        return await self._call("GET", "/state")

    async def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "ja",
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """Return the new person (a Telegram User dict)."""
        body = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "id": user_id,
        }
        return await self._call("POST", "/users", json=body)

    async def create_group(
        self,
        title: str,
        members: dict[int, str],
        chat_id: int | None = None,
        bot_status: str = "administrator",
    ) -> dict[str, Any]:
        """Return the new group (Chat dict plus "members" and "bot_status")."""
        body = {
            "title": title,
            "members": {str(uid): status for uid, status in members.items()},
            "id": chat_id,
            "bot_status": bot_status,
        }
        return await self._call("POST", "/groups", json=body)

    async def set_bot_status(
        self, chat_id: int, status: str, by_user_id: int | None = None
    ) -> dict[str, Any]:
        """Return the group after the bot was added/promoted/removed (my_chat_member)."""
        body = {"status": status, "by_user_id": by_user_id}
        return await self._call("POST", f"/groups/{chat_id}/bot", json=body)

    async def set_member(self, chat_id: int, user_id: int, status: str) -> dict[str, Any]:
        """Return the group after a member's status changed."""
        body = {"user_id": user_id, "status": status}
        return await self._call("POST", f"/groups/{chat_id}/members", json=body)

    async def set_blocked(self, user_id: int, blocked: bool) -> dict[str, Any]:
        """Return the person after they blocked (or unblocked) the bot."""
        return await self._call("POST", f"/users/{user_id}/blocked", json={"blocked": blocked})

    # ------------------------------------------------------------------------ acting
    async def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """Return the message the person sent (chat_id None = their private chat)."""
        body = {
            "user_id": user_id,
            "text": text,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to_message_id,
        }
        return await self._call("POST", "/send", json=body)

    async def press(
        self,
        user_id: int,
        message: dict[str, Any],
        *,
        data: str | None = None,
        text: str | None = None,
        forge: bool = False,
    ) -> str:
        """Return the callback_query id after pressing a button (by callback data or text).

        ``forge=True`` sends ``data`` even if no such button exists (stale/forged data).
        """
        body = {
            "user_id": user_id,
            "chat_id": message["chat"]["id"],
            "message_id": message["message_id"],
            "data": data,
            "text": text,
            "forge": forge,
        }
        result = await self._call("POST", "/press", json=body)
        return str(result["callback_query_id"])

    async def open_link(self, user_id: int, url: str) -> dict[str, Any]:
        """Follow a ``t.me/<bot>?start=PAYLOAD`` link as Telegram does: send ``/start PAYLOAD``
        in the person's private chat; return that message."""
        parsed = urlsplit(url)
        if parsed.netloc != "t.me":
            raise ValueError(f"not a Telegram deep link: {url}")
        payload = parse_qs(parsed.query).get("start", [""])[0]
        return await self.send_text(user_id, f"/start {payload}".strip())

    # ----------------------------------------------------------------------- reading
    async def download(self, file_id: str) -> bytes:
        """Return the bytes of a photo or document the bot sent."""
        url = f"{self.base_url}/sandbox/files/{file_id}"
        async with self._http().get(url) as response:
            if response.status >= 400:
                raise SandboxError(response.status, await response.text(), url)
            return await response.read()

    async def messages(self, chat_id: int, after: int = 0) -> list[dict[str, Any]]:
        """Return the chat's messages with message_id > after (deleted ones flagged)."""
        result = await self._call("GET", f"/chats/{chat_id}/messages", params={"after": after})
        return self._remember(result)

    async def callback_answer(self, query_id: str) -> dict[str, Any]:
        """Return {"answered", "text", "show_alert", "url"} for a pressed button."""
        return await self._call("GET", f"/callback_answers/{query_id}")

    async def requests(self, method: str | None = None) -> list[dict[str, Any]]:
        """Return Bot API request log entries (method, params, status, time)."""
        return await self._call("GET", "/requests", params={"method": method})

    async def events(
        self,
        after: int | None = None,
        timeout: float = 0,  # noqa: ASYNC109 - how long the server holds the long poll
    ) -> dict[str, Any]:
        """Return {"seq", "events"}; with ``after`` it long-polls up to ``timeout`` s."""
        return await self._call("GET", "/events", params={"after": after, "timeout": timeout})

    async def add_fault(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> dict[str, Any]:
        """Return the queued fault: the next ``times`` calls of ``method`` fail."""
        body = {
            "method": method,
            "error_code": error_code,
            "description": description,
            "retry_after": retry_after,
            "times": times,
        }
        return await self._call("POST", "/faults", json=body)

    async def set_chaos(self, rate: float, outcomes: list[int | str] | None = None,
                        methods: list[str] | None = None, seed: int | None = None,
                        timeout_seconds: float = 10.0) -> dict[str, Any]:
        """Make calls fail at random (429, 5xx, or "timeout": done but never answered)."""
        body = {"rate": rate, "outcomes": outcomes, "methods": methods, "seed": seed,
                "timeout_seconds": timeout_seconds}
        return await self._call("POST", "/chaos", json=body)

    async def clear_chaos(self) -> dict[str, Any]:
        """Stop the random failures; return what they did (counts per outcome)."""
        done = await self._call("GET", "/chaos")
        await self._call("DELETE", "/chaos")
        return done

    async def clear_faults(self) -> None:
        """Drop every queued fault."""
        await self._call("DELETE", "/faults")

    @staticmethod
    def buttons(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
        """Return the inline keyboard rows of a message, or []."""
        markup = message.get("reply_markup") or {}
        return markup.get("inline_keyboard") or []

    @staticmethod
    def labels(message: dict[str, Any]) -> list[str]:
        """Return the texts of a message's inline buttons, row by row, flattened."""
        return [entry["text"] for row in SandboxClient.buttons(message) for entry in row]

    # ----------------------------------------------------------------------- waiting
    async def _wait(
        self,
        check: Callable[[], Awaitable[T | None]],
        wait_seconds: float,
        describe: Callable[[], Awaitable[str]],
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        # Take the sequence number before checking, so no change can slip in between.
        seq = (await self.events())["seq"]
        while True:
            result = await check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(await describe())
            batch = await self.events(after=seq, timeout=min(remaining, _POLL_SLICE))
            seq = batch["seq"]

    async def _describe_chat(self, chat_id: int, headline: str) -> str:
        lines = [headline, f"chat {chat_id} holds (last 10):"]
        try:
            history = await self._call("GET", f"/chats/{chat_id}/messages", params={"after": 0})
            lines += [_describe_message(m) for m in history[-10:]] or ["  (no messages)"]
            log = await self.requests()
        except SandboxError as err:
            lines.append(f"  (could not read the chat: {err})")
            return "\n".join(lines)
        failures = [e for e in log if e["status"] != 200][-5:]
        if failures:
            lines.append("recent failed Bot API calls:")
            lines += [
                f"  {e['method']} -> {e['status']} {e.get('description', '')}" for e in failures
            ]
        return "\n".join(lines)

    async def wait_for_messages(
        self,
        chat_id: int,
        after: int = 0,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109 - documented test API; raises TimeoutError
    ) -> list[dict[str, Any]]:
        """Return the first ``count`` bot messages with message_id > after (not deleted).

        Raises TimeoutError describing what the chat holds if they do not arrive in time.
        """

        async def check() -> list[dict[str, Any]] | None:
            found = [
                m
                for m in await self.messages(chat_id, after)
                if m["from"].get("is_bot") and not m.get("sandbox_deleted")
            ]
            return found[:count] if len(found) >= count else None

        async def describe() -> str:
            return await self._describe_chat(
                chat_id,
                f"expected {count} bot message(s) in chat {chat_id} after #{after} "
                f"within {timeout}s",
            )

        return await self._wait(check, timeout, describe)

    async def wait_for_message(
        self,
        chat_id: int,
        after: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - documented test API; raises TimeoutError
    ) -> dict[str, Any]:
        """Return the next bot message with message_id > after; TimeoutError if none."""
        return (await self.wait_for_messages(chat_id, after, 1, timeout))[0]

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - documented test API; raises TimeoutError
        *,
        since_edit_count: int | None = None,
    ) -> dict[str, Any]:
        """Return the message once it has been edited since this client last saw it.

        The baseline is ``since_edit_count`` if given, else the edit counter
        (``sandbox_edit_count``) of the last copy this client returned, else 0 (never
        edited). A counter instead of edit_date, because two edits can share one second.
        """
        baseline = since_edit_count
        if baseline is None:
            baseline = self._edit_counts.get((chat_id, message_id), 0)

        async def check() -> dict[str, Any] | None:
            for message in await self.messages(chat_id, message_id - 1):
                if message["message_id"] != message_id:
                    continue
                if message.get("sandbox_deleted"):
                    raise SandboxError(
                        410,
                        "message was deleted while waiting for an edit",
                        f"/chats/{chat_id}/messages",
                    )
                if message.get("sandbox_edit_count", 0) > baseline:
                    return message
                return None
            raise SandboxError(404, f"message {message_id} not found", f"/chats/{chat_id}")

        async def describe() -> str:
            return await self._describe_chat(
                chat_id,
                f"expected message #{message_id} in chat {chat_id} to be edited "
                f"(edit count > {baseline}) within {timeout}s",
            )

        return await self._wait(check, timeout, describe)

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 10.0,  # noqa: ASYNC109 - documented test API; raises TimeoutError
    ) -> dict[str, Any]:
        """Return the bot's answer to a pressed button; TimeoutError if it never answers."""

        async def check() -> dict[str, Any] | None:
            answer = await self.callback_answer(query_id)
            return answer if answer["answered"] else None

        async def describe() -> str:
            log = await self.requests("answerCallbackQuery")
            tail = [f"  {e['status']} {e.get('description', '')}" for e in log[-5:]]
            return "\n".join(
                [
                    f"callback query {query_id} was not answered within {timeout}s; "
                    "recent answerCallbackQuery calls:",
                    *(tail or ["  (none)"]),
                ]
            )

        return await self._wait(check, timeout, describe)
