"""CSV cells a spreadsheet shows as text (OWASP "CSV injection")."""

from __future__ import annotations

import pytest

from web.dashboard_views import csv_cell


@pytest.mark.parametrize(("value", "shown"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("TOR-1", "TOR-1"),
    ("a=b", "a=b"), ("", ""), ("2027-01-15T09:00:00+00:00", "2027-01-15T09:00:00+00:00"),
])
def test_formula_starts_are_escaped(value: str, shown: str) -> None:
    assert csv_cell(value) == shown
