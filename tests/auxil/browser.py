"""Headless Chromium from Debian, driven by Playwright; tests skip when it is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium tries Google's hosts on a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# CI installs Chromium and sets OTAGAI_REQUIRE_BROWSER, so there a missing browser fails.
requires_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("OTAGAI_REQUIRE_BROWSER"),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)


# The browser is the person's device: its clock is not the application's. CI's moved-clock
# runs preload libfaketime into the suite, and Chromium's processes do not start under it.
FAKED_CLOCK = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")


@asynccontextmanager
async def chromium_page(timezone_id: str | None = None) -> AsyncIterator[object]:
    """Yield a Playwright page in headless Chromium, 1280 px wide (in ``timezone_id``, an
    IANA zone, when given: a person's device abroad)."""
    playwright_api = pytest.importorskip("playwright.async_api")
    env = {name: value for name, value in os.environ.items() if name not in FAKED_CLOCK}
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, env=env
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900},
                                          timezone_id=timezone_id)
            yield page
        finally:
            await browser.close()
