"""Letters of intent, pure: the receipt's protocol, the states table, the VAT decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.letters_of_intent import (
    TRANSITIONS,
    InvalidProtocol,
    LetterCover,
    LetterEvent,
    LetterState,
    LetterTransitionError,
    letter_tax,
    normalize_protocol,
    protocol_day,
    remaining_minor,
    transition,
)
from portal.domain.tax import LetterCitation, TaxKind, TaxTreatment

ITALY = TaxTreatment(TaxKind.DOMESTIC, Decimal(22), "IT", "IT")
TODAY = date(2026, 11, 13)
CITATION = LetterCitation(7, "26011512345678901-000001", date(2026, 1, 15))


def cover(remaining: int, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31)) -> LetterCover:
    return LetterCover(CITATION, valid_from, valid_to, remaining)


def test_the_receipts_protocol_is_17_digits_a_dash_and_6_digits():
    assert normalize_protocol(" 21012345678901234-000001 ") == "21012345678901234-000001"
    assert normalize_protocol("21012345678901234 - 000001") == "21012345678901234-000001"
    assert protocol_day("21012345678901234-000001") == date(2021, 1, 23)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2101234567890123-000001",  # 16 digits
        "210123456789012345-000001",  # 18 digits
        "21012345678901234-00001",  # 5-digit progressive
        "21012345678901234000001",  # no dash
        "21012345678901234/000001",
        "2101234567890123A-000001",
        "21133112345678901-000001",  # no 31st of a 13th month
        "21023012345678901-000001",  # no 30 February
        "21012345678901234-000001\x00",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(InvalidProtocol):
        normalize_protocol(text)


def test_every_pair_of_state_and_event_is_allowed_or_refused_as_the_table_says():
    for state in LetterState:
        for event in LetterEvent:
            if (state, event) in TRANSITIONS:
                assert transition(state, event) is TRANSITIONS[(state, event)]
            else:
                with pytest.raises(LetterTransitionError):
                    transition(state, event)
    # Decided letters stay decided: only a submitted one is approved or rejected.
    assert {state for state, event in TRANSITIONS if event is LetterEvent.APPROVE} == {
        LetterState.SUBMITTED
    }


def test_a_net_within_what_is_left_is_vat_free_citing_the_letter():
    tax = letter_tax(ITALY, cover(10000), net_minor=10000, currency="EUR", today=TODAY)
    assert tax.kind is TaxKind.LETTER_OF_INTENT
    assert tax.rate == 0
    assert tax.letter == CITATION
    assert not tax.ceiling_exhausted


def test_a_net_one_cent_above_what_is_left_pays_vat_and_says_the_ceiling_is_exhausted():
    tax = letter_tax(ITALY, cover(9999), net_minor=10000, currency="EUR", today=TODAY)
    assert (tax.kind, tax.rate, tax.letter, tax.ceiling_exhausted) == (
        TaxKind.DOMESTIC,
        Decimal(22),
        None,
        True,
    )


@pytest.mark.parametrize(
    ("base", "letter", "net", "currency", "today"),
    [
        (ITALY, None, 100, "EUR", TODAY),  # no approved letter
        (ITALY, cover(100, valid_to=date(2026, 11, 12)), 100, "EUR", TODAY),  # expired
        (ITALY, cover(100, valid_from=date(2026, 11, 14)), 100, "EUR", TODAY),  # not yet
        (ITALY, cover(100), 100, "CZK", TODAY),  # a ceiling in euro covers euro only
        (ITALY, cover(100), -100, "EUR", TODAY),  # a credit note keeps its invoice's
        (
            TaxTreatment(TaxKind.REVERSE_CHARGE, Decimal(0), "DE", "IT"),
            cover(100),
            100,
            "EUR",
            TODAY,
        ),
        (TaxTreatment(TaxKind.OUT_OF_SCOPE, Decimal(0), "US", "IT"), cover(100), 100, "EUR", TODAY),
    ],
    ids=[
        "no-letter",
        "expired",
        "not-yet-valid",
        "other-currency",
        "credit-note",
        "eu-b2b",
        "non-eu",
    ],
)
def test_otherwise_the_treatment_is_unchanged(base, letter, net, currency, today):
    assert letter_tax(base, letter, net_minor=net, currency=currency, today=today) == base


@given(
    remaining=st.integers(min_value=0, max_value=10**9),
    net=st.integers(min_value=1, max_value=10**9),
)
def test_vat_free_exactly_when_the_net_fits(remaining, net):
    tax = letter_tax(ITALY, cover(remaining), net_minor=net, currency="EUR", today=TODAY)
    assert (tax.kind is TaxKind.LETTER_OF_INTENT) == (net <= remaining)
    assert tax.ceiling_exhausted == (net > remaining)


def test_what_is_left_never_goes_below_zero():
    assert remaining_minor(10000, 2500) == 7500
    assert remaining_minor(10000, 12000) == 0
