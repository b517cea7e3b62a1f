"""Shared checks of the Bot API methods: chat resolution, formatting, keyboards, replies."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.entities import EntityParseError, parse_html, strip_text, utf16_len
from bot.sandbox.limits import FloodLimiter
from bot.sandbox.params import BotApiError, Params, bad_request
from bot.sandbox.state import PRESENT_STATUSES, SandboxState, public

MAX_CAPTION = 1024
KICKED = "Forbidden: bot was kicked from the group chat"
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_STARTED = "Forbidden: bot can't initiate conversation with a user"


class ApiBase:
    """State, limiter and the checks every Bot API method group needs."""

    def __init__(self, state: SandboxState, limiter: FloodLimiter | None) -> None:
        self.state = state
        self.limiter = limiter

    def _known_chat(self, params: Params) -> dict[str, Any]:
        raw = params.raw("chat_id")
        if raw is None:
            raise bad_request("chat_id is empty")
        try:
            chat = self.state.chats.get(int(raw))
        except (TypeError, ValueError):
            # "@username" only addresses public channels/groups, which the sandbox has none of.
            chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _reachable_chat(self, params: Params, sending: bool = False) -> dict[str, Any]:
        chat = self._known_chat(params)
        if chat["type"] == "private":
            if chat["id"] in self.state.blocked:
                raise BotApiError(403, BLOCKED)
            if sending and chat["id"] not in self.state.started:
                raise BotApiError(403, NOT_STARTED)
        elif self.state.bot_status.get(chat["id"], "left") not in PRESENT_STATUSES:
            raise BotApiError(403, KICKED)
        return chat

    def _flood(self, chat: dict[str, Any]) -> None:
        if self.limiter is None:
            return
        retry = self.limiter.check(chat["id"], chat["type"] != "private")
        if retry is not None:
            raise BotApiError(429, f"Too Many Requests: retry after {retry}", retry)

    def _formatted(
        self,
        params: Params,
        text_key: str,
        entities_key: str,
        limit: int,
        too_long: str,
    ) -> tuple[str, list[dict[str, Any]], str | None]:
        source = params.get_str(text_key) or ""
        parse_mode = params.get_str("parse_mode")
        html: str | None = None
        if parse_mode:
            if parse_mode.lower() != "html":
                raise bad_request(
                    f"unsupported parse_mode {parse_mode!r}: the sandbox only parses HTML"
                )
            try:
                text, entities = parse_html(source)
            except EntityParseError as err:
                raise bad_request(f"can't parse entities: {err}") from None
            html = source.strip()
        else:
            text = source
            entities = params.get_json(entities_key) or []
            if not isinstance(entities, list):
                raise bad_request(f"can't parse {entities_key} JSON object")
        text, entities = strip_text(text, entities)
        if utf16_len(text) > limit:
            raise bad_request(too_long)
        return text, entities, html

    def _markup(self, params: Params) -> dict[str, Any] | None:
        markup = params.get_json(
            "reply_markup", error="can't parse reply keyboard markup JSON object"
        )
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return markup
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: field "inline_keyboard" '
                "must be an Array of Arrays"
            )
        for row in rows:
            for entry in row:
                self._check_button(entry)
        return markup

    @staticmethod
    def _check_button(entry: Any) -> None:
        if not isinstance(entry, dict) or not entry.get("text"):
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        if "callback_data" in entry:
            size = len(str(entry["callback_data"]).encode("utf-8"))
            if not 1 <= size <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
        elif "url" in entry:
            if not re.match(r"^(https?|tg)://\S+$", str(entry["url"])):
                raise bad_request("BUTTON_URL_INVALID")
        elif not any(
            field in entry
            for field in (
                "web_app",
                "login_url",
                "switch_inline_query",
                "copy_text",
                "pay",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "callback_game",
            )
        ):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )

    def _apply_markup(self, fields: dict[str, Any], markup: dict[str, Any] | None) -> None:
        # Telegram only echoes inline keyboards in Message.reply_markup; reply keyboards are
        # client-side state, kept here under a sandbox key for the page.
        if markup is not None and "inline_keyboard" in markup:
            fields["reply_markup"] = markup
        elif markup is not None:
            fields["sandbox_keyboard"] = markup

    def _reply_to(self, params: Params, chat: dict[str, Any], fields: dict[str, Any]) -> None:
        reply = params.get_json("reply_parameters")
        if reply is None and params.get_int("reply_to_message_id") is not None:
            reply = {
                "message_id": params.get_int("reply_to_message_id"),
                "allow_sending_without_reply": params.get_bool("allow_sending_without_reply"),
            }
        if not isinstance(reply, dict) or "message_id" not in reply:
            return
        original = self.state.find_message(chat["id"], int(reply["message_id"]))
        if original is not None:
            fields["reply_to_message"] = public(original)
        elif not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")

    def _bot_message(self, params: Params, deleting: bool = False) -> dict[str, Any]:
        not_found = "message to delete not found" if deleting else "message to edit not found"
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._reachable_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self.state.find_message(chat["id"], message_id)
        if message is None:
            raise bad_request(not_found)
        return message

    def _editable(self, params: Params) -> dict[str, Any]:
        message = self._bot_message(params)
        if message["from"]["id"] != self.state.bot["id"]:
            raise bad_request("message can't be edited")
        return message
