"""Whole numbers read from URLs, query strings and forms: ASCII digits only, within range.

`int()` and `str.isdigit()` accept any Unicode digit (full-width U+FF12, Arabic-Indic U+0663,
even superscript U+00B2, which int() then refuses), signs, spaces and underscores, and numbers
of any size; a database INTEGER holds 2^31 - 1 at most on PostgreSQL. Every id or page number
typed by someone goes through here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Our id columns are INTEGER: PostgreSQL refuses anything larger in a query (a 500 otherwise).
MAX_ID = 2**31 - 1
MAX_ID_DIGITS = len(str(MAX_ID))

ASCII_DIGITS = re.compile(r"[0-9]+")

# No list has this many pages (it would be 25 million rows at 25 a page); a larger number is
# past the last page like any other, and the list shows its last page. Kept small enough that
# the offset of its first row, (MAX_PAGE - 1) * page size, stays an INTEGER on PostgreSQL.
MAX_PAGE = 1_000_000
LARGEST_PAGE_SIZE = MAX_ID // MAX_PAGE


def whole_number(text: str | None) -> int | None:
    """The number written in ASCII digits, or None (anything else, or beyond MAX_ID)."""
    if not isinstance(text, str) or not ASCII_DIGITS.fullmatch(text):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > MAX_ID_DIGITS:
        return None
    value = int(digits)
    return value if value <= MAX_ID else None


def id_from(values: Mapping[str, str], name: str) -> int | None:
    """An id from a query string or a form (`request.args`, `request.form`), or None."""
    return whole_number(values.get(name))


def page_number(values: Mapping[str, str], name: str = "page") -> int:
    """The page a query string asks for: 1 unless it is a number written in ASCII digits;
    any number past MAX_PAGE is MAX_PAGE (past the last page: the list shows its last)."""
    text = values.get(name)
    if not isinstance(text, str) or not ASCII_DIGITS.fullmatch(text):
        return 1
    number = whole_number(text)
    # A number beyond any id (however long) is past the last page, as MAX_PAGE is.
    return MAX_PAGE if number is None else min(max(number, 1), MAX_PAGE)
