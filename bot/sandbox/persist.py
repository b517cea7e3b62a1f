"""Saving and loading the sandbox state as JSON, with file bytes in a sibling directory."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from bot.sandbox.media import StoredFile
from bot.sandbox.state import SandboxState

logger = logging.getLogger(__name__)
FORMAT_VERSION = 1


def files_dir(state_path: Path) -> Path:
    """Return the directory that holds uploaded file bytes next to the state file."""
    return state_path.with_name(state_path.name + ".files")


def dump_state(state: SandboxState) -> dict[str, Any]:
    """Return the persistent part of ``state`` as JSON-ready data (no pending updates)."""
    return {
        "version": FORMAT_VERSION,
        "users": list(state.users.values()),
        "blocked": sorted(state.blocked),
        "started": sorted(state.started),
        "captions": {str(uid): caption for uid, caption in state.captions.items()},
        "folded": sorted(state.folded),
        "chats": [
            {
                "chat": chat,
                "members": {str(uid): s for uid, s in state.members.get(chat_id, {}).items()},
                "bot_status": state.bot_status.get(chat_id),
            }
            for chat_id, chat in state.chats.items()
        ],
        "messages": {
            str(chat_id): list(messages.values()) for chat_id, messages in state.messages.items()
        },
        "next_message_id": {str(k): v for k, v in state.next_message_id.items()},
        "files": [stored.meta() for stored in state.files.values()],
        "commands": state.commands,
        "descriptions": state.descriptions,
        "webhook_url": state.webhook_url,
        "webhook_secret": state.webhook_secret,
        "next_user_id": state.next_user_id,
        "next_group_id": state.next_group_id,
        "next_update_id": state.feed.next_update_id,
        "seq": state.feed.seq,
    }


def write_state(text: str, blobs: dict[str, bytes], path: Path) -> None:
    """Write the state JSON text atomically (tmp file + os.replace) and missing file bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if blobs:
        directory = files_dir(path)
        directory.mkdir(exist_ok=True)
        for name, content in blobs.items():
            target = directory / name
            if not target.exists():
                tmp = target.with_name(name + ".tmp")
                tmp.write_bytes(content)
                os.replace(tmp, target)
    tmp_path = path.with_name(path.name + ".tmp")
    tmp_path.write_text(text, encoding="utf-8")
    os.replace(tmp_path, path)


def blobs_of(state: SandboxState) -> dict[str, bytes]:
    """Return file bytes keyed by their on-disk name (the file_unique_id)."""
    return {stored.file_unique_id: stored.data for stored in state.files.values()}


def load_state(state: SandboxState, path: Path) -> bool:
    """Return True after filling ``state`` from ``path``; False if there is no file."""
    if not path.exists():
        return False
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") != FORMAT_VERSION:
        logger.warning("ignoring sandbox state %s with unknown version", path)
        return False
    state.users = {int(u["id"]): u for u in data["users"]}
    state.blocked = set(data["blocked"])
    state.started = set(data["started"])
    state.captions = {int(uid): caption for uid, caption in data.get("captions", {}).items()}
    state.folded = set(data.get("folded", []))
    for entry in data["chats"]:
        chat = entry["chat"]
        state.chats[chat["id"]] = chat
        if chat["type"] != "private":
            state.members[chat["id"]] = {int(k): v for k, v in entry["members"].items()}
            state.bot_status[chat["id"]] = entry["bot_status"] or "left"
    state.messages = {
        int(chat_id): {m["message_id"]: m for m in messages}
        for chat_id, messages in data["messages"].items()
    }
    state.next_message_id = {int(k): v for k, v in data["next_message_id"].items()}
    directory = files_dir(path)
    for meta in data["files"]:
        blob = directory / meta["file_unique_id"]
        if not blob.exists():
            logger.warning("sandbox file %s is missing on disk; skipping", blob)
            continue
        state.files[meta["file_id"]] = StoredFile(data=blob.read_bytes(), **meta)
    state.commands = data["commands"]
    state.descriptions = data["descriptions"]
    state.webhook_url = data["webhook_url"]
    state.webhook_secret = data.get("webhook_secret", "")
    state.next_user_id = data["next_user_id"]
    state.next_group_id = data["next_group_id"]
    state.feed.next_update_id = data["next_update_id"]
    state.feed.seq = data["seq"]
    state.dirty = False
    return True
