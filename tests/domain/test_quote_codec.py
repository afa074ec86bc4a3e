"""A stored breakdown comes back identical, and any changed figure changes the fingerprint."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

from portal.domain.breakdown_codec import (
    breakdown_fingerprint,
    breakdown_from_data,
    breakdown_to_data,
)
from portal.domain.catalog import BillingPeriod, Plan, load_price_list
from portal.domain.periods import Period
from portal.domain.pricing import Configuration, CurrentSubscription, price_change
from portal.domain.tax import TaxKind, TaxTreatment

PRICES = load_price_list(Path(__file__).parents[2] / "portal" / "data" / "prices.toml")
ITALY = TaxTreatment(TaxKind.DOMESTIC, Decimal("22"), "IT", "IT")


def _increase():
    """The SPEC example: 3 -> 5 agents with 18 of 30 days left."""
    current = CurrentSubscription(
        Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 3, 1),
        Period(date(2026, 11, 1), date(2026, 12, 1)),
        date(2026, 11, 1),
        "EUR",
        1500,
        1000,
    )
    return price_change(
        current=current,
        target=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 5, 1),
        today=date(2026, 11, 13),
        currency="EUR",
        prices=PRICES,
        tax=ITALY,
        credit_available_minor=500,
    )


def test_round_trip_is_identical():
    breakdown = _increase()
    assert breakdown_from_data(breakdown_to_data(breakdown)) == breakdown


def test_fingerprint_is_stable_and_sensitive():
    breakdown = _increase()
    assert breakdown_fingerprint(breakdown) == breakdown_fingerprint(_increase())
    assert breakdown_fingerprint(
        dataclasses.replace(breakdown, total_minor=breakdown.total_minor + 1)
    ) != (breakdown_fingerprint(breakdown))
    assert breakdown_fingerprint(dataclasses.replace(breakdown, credit_available_minor=0)) != (
        breakdown_fingerprint(breakdown)
    )
