"""Numbers people type: "12", "12人", "１７名", " 8 人"."""

from __future__ import annotations

import unicodedata

COUNTERS = ("人", "名")


def parse_count(text: str) -> int | None:
    """Return the whole number typed (full-width digits and a 人/名 counter allowed), or None.

    Signs, decimals and words ("たくさん", "-3", "1.5") are not counts.
    """
    normal = unicodedata.normalize("NFKC", text).strip()
    for counter in COUNTERS:
        if normal.endswith(counter):
            normal = normal.removesuffix(counter).strip()
            break
    if not normal.isascii() or not normal.isdigit():
        return None
    return int(normal)
