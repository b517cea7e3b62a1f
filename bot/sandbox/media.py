"""Stored files of the sandbox: uploaded bytes plus the metadata Telegram reports."""

from __future__ import annotations

import mimetypes
import secrets
import struct
from dataclasses import dataclass
from typing import Any


@dataclass
class StoredFile:
    """One file the bot uploaded; ``kind`` is "photo" or "document"."""

    file_id: str
    file_unique_id: str
    file_path: str
    kind: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @property
    def file_size(self) -> int:
        """Return the size of the stored bytes."""
        return len(self.data)

    def photo_sizes(self) -> list[dict[str, Any]]:
        """Return the Message.photo list (one PhotoSize: the original)."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": self.file_size,
            }
        ]

    def document(self) -> dict[str, Any]:
        """Return the Message.document object."""
        doc: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc

    def file_object(self) -> dict[str, Any]:
        """Return the File object that getFile answers with."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }

    def meta(self) -> dict[str, Any]:
        """Return everything but the bytes, for the state file."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_path": self.file_path,
            "kind": self.kind,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "width": self.width,
            "height": self.height,
        }


def new_file(
    kind: str, data: bytes, file_name: str | None, mime_type: str | None, number: int
) -> StoredFile:
    """Return a StoredFile with fresh Telegram-looking ids and a file_path like Telegram's."""
    # aiohttp refuses content types with parameters, and Telegram drops them anyway.
    mime_type = mime_type.split(";", 1)[0].strip() if mime_type else None
    if not mime_type or mime_type == "application/octet-stream":
        mime_type = (mimetypes.guess_type(file_name)[0] if file_name else None) or mime_type
    width, height = image_size(data) or (0, 0)
    if kind == "photo":
        # PTB labels raw bytes application/octet-stream; the page needs a real image type.
        mime_type = image_mime(data) or mime_type
        # Telegram recompresses photos to JPEG and names them photos/file_N.jpg.
        path = f"photos/file_{number}.jpg"
        file_id = "AgAC" + secrets.token_urlsafe(40)
    else:
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        path = f"documents/file_{number}{suffix}"
        file_id = "BQAC" + secrets.token_urlsafe(40)
    return StoredFile(
        file_id=file_id,
        file_unique_id="AQAD" + secrets.token_urlsafe(9),
        file_path=path,
        kind=kind,
        data=data,
        file_name=file_name,
        mime_type=mime_type,
        width=width,
        height=height,
    )


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (segment,) = struct.unpack(">H", data[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + segment
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def image_mime(data: bytes) -> str | None:
    """Return the MIME type of PNG, JPEG, GIF, WebP or BMP bytes, else None."""
    signatures = (
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8", "image/jpeg"),
        (b"GIF8", "image/gif"),
        (b"BM", "image/bmp"),
    )
    for signature, mime in signatures:
        if data.startswith(signature):
            return mime
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) for PNG, JPEG, GIF, WebP or BMP bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return width, abs(height)
    return None
