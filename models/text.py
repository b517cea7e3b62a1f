"""Rules about text that several capabilities share."""

from __future__ import annotations

# A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell starting with one of these as
# a formula (OWASP, "CSV Injection"); a tab or carriage return first hides such a start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    """True for text a spreadsheet would take for a formula (a lone "-", the placeholder for
    nothing, is not one)."""
    return isinstance(value, str) and len(value) > 1 and value.startswith(FORMULA_STARTS)
