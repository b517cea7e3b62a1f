"""The sandbox's world: people, chats, messages and files; changes go to the ChangeFeed.

Everything here is synchronous, so in-process seeding (``SandboxServer.ensure_user``) and
HTTP handlers share one code path.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable
from typing import Any

from bot.sandbox.entities import command_entities, utf16_len
from bot.sandbox.feed import ChangeFeed
from bot.sandbox.media import StoredFile, new_file

MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "left", "kicked"})
BOT_STATUSES = frozenset({"member", "administrator", "left", "kicked"})
PRESENT_STATUSES = frozenset({"creator", "administrator", "member"})
CALLBACK_MAX_AGE = 15 * 60
MAX_TEXT = 4096
FIRST_USER_ID = 1001
FIRST_GROUP_ID = -100000000001


class SandboxInputError(ValueError):
    """Bad input to a control operation; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def public(message: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of a stored message without the sandbox-only keys."""
    result = {k: copy.deepcopy(v) for k, v in message.items() if not k.startswith("sandbox_")}
    reply = result.get("reply_to_message")
    if isinstance(reply, dict):
        result["reply_to_message"] = {
            k: v for k, v in reply.items() if not k.startswith("sandbox_")
        }
    return result


def member_object(user: dict[str, Any], status: str) -> dict[str, Any]:
    """Return a ChatMember JSON object for ``user`` with ``status``."""
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        rights = [
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_pin_messages",
            "can_manage_topics",
        ]
        member: dict[str, Any] = {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
        }
        member.update(dict.fromkeys(rights, True))
        return member
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": 0}
    return {"status": status, "user": user}


class SandboxState:
    """All data of one sandbox; mutations mark it dirty and emit change events."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.clock = clock
        self.monotonic = monotonic
        self.users: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.started: set[int] = set()
        # For the page only (never sent to the bot): a line under a person's name (their
        # role in the demo), and the people folded away until someone chooses to show them.
        self.captions: dict[int, str] = {}
        self.folded: set[int] = set()
        # The zone the page shows message times in: the bot's, not the browser's.
        self.time_zone = "Asia/Tokyo"
        self.chats: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[int, str]] = {}
        self.bot_status: dict[int, str] = {}
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}
        self.next_message_id: dict[int, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[str, dict[str, Any]] = {}
        self.descriptions: dict[str, str] = {}
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_max_connections = 40
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.next_user_id = FIRST_USER_ID
        self.next_group_id = FIRST_GROUP_ID
        self.dirty = False
        self.feed = ChangeFeed()

    # ----------------------------------------------------------------- events & updates
    def emit(self, kind: str, chat_id: int | None = None, **payload: Any) -> dict[str, Any]:
        """Return the recorded change event (marks the state dirty for autosave)."""
        self.dirty = True
        return self.feed.emit(kind, chat_id, payload)

    def enqueue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the new Update after queueing it for getUpdates."""
        self.dirty = True
        return self.feed.enqueue(kind, payload)

    # ------------------------------------------------------------------ people & chats
    def _private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        return chat

    def user(self, user_id: int) -> dict[str, Any]:
        """Return the person with ``user_id``; raises SandboxInputError (404) if unknown."""
        try:
            return self.users[int(user_id)]
        except (KeyError, ValueError, TypeError):
            raise SandboxInputError(f"unknown user {user_id}", 404) from None

    def chat(self, chat_id: int) -> dict[str, Any]:
        """Return the Chat object for ``chat_id``; raises SandboxInputError (404) if unknown."""
        try:
            return self.chats[int(chat_id)]
        except (KeyError, ValueError, TypeError):
            raise SandboxInputError(f"unknown chat {chat_id}", 404) from None

    def ensure_user(
        self,
        user_id: int | None,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "ja",
    ) -> dict[str, Any]:
        """Return the person, created or updated so that it has exactly these details."""
        if not first_name:
            raise SandboxInputError("first_name is required")
        if user_id is None:
            while self.next_user_id in self.users or self.next_user_id == self.bot["id"]:
                self.next_user_id += 1
            user_id = self.next_user_id
        user_id = int(user_id)
        if user_id <= 0 or user_id == self.bot["id"]:
            raise SandboxInputError(f"invalid user id {user_id}")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        user["language_code"] = language_code or "ja"
        if self.users.get(user_id) != user:
            self.users[user_id] = user
            self.chats[user_id] = self._private_chat(user)
            self.emit("user", user_id, user=user)
            self.emit("chat", user_id, chat=self.chat_info(user_id))
        if user_id >= self.next_user_id:
            self.next_user_id = user_id + 1
        return user

    def chat_info(self, chat_id: int) -> dict[str, Any]:
        """Return the chat with its members and the bot's status (control API shape)."""
        chat = dict(self.chat(chat_id))
        if chat["type"] == "private":
            chat["members"] = {str(chat["id"]): "member"}
            chat["bot_status"] = "kicked" if chat["id"] in self.blocked else "member"
            chat["started"] = chat["id"] in self.started
        else:
            chat["members"] = {str(uid): s for uid, s in self.members[chat["id"]].items()}
            chat["bot_status"] = self.bot_status.get(chat["id"], "left")
        return chat

    def _check_members(self, members: dict[Any, str]) -> dict[int, str]:
        checked: dict[int, str] = {}
        for raw_id, status in members.items():
            user = self.user(int(raw_id))
            if status not in MEMBER_STATUSES:
                raise SandboxInputError(
                    f"invalid member status {status!r}; use one of {sorted(MEMBER_STATUSES)}"
                )
            checked[user["id"]] = status
        return checked

    def _adder(self, chat_id: int, by_user_id: int | None) -> dict[str, Any] | None:
        if by_user_id is not None and int(by_user_id) == self.bot["id"]:
            return self.bot
        if by_user_id is not None:
            return self.user(by_user_id)
        members = self.members.get(chat_id, {})
        for wanted in (("creator", "administrator"), ("member",)):
            for uid, status in members.items():
                if status in wanted:
                    return self.users[uid]
        return None

    def ensure_group(
        self,
        chat_id: int | None,
        title: str,
        members: dict[Any, str],
        bot_status: str = "administrator",
        by_user_id: int | None = None,
    ) -> dict[str, Any]:
        """Return the group (control API shape), created or updated to match the arguments."""
        if not title:
            raise SandboxInputError("title is required")
        if bot_status not in BOT_STATUSES:
            raise SandboxInputError(f"invalid bot_status {bot_status!r}")
        checked = self._check_members(members)
        if chat_id is None:
            while self.next_group_id in self.chats:
                self.next_group_id -= 1
            chat_id = self.next_group_id
        chat_id = int(chat_id)
        if chat_id >= 0:
            raise SandboxInputError("group ids must be negative")
        existing = self.chats.get(chat_id)
        if existing is None:
            self.chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": title}
            self.members[chat_id] = {}
            self.bot_status[chat_id] = "left"
            self.messages[chat_id] = {}
        elif existing["type"] == "private":
            raise SandboxInputError(f"chat {chat_id} is a private chat")
        changed = existing is None or existing["title"] != title
        self.chats[chat_id]["title"] = title
        for uid, status in checked.items():
            changed |= self.members[chat_id].get(uid) != status
            self.members[chat_id][uid] = status
        if chat_id <= self.next_group_id:
            self.next_group_id = chat_id - 1
        if changed:
            self.emit("chat", chat_id, chat=self.chat_info(chat_id))
        self.set_bot_status(chat_id, bot_status, by_user_id)
        return self.chat_info(chat_id)

    def set_bot_status(
        self, chat_id: int, status: str, by_user_id: int | None = None
    ) -> dict[str, Any]:
        """Return the group after changing the bot's status there (queues my_chat_member)."""
        chat = self.chat(chat_id)
        if chat["type"] == "private":
            raise SandboxInputError("use the blocked endpoint for private chats")
        if status not in BOT_STATUSES:
            raise SandboxInputError(f"invalid bot status {status!r}")
        old = self.bot_status.get(chat["id"], "left")
        if old == status:
            return self.chat_info(chat["id"])
        adder = self._adder(chat["id"], by_user_id)
        if adder is None:
            raise SandboxInputError("the group needs a member who adds or removes the bot")
        self.bot_status[chat["id"]] = status
        self.enqueue_update(
            "my_chat_member",
            {
                "chat": chat,
                "from": adder,
                "date": int(self.clock()),
                "old_chat_member": member_object(self.bot, old),
                "new_chat_member": member_object(self.bot, status),
            },
        )
        info = self.chat_info(chat["id"])
        self.emit("chat", chat["id"], chat=info)
        return info

    def set_member(self, chat_id: int, user_id: int, status: str) -> dict[str, Any]:
        """Return the group after setting one member's status."""
        chat = self.chat(chat_id)
        if chat["type"] == "private":
            raise SandboxInputError("private chats have no members to change")
        checked = self._check_members({user_id: status})
        self.members[chat["id"]].update(checked)
        info = self.chat_info(chat["id"])
        self.emit("chat", chat["id"], chat=info)
        return info

    def set_blocked(self, user_id: int, blocked: bool) -> dict[str, Any]:
        """Return the person after (un)blocking the bot; queues my_chat_member like Telegram."""
        user = self.user(user_id)
        if (user["id"] in self.blocked) == blocked:
            return user
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        if blocked:
            self.blocked.add(user["id"])
        else:
            self.blocked.discard(user["id"])
        self.enqueue_update(
            "my_chat_member",
            {
                "chat": self.chats[user["id"]],
                "from": user,
                "date": int(self.clock()),
                "old_chat_member": member_object(self.bot, old),
                "new_chat_member": member_object(self.bot, new),
            },
        )
        self.emit("chat", user["id"], chat=self.chat_info(user["id"]))
        return user

    def bot_receives(self, chat_id: int) -> bool:
        """Return whether the bot currently gets updates from ``chat_id``."""
        chat = self.chats[chat_id]
        if chat["type"] == "private":
            return chat_id not in self.blocked
        return self.bot_status.get(chat_id, "left") in PRESENT_STATUSES

    def member_status(self, chat_id: int, user_id: int) -> str:
        """Return a user's (or the bot's) status in a chat; unknown means "left"."""
        chat = self.chats[chat_id]
        if user_id == self.bot["id"]:
            if chat["type"] == "private":
                return "kicked" if chat_id in self.blocked else "member"
            return self.bot_status.get(chat_id, "left")
        if chat["type"] == "private":
            return "member" if user_id == chat_id else "left"
        return self.members[chat_id].get(user_id, "left")

    # ----------------------------------------------------------------------- messages
    def add_message(
        self, chat_id: int, sender: dict[str, Any], fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Return the stored message after appending it to the chat and emitting an event."""
        message_id = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = message_id + 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": self.chats[chat_id],
            "date": int(self.clock()),
        }
        message.update(fields)
        message["sandbox_edit_count"] = 0
        message = copy.deepcopy(message)
        self.messages.setdefault(chat_id, {})[message_id] = message
        self.emit("message", chat_id, message=message)
        return message

    def find_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Return a live (not deleted) message or None."""
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None or message.get("sandbox_deleted"):
            return None
        return message

    def mark_edited(self, message: dict[str, Any]) -> None:
        """Stamp an in-place edit and emit the edit event."""
        message["edit_date"] = int(self.clock())
        message["sandbox_edit_count"] = message.get("sandbox_edit_count", 0) + 1
        self.emit("edit", message["chat"]["id"], message=message)

    def mark_deleted(self, message: dict[str, Any]) -> None:
        """Flag a message deleted (kept for the history view) and emit the delete event."""
        message["sandbox_deleted"] = True
        self.emit("delete", message["chat"]["id"], message=message)

    def person_sends(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """Return the message a person sent; queues the update the bot would receive."""
        user = self.user(user_id)
        text = (text or "").strip()
        if not text:
            raise SandboxInputError("text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise SandboxInputError("text is longer than 4096 characters")
        target = user["id"] if chat_id is None else int(chat_id)
        chat = self.chat(target)
        if chat["type"] == "private":
            if target != user["id"]:
                raise SandboxInputError("a person can only write in their own private chat")
            if target in self.blocked:
                # Writing to a blocked bot in Telegram means pressing "restart": unblock.
                self.set_blocked(target, False)
            self.started.add(target)
        elif self.members[target].get(user["id"]) not in PRESENT_STATUSES:
            raise SandboxInputError(f"user {user['id']} is not a member of chat {target}")
        fields: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        if reply_to_message_id is not None:
            original = self.find_message(target, int(reply_to_message_id))
            if original is None:
                raise SandboxInputError(f"message {reply_to_message_id} not found", 404)
            fields["reply_to_message"] = public(original)
        message = self.add_message(target, user, fields)
        if self.bot_receives(target):
            self.enqueue_update("message", public(message))
        return message

    def press(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        *,
        data: str | None = None,
        text: str | None = None,
        forge: bool = False,
    ) -> str:
        """Return the callback_query id of a person pressing an inline button."""
        user = self.user(user_id)
        self.chat(chat_id)
        message = self.find_message(int(chat_id), int(message_id))
        if message is None:
            raise SandboxInputError(f"message {message_id} not found in chat {chat_id}", 404)
        if data is None and text is None:
            raise SandboxInputError("give data or text to choose the button")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        buttons = [button for row in rows for button in row]
        chosen = [
            b
            for b in buttons
            if (text is None or b.get("text") == text)
            and (data is None or b.get("callback_data") == data)
        ]
        if forge:
            if data is None:
                data = chosen[0].get("callback_data") if chosen else None
            if data is None:
                raise SandboxInputError("forge needs data (or text of a callback button)")
        elif not chosen:
            labels = [(b.get("text"), b.get("callback_data") or b.get("url")) for b in buttons]
            raise SandboxInputError(
                f"no inline button with text={text!r} data={data!r} on message {message_id}; "
                f"buttons are {labels}"
            )
        elif "callback_data" not in chosen[0]:
            raise SandboxInputError(
                f"button {chosen[0].get('text')!r} is not a callback button "
                f"(url: {chosen[0].get('url')!r}); open its link instead"
            )
        else:
            data = chosen[0]["callback_data"]
        query_id = str(secrets.randbits(62))
        self.callbacks[query_id] = {
            "created": self.monotonic(),
            "answered": False,
            "text": None,
            "show_alert": False,
            "url": None,
            "user_id": user["id"],
            "chat_id": int(chat_id),
            "message_id": int(message_id),
        }
        if self.bot_receives(int(chat_id)):
            self.enqueue_update(
                "callback_query",
                {
                    "id": query_id,
                    "from": user,
                    "message": public(message),
                    "chat_instance": str((int(chat_id) * 2654435761) % (2**62)),
                    "data": data,
                },
            )
        return query_id

    def callback_answer(self, query_id: str) -> dict[str, Any]:
        """Return {"answered", "text", "show_alert", "url"} for a pressed button."""
        record = self.callbacks.get(query_id)
        if record is None:
            raise SandboxInputError(f"unknown callback_query_id {query_id}", 404)
        return {
            "callback_query_id": query_id,
            "answered": record["answered"],
            "text": record["text"],
            "show_alert": record["show_alert"],
            "url": record["url"],
        }

    # -------------------------------------------------------------------------- files
    def store_file(
        self, kind: str, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        """Return a newly stored upload."""
        stored = new_file(kind, data, file_name, mime_type, len(self.files) + 1)
        self.files[stored.file_id] = stored
        self.dirty = True
        return stored

    def file_by_path(self, file_path: str) -> StoredFile | None:
        """Return the file stored under a getFile path, or None."""
        for stored in self.files.values():
            if stored.file_path == file_path:
                return stored
        return None

    # -------------------------------------------------------------------------- views
    def snapshot(self) -> dict[str, Any]:
        """Return the control API's view of everything (without message histories)."""
        return {
            "bot": self.bot,
            "seq": self.feed.seq,
            "time_zone": self.time_zone,
            "users": [
                {**u, "sandbox_blocked": u["id"] in self.blocked,
                 "sandbox_caption": self.captions.get(u["id"], ""),
                 "sandbox_folded": u["id"] in self.folded} for u in self.users.values()
            ],
            "chats": [self.chat_info(chat_id) for chat_id in self.chats],
            "commands": list(self.commands.values()),
        }
