"""Bot API methods that send, edit and delete messages and answer button presses."""

from __future__ import annotations

import logging
from typing import Any

from bot.sandbox.api_base import MAX_CAPTION, ApiBase
from bot.sandbox.media import StoredFile, image_size
from bot.sandbox.params import BotApiError, Params, Upload, bad_request
from bot.sandbox.state import CALLBACK_MAX_AGE, MAX_TEXT, public

logger = logging.getLogger(__name__)

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class MessageMethods(ApiBase):
    """sendMessage/Photo/Document, edits, deletes, getFile and answerCallbackQuery."""

    # ------------------------------------------------------------------ messages
    async def api_sendmessage(self, params: Params) -> dict[str, Any]:
        """Return the Message the bot sent."""
        chat = self._reachable_chat(params, sending=True)
        text, entities, html = self._formatted(
            params, "text", "entities", MAX_TEXT, "message is too long"
        )
        if not text:
            raise bad_request("message text is empty")
        markup = self._markup(params)
        fields: dict[str, Any] = {"text": text}
        if entities:
            fields["entities"] = entities
        if html is not None:
            fields["sandbox_html"] = html
        self._apply_markup(fields, markup)
        self._reply_to(params, chat, fields)
        self._flood(chat)
        return public(self.state.add_message(chat["id"], self.state.bot, fields))

    def _media(self, params: Params, kind: str) -> StoredFile:
        source = params.file(kind)
        if source is None:
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(source, Upload):
            if not source.data:
                raise bad_request("file must be non-empty")
            if kind == "photo" and image_size(source.data) is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            return self.state.store_file(kind, source.data, source.filename, source.content_type)
        stored = self.state.files.get(source)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    async def _send_media(self, params: Params, kind: str) -> dict[str, Any]:
        chat = self._reachable_chat(params, sending=True)
        caption, entities, html = self._formatted(
            params, "caption", "caption_entities", MAX_CAPTION, "message caption is too long"
        )
        markup = self._markup(params)
        fields: dict[str, Any] = {}
        if caption:
            fields["caption"] = caption
        if entities:
            fields["caption_entities"] = entities
        if html is not None and caption:
            fields["sandbox_html"] = html
        self._apply_markup(fields, markup)
        self._reply_to(params, chat, fields)
        self._flood(chat)
        stored = self._media(params, kind)
        fields[kind] = stored.photo_sizes() if kind == "photo" else stored.document()
        return public(self.state.add_message(chat["id"], self.state.bot, fields))

    async def api_sendphoto(self, params: Params) -> dict[str, Any]:
        """Return the Message with the photo the bot sent."""
        return await self._send_media(params, "photo")

    async def api_senddocument(self, params: Params) -> dict[str, Any]:
        """Return the Message with the document the bot sent."""
        return await self._send_media(params, "document")

    async def api_getfile(self, params: Params) -> dict[str, Any]:
        """Return the File object for a file_id."""
        stored = self.state.files.get(params.get_str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.file_object()

    async def api_editmessagetext(self, params: Params) -> dict[str, Any]:
        """Return the edited Message."""
        message = self._editable(params)
        text, entities, html = self._formatted(
            params, "text", "entities", MAX_TEXT, "message is too long"
        )
        if not text:
            raise bad_request("message text is empty")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        markup = self._markup(params)
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        if (
            message["text"] == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        self._set_or_drop(message, "entities", entities or None)
        self._set_or_drop(message, "sandbox_html", html)
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        self._set_or_drop(message, "reply_markup", markup)
        self.state.mark_edited(message)
        return public(message)

    async def api_editmessagecaption(self, params: Params) -> dict[str, Any]:
        """Return the Message with its caption edited."""
        message = self._editable(params)
        if "text" in message:
            raise bad_request("there is no caption in the message to edit")
        caption, entities, html = self._formatted(
            params, "caption", "caption_entities", MAX_CAPTION, "message caption is too long"
        )
        markup = self._markup(params)
        if (
            message.get("caption", "") == caption
            and message.get("caption_entities", []) == entities
            and message.get("reply_markup") == markup
        ):
            raise bad_request(NOT_MODIFIED)
        self._set_or_drop(message, "caption", caption or None)
        self._set_or_drop(message, "caption_entities", entities or None)
        self._set_or_drop(message, "sandbox_html", html if caption else None)
        self._set_or_drop(message, "reply_markup", markup)
        self.state.mark_edited(message)
        return public(message)

    async def api_editmessagereplymarkup(self, params: Params) -> dict[str, Any]:
        """Return the Message with its inline keyboard replaced (or removed)."""
        message = self._editable(params)
        markup = self._markup(params)
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        if message.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        self._set_or_drop(message, "reply_markup", markup)
        self.state.mark_edited(message)
        return public(message)

    @staticmethod
    def _set_or_drop(message: dict[str, Any], key: str, value: Any) -> None:
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value

    def _delete_one(self, params: Params) -> None:
        message = self._bot_message(params, deleting=True)
        chat_id = message["chat"]["id"]
        own = message["from"]["id"] == self.state.bot["id"]
        is_admin = self.state.bot_status.get(chat_id) == "administrator"
        if message["chat"]["type"] != "private" and not own and not is_admin:
            raise bad_request("message can't be deleted")
        self.state.mark_deleted(message)

    async def api_deletemessage(self, params: Params) -> bool:
        """Return True after deleting one message."""
        self._delete_one(params)
        return True

    async def api_deletemessages(self, params: Params) -> bool:
        """Return True after deleting the listed messages (missing ones are skipped)."""
        ids = params.get_json("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad_request("message identifiers are not specified")
        for message_id in ids:
            single = Params({"chat_id": params.raw("chat_id"), "message_id": message_id}, {})
            try:
                self._delete_one(single)
            except BotApiError as err:
                if err.error_code != 400:
                    raise
                logger.debug("deleteMessages skipped %s: %s", message_id, err.description)
        return True

    async def api_answercallbackquery(self, params: Params) -> bool:
        """Return True after recording the answer shown to the person."""
        query_id = params.get_str("callback_query_id") or ""
        record = self.state.callbacks.get(query_id)
        if (
            record is None
            or record["answered"]
            or self.state.monotonic() - record["created"] > CALLBACK_MAX_AGE
        ):
            raise bad_request(QUERY_TOO_OLD)
        text = params.get_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        record.update(
            answered=True,
            text=text,
            show_alert=params.get_bool("show_alert"),
            url=params.get_str("url"),
        )
        self.state.emit(
            "callback_answer",
            record["chat_id"],
            callback_answer=self.state.callback_answer(query_id),
        )
        return True
