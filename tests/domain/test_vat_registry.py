"""What the EU VAT registry's answers mean for reverse charge: pure, without an app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.config import PACKAGE_DATA
from portal.domain.breakdown_codec import breakdown_from_data, breakdown_to_data
from portal.domain.catalog import BillingPeriod, Plan, load_price_list
from portal.domain.pricing import Configuration, price_change
from portal.domain.tax import TaxKind, determine_tax, load_vat_rates, needs_registry
from portal.domain.vat_registry import (
    OUTAGES,
    RECHECK_AFTER,
    RegistryAnswer,
    RegistryVerdict,
    recheck_due,
    standing_of,
    verdict_for_fault,
    verdict_for_rest,
)

V, N, U = RegistryVerdict.VALID, RegistryVerdict.INVALID, RegistryVerdict.UNKNOWN
START = datetime(2026, 11, 13, 10, tzinfo=UTC)
RATES = load_vat_rates(PACKAGE_DATA / "vat_rates.toml")


def _answer(verdict, hours=0, vat_id="DE136695976"):
    return RegistryAnswer(vat_id, verdict, START + timedelta(hours=hours))


@pytest.mark.parametrize("fault", [*sorted(OUTAGES), "SOMETHING_NEW", ""])
def test_outages_and_unknown_faults_are_unknown(fault):
    assert verdict_for_fault(fault) is U


def test_invalid_input_is_the_customers_error():
    assert verdict_for_fault("INVALID_INPUT") is N
    assert verdict_for_fault(" invalid_input ") is N


@pytest.mark.parametrize(
    ("valid", "user_error", "expected"),
    [
        (True, None, (V, "")),
        (True, "VALID", (V, "")),
        (False, "INVALID", (N, "INVALID")),
        (False, None, (N, "INVALID")),
        # An outage over REST: "not valid", with the reason elsewhere. Not an answer.
        (False, "MS_UNAVAILABLE", (U, "MS_UNAVAILABLE")),
        (False, "TIMEOUT", (U, "TIMEOUT")),
        (False, "MS_MAX_CONCURRENT_REQ", (U, "MS_MAX_CONCURRENT_REQ")),
        (False, "INVALID_INPUT", (N, "INVALID_INPUT")),
    ],
)
def test_rest_answers_tell_an_outage_from_not_valid(valid, user_error, expected):
    assert verdict_for_rest(valid=valid, user_error=user_error) == expected


def test_never_checked_has_no_standing():
    assert standing_of([], "DE136695976") is None
    assert standing_of([_answer(V, vat_id="FR40303265045")], "DE136695976") is None


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([U], U),
        ([U, U], U),
        ([U, V], V),
        ([V, U], V),  # an outage does not take a confirmation back
        ([V, N], N),
        ([N, U], N),
        ([N, V, U, U], V),
    ],
)
def test_standing_is_the_latest_definite_answer(history, expected):
    answers = [_answer(verdict, hours) for hours, verdict in enumerate(history)]
    assert standing_of(reversed(answers), "DE136695976").verdict is expected


@given(st.lists(st.sampled_from([V, N, U]), min_size=1, max_size=12))
def test_an_unknown_answer_never_changes_a_standing(history):
    answers = [_answer(verdict, hours) for hours, verdict in enumerate(history)]
    before = standing_of(answers, "DE136695976")
    after = standing_of([*answers, _answer(U, len(history))], "DE136695976")
    if before.verdict is U:
        assert after.verdict is U
    else:
        assert after.verdict is before.verdict and after.latest == before.latest


def test_recheck_is_due_for_unknown_and_for_old_answers():
    assert recheck_due(None, START)
    assert recheck_due(standing_of([_answer(U)], "DE136695976"), START)
    fresh = standing_of([_answer(V)], "DE136695976")
    assert not recheck_due(fresh, START + RECHECK_AFTER - timedelta(seconds=1))
    assert recheck_due(fresh, START + RECHECK_AFTER)
    assert recheck_due(fresh, START + timedelta(days=2), after=timedelta(days=1))


def _tax(registry, country="DE", vat_id="DE136695976"):
    return determine_tax(
        seller_country="IT",
        customer_country=country,
        customer_vat_id=vat_id,
        rates=RATES,
        registry=registry,
    )


def test_only_a_valid_answer_gives_reverse_charge():
    assert _tax(None).kind is TaxKind.REVERSE_CHARGE  # the online check off: as before
    assert _tax(V).kind is TaxKind.REVERSE_CHARGE
    for verdict in (U, N):
        tax = _tax(verdict)
        assert (tax.kind, tax.rate, tax.registry) == (TaxKind.EU_CONSUMER, Decimal("19"), verdict)


def test_the_registry_never_changes_domestic_or_foreign_customers():
    assert _tax(U, "IT", "IT00743110157").kind is TaxKind.DOMESTIC
    assert _tax(U, "US", "123456789").kind is TaxKind.OUT_OF_SCOPE
    assert not needs_registry(seller_country="IT", customer_country="IT", rates=RATES)
    assert not needs_registry(seller_country="IT", customer_country="US", rates=RATES)
    assert needs_registry(seller_country="IT", customer_country="GR", rates=RATES)


@pytest.mark.parametrize("registry", [None, U, V])
def test_a_stored_breakdown_keeps_the_registrys_word(registry):
    breakdown = price_change(
        current=None,
        target=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 2, 0),
        today=date(2026, 11, 13),
        currency="EUR",
        prices=load_price_list(PACKAGE_DATA / "prices.toml"),
        tax=_tax(registry),
    )
    data = breakdown_to_data(breakdown)
    assert ("registry" in data["tax"]) is (registry is not None)
    assert breakdown_from_data(data) == breakdown
