"""otagai (お互いさま): the Telegram application, its settings, run modes and i18n glue."""
