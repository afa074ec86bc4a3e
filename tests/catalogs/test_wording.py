"""Catalog-wide wording rules of the Italian and French translations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from portal.config import TRANSLATED_LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def messages(language: str) -> list[Message]:
    """The catalog's entries, obsolete ones included (they can come back)."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        catalog = read_po(file, locale=language)
    return [m for m in [*catalog, *catalog.obsolete.values()] if m.id]


def translations(language: str) -> Iterator[tuple[str, str]]:
    """(source, translated text) for every form of every entry."""
    for message in messages(language):
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, text in enumerate(texts):
            yield sources[min(index, len(sources) - 1)], text


def test_french_uses_only_straight_apostrophes():
    curly = [text for _, text in translations("fr") if "\u2019" in text or "\u2018" in text]
    assert curly == []
    assert any("'" in text for _, text in translations("fr"))


def test_french_puts_a_no_break_space_before_high_punctuation():
    # One rule: "\u00a0:" and a narrow "\u202f" before ; ! ? — never a breakable space or none.
    wrong = [
        text
        for _, text in translations("fr")
        if re.search(r"( |(?<=\w)):(\s|$)|( |(?<=\w))[;!?](\s|$)", text)
    ]
    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_free_package_is_translated(language):
    english = [text for _, text in translations(language) if re.search(r"\bFree\b", text)]
    assert english == []


@pytest.mark.parametrize(
    ("language", "paid", "paid_ones"), [("it", "Pagata", "Pagate"), ("fr", "Payée", "Payées")]
)
def test_an_invoices_status_agrees_with_invoice(language, paid, paid_ones):
    by_key = {(m.context, m.id): m.string for m in messages(language)}
    assert by_key["invoice status", "Paid"] == paid
    assert by_key["invoice", "Paid with %(method)s"].startswith(paid)
    assert by_key[None, "Paid in full."].startswith(paid)
    assert by_key["invoices filter", "Paid"] == paid_ones


@pytest.mark.parametrize("language", ["it", "fr"])
def test_quote_request_has_a_plural(language):
    [entry] = [m for m in messages(language) if "Quote requested for" in str(m.id)]
    assert entry.pluralizable
    assert "1 agent" in entry.string[0] % {"num": 1}


def test_sandbox_challenge_reads_naturally_in_italian():
    texts = [text for _, text in translations("it")]
    assert not any("fallire" in text for text in texts)
