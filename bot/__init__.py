"""otagai (お互いさま): the Telegram application, its settings, run modes and i18n glue."""

import os

# Opt in to PTB's coming durations as ``timedelta`` (retry_after and friends) now, so that
# the next major version changes nothing and no deprecation warning fires on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
