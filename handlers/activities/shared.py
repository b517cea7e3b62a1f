"""What the activity handlers share: button prefixes, the page size, reasons to decline."""

from __future__ import annotations

from locales.i18n import N_

PREFIX, BROWSE, REVIEW = "ak", "aa", "ar"  # proposing, browsing, reviewing
CHANGE_SCHEDULE = "ac"  # the questions and read-back of a changed schedule
SURVEY = "sv"  # the 通いの場 survey's fields of an activity
PAGE = 5  # activities per page in /activities
REJECT_REASONS = {
    "dup": N_("activity.reject.duplicate"),
    "ask": N_("activity.reject.ask"),
    "area": N_("activity.reject.area"),
    "other": N_("activity.reject.other"),
}
