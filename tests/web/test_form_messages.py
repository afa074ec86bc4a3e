"""WTForms' own messages come from the portal's catalogs (issue 25), not from the catalogs
WTForms ships: a bad whole number reads as the portal's translators wrote it."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
import wtforms

from portal.form_messages import PLURAL_MESSAGES, SINGULAR_MESSAGES, FormatsOrFallsBack
from tests.conftest import post_form
from tests.quotes.conftest import DRAFT_FORM, Setting, setting  # noqa: F401

# What WTForms' own catalogs say, which a page must no longer show.
WTFORMS_ITALIAN = "Non è una valore intero valido"
WTFORMS_FRENCH = "N'est pas un entier valide"


@pytest.mark.parametrize(
    ("language", "expected", "wtforms_own"),
    [
        ("it", "Non è un numero intero valido.", WTFORMS_ITALIAN),
        ("fr", "Ce n'est pas un nombre entier valide.", WTFORMS_FRENCH),
    ],
)
def test_a_bad_whole_number_shows_the_portals_translation(
    setting: Setting,  # noqa: F811
    language: str,
    expected: str,
    wtforms_own: str,
):
    setting.as_staff()
    data = {"account_id": str(setting.account_id), **DRAFT_FORM, "term_months": "dodici"}
    headers = {"Accept-Language": language}
    page = post_form(
        setting.client,
        "/backoffice/quotes/new",
        "/backoffice/quotes/new",
        data,
        headers=headers,
    )
    assert page.status_code == 422
    errors = re.search(r'<div id="term_months-errors"[^>]*>(.*?)</div>', page.text, re.S)
    assert errors, "no error slot for the term"
    assert expected in unescape(errors.group(1))
    assert wtforms_own not in unescape(page.text)
    assert "Not a valid integer value." not in page.text


def test_the_listed_messages_are_the_ones_wtforms_says():
    source = "".join(
        path.read_text(encoding="utf-8") for path in Path(wtforms.__file__).parent.rglob("*.py")
    )
    listed = [*SINGULAR_MESSAGES, *(text for pair in PLURAL_MESSAGES for text in pair)]
    for message in listed:
        assert f'"{message}"' in source, message


def test_a_translation_that_does_not_format_gives_the_source():
    broken = FormatsOrFallsBack("Au plus %(maximum)d caractères.", "At most %(max)d characters.")
    assert broken % {"max": 5} == "At most 5 characters."
    fine = FormatsOrFallsBack("Au plus %(max)d caractères.", "At most %(max)d characters.")
    assert fine % {"max": 5} == "Au plus 5 caractères."
