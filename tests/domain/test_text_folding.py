"""Names folded for search: no case, no accents, no strokes, ß as ss."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.text_folding import fold_for_search


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Łódź", "lodz"),
        ("ŁÓDŹ", "lodz"),
        ("Zakład Usług Łódź Sp. z o.o.", "zaklad uslug lodz sp. z o.o."),
        ("Šťastný", "stastny"),
        ("Dvořák & Šťastný s.r.o.", "dvorak & stastny s.r.o."),
        ("Société Générale Œuvres", "societe generale oeuvres"),
        ("Crème Brûlée SARL", "creme brulee sarl"),
        ("Caffè Ristorante Nicolò", "caffe ristorante nicolo"),
        ("Straße", "strasse"),
        ("Ærøskøbing", "aeroskobing"),
        ("Đorđević", "dordevic"),
        ("Þórður", "thordur"),
        ("ﬁne", "fine"),
        ("plain ascii 100%", "plain ascii 100%"),
    ],
)
def test_folds_to_what_a_plain_keyboard_types(text: str, folded: str) -> None:
    assert fold_for_search(text) == folded


@given(st.text())
def test_folding_twice_changes_nothing(text: str) -> None:
    once = fold_for_search(text)
    assert fold_for_search(once) == once


@given(st.text())
def test_case_does_not_matter(text: str) -> None:
    assert fold_for_search(text.upper()) == fold_for_search(fold_for_search(text).upper())
