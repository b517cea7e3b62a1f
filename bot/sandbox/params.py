"""Reading Bot API parameters from JSON, url-encoded and multipart requests alike."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web


class BotApiError(Exception):
    """A Bot API failure answered as ``{"ok": false, ...}`` with the same HTTP status."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> BotApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return BotApiError(400, f"Bad Request: {text}")


@dataclass
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Typed access to request parameters; form values arrive as strings or JSON text."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self.values = values
        self.uploads = uploads

    def raw(self, name: str) -> Any:
        """Return the parameter as received, or None when absent or empty."""
        value = self.values.get(name)
        return None if value == "" else value

    def has(self, name: str) -> bool:
        """Return whether the parameter was sent (uploads included)."""
        return self.raw(name) is not None or name in self.uploads

    def get_str(self, name: str) -> str | None:
        """Return the parameter as text, or None."""
        value = self.raw(name)
        return None if value is None else str(value)

    def get_int(self, name: str, required: bool = False) -> int | None:
        """Return the parameter as an int; raises 400 if it is not a number."""
        value = self.raw(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            try:
                return int(float(value))
            except (TypeError, ValueError):
                raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str, default: float = 0.0) -> float:
        """Return the parameter as a float (default when absent)."""
        value = self.raw(name)
        if value is None:
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        """Return the parameter as a bool ("true"/"1" or JSON true)."""
        value = self.raw(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def get_json(self, name: str, error: str | None = None) -> Any:
        """Return a nested parameter decoded from JSON text when it came as text."""
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(error or f"can't parse {name} JSON object") from None
        return value

    def file(self, name: str) -> Upload | str | None:
        """Return an upload (direct part or attach://) or a file_id/URL string, or None."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.get_str(name)
        if value and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} is missing in the request")
            return upload
        return value

    def loggable(self) -> dict[str, Any]:
        """Return the parameters for the request log, files summarised."""
        logged = dict(self.values)
        for name, upload in self.uploads.items():
            logged[name] = f"<file {upload.filename or ''} {len(upload.data)} bytes>"
        return logged


async def read_params(request: web.Request) -> Params:
    """Return the parameters of a Bot API request: query string plus body of any encoding."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return Params(values, uploads)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise bad_request("can't parse JSON request body") from None
        if isinstance(body, dict):
            values.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(value.file.read(), value.filename, value.content_type)
            else:
                values[key] = value
    return Params(values, uploads)
