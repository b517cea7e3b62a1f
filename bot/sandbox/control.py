"""The control API under ``/sandbox/api/``: simulated people act here, tests observe here."""

from __future__ import annotations

import copy
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.limits import FaultInjector
from bot.sandbox.state import SandboxInputError, SandboxState

logger = logging.getLogger(__name__)

ControlHandler = Callable[[web.Request], Awaitable[Any]]
MAX_EVENT_WAIT = 30.0


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SandboxInputError(f"{name} must be an integer") from None


def _optional_int(value: Any, name: str) -> int | None:
    return None if value is None or value == "" else _int(value, name)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise SandboxInputError("the request body must be JSON") from None
    if not isinstance(body, dict):
        raise SandboxInputError("the request body must be a JSON object")
    return body


def _guard(handler: ControlHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Return a handler that answers JSON and maps SandboxInputError to {"error": ...}."""

    async def wrapped(request: web.Request) -> web.Response:
        try:
            result = await handler(request)
        except SandboxInputError as err:
            return web.json_response({"error": str(err)}, status=err.status)
        if isinstance(result, web.Response):
            return result
        return web.json_response(result)

    return wrapped


class ControlApi:
    """Handlers of the control API over one SandboxState."""

    def __init__(
        self,
        state: SandboxState,
        faults: FaultInjector,
        request_log: deque[dict[str, Any]],
    ) -> None:
        self.state = state
        self.faults = faults
        self.request_log = request_log

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp routes of the control API and the file download."""
        api = "/sandbox/api"
        return [
            web.get(f"{api}/state", _guard(self.get_state)),
            web.post(f"{api}/users", _guard(self.create_user)),
            web.post(f"{api}/users/{{user_id}}/blocked", _guard(self.set_blocked)),
            web.post(f"{api}/groups", _guard(self.create_group)),
            web.post(f"{api}/groups/{{chat_id}}/bot", _guard(self.set_bot_status)),
            web.post(f"{api}/groups/{{chat_id}}/members", _guard(self.set_member)),
            web.post(f"{api}/send", _guard(self.send)),
            web.post(f"{api}/press", _guard(self.press)),
            web.get(f"{api}/chats/{{chat_id}}/messages", _guard(self.messages)),
            web.get(f"{api}/callback_answers/{{query_id}}", _guard(self.callback_answer)),
            web.get(f"{api}/faults", _guard(self.list_faults)),
            web.post(f"{api}/faults", _guard(self.add_fault)),
            web.delete(f"{api}/faults", _guard(self.clear_faults)),
            web.get(f"{api}/chaos", _guard(self.get_chaos)),
            web.post(f"{api}/chaos", _guard(self.set_chaos)),
            web.delete(f"{api}/chaos", _guard(self.clear_chaos)),
            web.get(f"{api}/requests", _guard(self.requests)),
            web.get(f"{api}/events", _guard(self.events)),
            web.get("/sandbox/files/{file_id}", _guard(self.file)),
        ]

    async def get_state(self, request: web.Request) -> dict[str, Any]:
        """Return the bot, all people and all chats with their members."""
        return self.state.snapshot()

    async def create_user(self, request: web.Request) -> dict[str, Any]:
        """Return the new (or updated, if ``id`` exists) person."""
        body = await _body(request)
        return self.state.ensure_user(
            _optional_int(body.get("id"), "id"),
            str(body.get("first_name") or ""),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code") or "ja",
        )

    async def set_blocked(self, request: web.Request) -> dict[str, Any]:
        """Return the person after they (un)blocked the bot."""
        body = await _body(request)
        user_id = _int(request.match_info["user_id"], "user_id")
        user = self.state.set_blocked(user_id, bool(body.get("blocked", True)))
        return {**user, "sandbox_blocked": user["id"] in self.state.blocked}

    async def create_group(self, request: web.Request) -> dict[str, Any]:
        """Return the new group with its members; adding the bot queues my_chat_member."""
        body = await _body(request)
        members = body.get("members") or {}
        if not isinstance(members, dict) or not members:
            raise SandboxInputError('members must be a non-empty {"user_id": status} object')
        if _optional_int(body.get("id"), "id") in self.state.chats:
            raise SandboxInputError(f"chat {body['id']} already exists")
        return self.state.ensure_group(
            _optional_int(body.get("id"), "id"),
            str(body.get("title") or ""),
            members,
            bot_status=body.get("bot_status") or "administrator",
            by_user_id=_optional_int(body.get("by_user_id"), "by_user_id"),
        )

    async def set_bot_status(self, request: web.Request) -> dict[str, Any]:
        """Return the group after adding, promoting or removing the bot."""
        body = await _body(request)
        return self.state.set_bot_status(
            _int(request.match_info["chat_id"], "chat_id"),
            str(body.get("status") or ""),
            by_user_id=_optional_int(body.get("by_user_id"), "by_user_id"),
        )

    async def set_member(self, request: web.Request) -> dict[str, Any]:
        """Return the group after changing a member's status."""
        body = await _body(request)
        return self.state.set_member(
            _int(request.match_info["chat_id"], "chat_id"),
            _int(body.get("user_id"), "user_id"),
            str(body.get("status") or ""),
        )

    async def send(self, request: web.Request) -> dict[str, Any]:
        """Return the message a person sent to the bot (private) or to a group."""
        body = await _body(request)
        text = body.get("text")
        if not isinstance(text, str):
            raise SandboxInputError("text must be a string")
        return self.state.person_sends(
            _int(body.get("user_id"), "user_id"),
            text,
            chat_id=_optional_int(body.get("chat_id"), "chat_id"),
            reply_to_message_id=_optional_int(
                body.get("reply_to_message_id"), "reply_to_message_id"
            ),
        )

    async def press(self, request: web.Request) -> dict[str, Any]:
        """Return {"callback_query_id"} after a person pressed an inline button."""
        body = await _body(request)
        data = body.get("data")
        text = body.get("text")
        query_id = self.state.press(
            _int(body.get("user_id"), "user_id"),
            _int(body.get("chat_id"), "chat_id"),
            _int(body.get("message_id"), "message_id"),
            data=None if data is None else str(data),
            text=None if text is None else str(text),
            forge=bool(body.get("forge", False)),
        )
        return {"callback_query_id": query_id}

    async def messages(self, request: web.Request) -> list[dict[str, Any]]:
        """Return the chat's messages after ``after`` (deleted ones flagged, edits in place)."""
        chat = self.state.chat(_int(request.match_info["chat_id"], "chat_id"))
        after = _int(request.query.get("after", 0), "after")
        history = self.state.messages.get(chat["id"], {})
        return [copy.deepcopy(m) for mid, m in history.items() if mid > after]

    async def callback_answer(self, request: web.Request) -> dict[str, Any]:
        """Return whether and how the bot answered a pressed button."""
        return self.state.callback_answer(request.match_info["query_id"])

    async def list_faults(self, request: web.Request) -> list[dict[str, Any]]:
        """Return the faults still queued."""
        return self.faults.pending()

    async def add_fault(self, request: web.Request) -> dict[str, Any]:
        """Return the queued fault."""
        body = await _body(request)
        method = body.get("method")
        if not isinstance(method, str) or not method:
            raise SandboxInputError('method is required (a Bot API method name or "*")')
        fault = self.faults.add(
            method,
            _int(body.get("error_code"), "error_code"),
            description=body.get("description"),
            retry_after=_optional_int(body.get("retry_after"), "retry_after"),
            times=_optional_int(body.get("times"), "times") or 1,
        )
        return fault.as_dict()

    async def set_chaos(self, request: web.Request) -> dict[str, Any]:
        """Return the chaos settings after starting random failures."""
        body = await _body(request)
        try:
            chaos = self.faults.set_chaos(
                float(body.get("rate", 0.1)), outcomes=body.get("outcomes"),
                methods=body.get("methods"), seed=_optional_int(body.get("seed"), "seed"),
                timeout_seconds=float(body.get("timeout_seconds", 10.0)))
        except (TypeError, ValueError) as err:
            raise SandboxInputError(str(err)) from None
        return chaos.as_dict()

    async def get_chaos(self, request: web.Request) -> dict[str, Any]:
        """Return the chaos settings and counts (empty when off)."""
        return self.faults.chaos.as_dict() if self.faults.chaos else {}

    async def clear_chaos(self, request: web.Request) -> dict[str, bool]:
        """Return {"ok": true} after stopping random failures."""
        self.faults.clear_chaos()
        return {"ok": True}

    async def clear_faults(self, request: web.Request) -> dict[str, bool]:
        """Return {"ok": true} after dropping all faults."""
        self.faults.clear()
        return {"ok": True}

    async def requests(self, request: web.Request) -> list[dict[str, Any]]:
        """Return the Bot API request log, optionally for one method (case-insensitive)."""
        method = request.query.get("method")
        entries = list(self.request_log)
        if method:
            entries = [e for e in entries if e["method"].lower() == method.lower()]
        limit = _optional_int(request.query.get("limit"), "limit")
        return entries[-limit:] if limit else entries

    async def events(self, request: web.Request) -> dict[str, Any]:
        """Return change events after ``after``, long-polling up to ``timeout`` seconds."""
        after = _optional_int(request.query.get("after"), "after")
        try:
            timeout = float(request.query.get("timeout", 25))
        except ValueError:
            raise SandboxInputError("timeout must be a number") from None
        return await self.state.feed.wait_events(after, max(0.0, min(MAX_EVENT_WAIT, timeout)))

    async def file(self, request: web.Request) -> web.Response:
        """Return the bytes of a stored file for the page (inline for photos)."""
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise SandboxInputError("unknown file_id", 404)
        headers = {}
        if stored.kind == "document":
            name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return web.Response(
            body=stored.data,
            content_type=stored.mime_type or "application/octet-stream",
            headers=headers,
        )
