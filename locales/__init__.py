"""The words: gettext catalogs (``ja``, ``en``) and the code that reads them.

``i18n`` looks messages up in the person's language and formats dates in their zone;
``activity_text`` and ``meeting_text`` put an activity and a meeting into words. Every
channel and the scheduler use them; nothing here knows a messenger.
"""
