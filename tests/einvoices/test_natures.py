"""The exemption rows: specific codes the exchange system takes, references that fit the field,
stamp duty only above €77.47 and only where the row says so."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.domain.tax import TaxKind
from portal.einvoices.natures import EXEMPTIONS, exemption_for, stamp_duty_due
from portal.einvoices.produce import progressive_text
from portal.einvoices.sdi_rules import GENERIC_NATURE


def test_every_row_has_a_specific_code_and_a_reference_that_fits():
    for kind, row in EXEMPTIONS.items():
        assert row.nature not in GENERIC_NATURE, kind
        assert row.nature.startswith("N")
        assert 0 < len(row.law) <= 100, kind


def test_every_tax_kind_without_italian_vat_has_a_row():
    assert exemption_for(TaxKind.DOMESTIC) is None
    for kind in (TaxKind.REVERSE_CHARGE, TaxKind.OUT_OF_SCOPE, TaxKind.EU_CONSUMER):
        assert exemption_for(kind) is not None


@pytest.mark.parametrize(
    ("kind", "amount", "due"),
    [
        ("reverse_charge", "77.47", False),
        ("reverse_charge", "77.48", True),
        ("out_of_scope", "1000.00", True),
        ("letter_of_intent", "100.00", True),
        ("eu_consumer", "1000.00", False),  # the customer's country's VAT was charged
        ("domestic", "1000.00", False),
    ],
)
def test_stamp_duty(kind, amount, due):
    assert stamp_duty_due(exemption_for(kind), Decimal(amount)) is due


@pytest.mark.parametrize(
    ("number", "text"), [(1, "00001"), (35, "0000Z"), (36, "00010"), (36**5 - 1, "ZZZZZ")]
)
def test_progressives_are_five_characters(number, text):
    assert progressive_text(number) == text


@pytest.mark.parametrize("number", [0, -1, 36**5])
def test_no_progressive_outside_the_range(number):
    with pytest.raises(ValueError):
        progressive_text(number)
