"""A label before its value carries its colon in the translation (issue 25): French writes
"Compte :" with a no-break space, which a colon written into the template cannot give."""

from __future__ import annotations

import re
from pathlib import Path

from tests.quotes.conftest import Setting, setting  # noqa: F401

TEMPLATES = Path(__file__).parents[2] / "templates"
# A colon printed right after what a template printed ("{{ _('Account') }}: "), also
# after a closing tag; a colon inside a value ("{{ field }}:-1") is not a label's.
COLON_AFTER_TEXT = re.compile(r"\}\}(?:</[a-z]+>)?:(?=[\s<]|$)", re.M)


def test_no_template_writes_a_colon_after_a_printed_text():
    found = [
        f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for text in [path.read_text(encoding="utf-8")]
        for match in COLON_AFTER_TEXT.finditer(text)
    ]
    assert found == []


def test_french_labels_have_a_no_break_space_before_the_colon(setting: Setting):  # noqa: F811
    setting.as_staff()
    quote_id = setting.new_draft()
    page = setting.client.get(
        f"/backoffice/quotes/{quote_id}", headers={"Accept-Language": "fr"}
    ).text
    assert "Compte\u00a0:" in page
    assert "Langue\u00a0:" in page
    assert "Votre compte\u00a0:" in page
    assert not re.search(r"\w:\s", re.sub(r"<[^>]*>", " ", page.split("<main", 1)[1]))
    assert "Compte:" not in page and "Compte :" not in page


def test_italian_and_english_labels_keep_the_colon_by_the_word(setting: Setting):  # noqa: F811
    setting.as_staff()
    quote_id = setting.new_draft()
    for language, label in (("it", "Account:"), ("en", "Account:")):
        page = setting.client.get(
            f"/backoffice/quotes/{quote_id}", headers={"Accept-Language": language}
        ).text
        assert label in page
