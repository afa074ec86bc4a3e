"""Names written in Latin-1 for FatturaPA: Italian, French and German kept, Polish and Czech
readable, nothing outside Latin-1 left."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.latin1 import is_latin1, latin1_text


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Zakład Usług Łódź Sp. z o.o.", "Zaklad Uslug Lódz Sp. z o.o."),
        ("Šťastný & Dvořák s.r.o.", "Stastný & Dvorák s.r.o."),
        ("Caffè Dante S.r.l.", "Caffè Dante S.r.l."),
        ("Société Générale d\u2019Équipement", "Société Générale d'Équipement"),
        ("Müller Straße GmbH", "Müller Straße GmbH"),
        ("Ørsted A/S", "Ørsted A/S"),
        ("Œuvres \u2013 \u201cCôté\u201d \u2026", 'OEuvres - "Côté" ...'),
        ("Prezzo 10 €\tnetto\nriga", "Prezzo 10 EUR netto riga"),
        ("Acme 株式会社", "Acme ????"),
        ("Zakład", "Zaklad"),
    ],
)
def test_names_as_fatturapa_takes_them(name, written):
    assert latin1_text(name) == written


def test_decomposed_input_is_composed_first():
    assert latin1_text("Cafe\u0300") == "Cafè"


@given(st.text())
def test_the_result_is_always_printable_latin1(text):
    assert all(is_latin1(character) for character in latin1_text(text))


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_plain_ascii_is_kept_apart_from_spacing(text):
    assert latin1_text(text) == " ".join(text.split())
