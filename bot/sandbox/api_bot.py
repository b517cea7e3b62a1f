"""Bot API methods about the bot itself, updates, command menus and chats."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.api_base import ApiBase
from bot.sandbox.params import BotApiError, Params, bad_request
from bot.sandbox.state import PRESENT_STATUSES, member_object

_LOCAL_HTTP = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class BotMethods(ApiBase):
    """getMe, getUpdates, webhooks, commands, descriptions and chat/member queries."""

    # ------------------------------------------------------------------ bot & updates
    async def api_getme(self, params: Params) -> dict[str, Any]:
        """Return the bot's User object with the getMe extras."""
        return {
            **self.state.bot,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def api_getupdates(self, params: Params) -> list[dict[str, Any]]:
        """Return pending updates, waiting up to ``timeout`` seconds for new ones."""
        if self.state.webhook_url:
            raise BotApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        allowed = params.get_json("allowed_updates")
        limit = params.get_int("limit") or 100
        return await self.state.feed.get_updates(
            offset=params.get_int("offset") or 0,
            limit=max(1, min(100, limit)),
            wait_seconds=max(0.0, min(50.0, params.get_float("timeout"))),
            allowed_updates=allowed if isinstance(allowed, list) else None,
        )

    async def api_setwebhook(self, params: Params) -> bool:
        """Return True after storing the webhook; updates are then POSTed to it.

        Like Telegram, an HTTPS URL is required, except that a local address
        (127.0.0.1, localhost) may use plain HTTP, since it never leaves the machine.
        """
        url = params.get_str("url") or ""
        if url and not (url.startswith("https://") or _LOCAL_HTTP.match(url)):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token") or ""
        if secret and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        connections = params.get_int("max_connections") or 40
        self.state.webhook_url = url
        self.state.webhook_secret = secret
        self.state.webhook_max_connections = max(1, min(100, connections))
        if params.get_bool("drop_pending_updates"):
            self.state.feed.drop_pending()
        self.state.feed.wake()
        return True

    async def api_deletewebhook(self, params: Params) -> bool:
        """Return True after clearing the webhook."""
        self.state.webhook_url = ""
        self.state.webhook_secret = ""
        if params.get_bool("drop_pending_updates"):
            self.state.feed.drop_pending()
        return True

    async def api_getwebhookinfo(self, params: Params) -> dict[str, Any]:
        """Return the WebhookInfo object."""
        info: dict[str, Any] = {
            "url": self.state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self.state.feed.pending_count(),
            "max_connections": self.state.webhook_max_connections,
        }
        if self.state.feed.allowed_updates:
            info["allowed_updates"] = self.state.feed.allowed_updates
        return info

    async def api_close(self, params: Params) -> bool:
        """Return True (nothing to close locally)."""
        return True

    async def api_logout(self, params: Params) -> bool:
        """Return True (nothing to log out of locally)."""
        return True

    # -------------------------------------------------------------------- commands
    def _commands_key(self, params: Params) -> tuple[str, dict[str, Any], str]:
        scope = params.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        if scope["type"].startswith("chat"):
            chat_id = scope.get("chat_id")
            if chat_id is None or int(chat_id) not in self.state.chats:
                raise bad_request("chat not found")
        language = params.get_str("language_code") or ""
        if language and not re.match(r"^[a-z]{2}$", language):
            raise bad_request("invalid language code specified")
        key = json.dumps([scope["type"], scope.get("chat_id"), scope.get("user_id"), language])
        return key, scope, language

    async def api_setmycommands(self, params: Params) -> bool:
        """Return True after storing the command list for the scope and language."""
        commands = params.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        cleaned = []
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            description = str(command.get("description", "")) if name else ""
            if not _COMMAND_NAME.match(name.removeprefix("/")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name.removeprefix("/"), "description": description})
        key, scope, language = self._commands_key(params)
        if cleaned:
            self.state.commands[key] = {
                "scope": scope,
                "language_code": language,
                "commands": cleaned,
            }
        else:
            self.state.commands.pop(key, None)
        self.state.dirty = True
        return True

    async def api_getmycommands(self, params: Params) -> list[dict[str, Any]]:
        """Return the commands stored for exactly this scope and language."""
        key, _, _ = self._commands_key(params)
        entry = self.state.commands.get(key)
        return entry["commands"] if entry else []

    async def api_deletemycommands(self, params: Params) -> bool:
        """Return True after removing the commands of this scope and language."""
        key, _, _ = self._commands_key(params)
        self.state.commands.pop(key, None)
        self.state.dirty = True
        return True

    async def _set_text(self, params: Params, key: str, limit: int) -> bool:
        value = params.get_str(key) or ""
        if len(value) > limit:
            raise bad_request(f"{key.upper()}_INVALID")
        language = params.get_str("language_code") or ""
        self.state.descriptions[f"{key}:{language}"] = value
        self.state.dirty = True
        return True

    async def api_setmydescription(self, params: Params) -> bool:
        """Return True after storing the description."""
        return await self._set_text(params, "description", 512)

    async def api_setmyshortdescription(self, params: Params) -> bool:
        """Return True after storing the short description."""
        return await self._set_text(params, "short_description", 120)

    async def api_setmyname(self, params: Params) -> bool:
        """Return True after storing the name (getMe keeps the configured name)."""
        return await self._set_text(params, "name", 64)

    def _get_text(self, params: Params, key: str) -> dict[str, str]:
        language = params.get_str("language_code") or ""
        return {key: self.state.descriptions.get(f"{key}:{language}", "")}

    async def api_getmydescription(self, params: Params) -> dict[str, str]:
        """Return the BotDescription object."""
        return self._get_text(params, "description")

    async def api_getmyshortdescription(self, params: Params) -> dict[str, str]:
        """Return the BotShortDescription object."""
        return self._get_text(params, "short_description")

    async def api_getmyname(self, params: Params) -> dict[str, str]:
        """Return the BotName object."""
        result = self._get_text(params, "name")
        return {"name": result["name"] or self.state.bot["first_name"]}

    async def api_setchatmenubutton(self, params: Params) -> bool:
        """Return True (the menu button is not shown by the sandbox)."""
        return True

    async def api_getchatmenubutton(self, params: Params) -> dict[str, str]:
        """Return the default MenuButton."""
        return {"type": "commands"}

    # --------------------------------------------------------------------- chats
    async def api_getchat(self, params: Params) -> dict[str, Any]:
        """Return the ChatFullInfo object."""
        chat = self._known_chat(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def api_getchatmember(self, params: Params) -> dict[str, Any]:
        """Return the ChatMember object of a user (or the bot) in a chat."""
        chat = self._reachable_chat(params)
        user_id = params.get_int("user_id", required=True)
        assert user_id is not None
        if user_id == self.state.bot["id"]:
            user = self.state.bot
        elif user_id in self.state.users:
            user = self.state.users[user_id]
        else:
            raise bad_request("user not found")
        return member_object(user, self.state.member_status(chat["id"], user_id))

    async def api_getchatadministrators(self, params: Params) -> list[dict[str, Any]]:
        """Return ChatMember objects of the creator and administrators (bot included)."""
        chat = self._reachable_chat(params)
        if chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = [
            member_object(self.state.users[uid], status)
            for uid, status in self.state.members[chat["id"]].items()
            if status in ("creator", "administrator")
        ]
        if self.state.bot_status.get(chat["id"]) == "administrator":
            admins.append(member_object(self.state.bot, "administrator"))
        return admins

    async def api_getchatmembercount(self, params: Params) -> int:
        """Return how many members (the bot included) a chat has."""
        chat = self._reachable_chat(params)
        if chat["type"] == "private":
            return 2
        present = [s for s in self.state.members[chat["id"]].values() if s in PRESENT_STATUSES]
        return len(present) + 1

    async def api_leavechat(self, params: Params) -> bool:
        """Return True after the bot leaves a group."""
        chat = self._reachable_chat(params)
        if chat["type"] == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.state.set_bot_status(chat["id"], "left", by_user_id=self.state.bot["id"])
        return True

    async def api_sendchataction(self, params: Params) -> bool:
        """Return True for a valid chat action."""
        self._reachable_chat(params, sending=True)
        if params.get_str("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def api_pinchatmessage(self, params: Params) -> bool:
        """Return True; pins are not modelled beyond checking the message exists."""
        self._bot_message(params)
        return True

    async def api_unpinchatmessage(self, params: Params) -> bool:
        """Return True; pins are not modelled."""
        self._reachable_chat(params)
        return True

    async def api_unpinallchatmessages(self, params: Params) -> bool:
        """Return True; pins are not modelled."""
        self._reachable_chat(params)
        return True
