"""Sales quote pricing: negotiated units, discounts, term, first invoice and renewals."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.catalog import BillingPeriod, Plan, load_price_list
from portal.domain.money import round_half_up
from portal.domain.periods import Period
from portal.domain.pricing import (
    ChangeKind,
    ChangeNotAllowed,
    Configuration,
    ConfigurationError,
    CurrentSubscription,
    LineKind,
    price_renewal,
    with_tax_and_credit,
)
from portal.domain.sales_quotes import (
    NO_DISCOUNT,
    Discount,
    DiscountKind,
    QuoteTerms,
    QuoteTermsError,
    price_sales_quote,
    pricing_from_data,
    pricing_to_data,
)
from portal.domain.tax import TaxKind, TaxTreatment

PRICES = load_price_list(Path(__file__).resolve().parents[2] / "portal" / "data" / "prices.toml")
ITALIAN = TaxTreatment(TaxKind.DOMESTIC, Decimal("22"), "IT", "IT")
CZECH_COMPANY = TaxTreatment(TaxKind.REVERSE_CHARGE, Decimal("0"), "CZ", "IT")
APRIL = Period(date(2025, 4, 1), date(2025, 5, 1))
APRIL_13 = date(2025, 4, 13)


def percent(value: str) -> Discount:
    """A percent discount."""
    return Discount(DiscountKind.PERCENT, percent=Decimal(value))


def amount(minor: int) -> Discount:
    """An amount discount in minor units."""
    return Discount(DiscountKind.AMOUNT, amount_minor=minor)


def terms(
    plan: Plan = Plan.STANDARD,
    period: BillingPeriod = BillingPeriod.MONTHLY,
    agents: int = 80,
    packs: int = 0,
    *,
    currency: str = "EUR",
    agent_discount: Discount = NO_DISCOUNT,
    pack_discount: Discount = NO_DISCOUNT,
    overall: Discount = NO_DISCOUNT,
    term_months: int = 24,
    start: date = APRIL_13,
) -> QuoteTerms:
    """Quote terms with defaults: 80 Standard monthly agents in EUR for 24 months."""
    return QuoteTerms(
        Configuration(plan, period, agents, packs),
        currency,
        agent_discount,
        pack_discount,
        overall,
        term_months,
        start,
    )


def standard_3_agents() -> CurrentSubscription:
    """Standard monthly, 3 agents in EUR at list price, April 2025."""
    return CurrentSubscription(
        Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 3, 0),
        APRIL,
        APRIL.start,
        "EUR",
        1500,
        1000,
    )


def test_80_agents_at_list_price_for_24_months() -> None:
    """No discount: 80 × €15.00 a month, VAT 22 %, nothing saved, 24 periods."""
    pricing = price_sales_quote(terms(), current=None, prices=PRICES, tax=ITALIAN)
    assert [(line.kind, line.quantity, line.unit_minor) for line in pricing.lines] == [
        (LineKind.AGENTS, 80, 1500)
    ]
    assert pricing.net_per_period_minor == 120_000
    assert pricing.vat_per_period_minor == 26_400
    assert pricing.total_per_period_minor == 146_400
    assert pricing.savings_per_period_minor == 0
    assert pricing.periods_in_term == 24
    assert pricing.net_over_term_minor == 2_880_000
    assert pricing.contract_ends_on == date(2027, 4, 13)
    first = pricing.first_invoice
    assert first.kind is ChangeKind.SALES_QUOTE
    assert first.period == Period(APRIL_13, date(2025, 5, 13))
    assert first.total_minor == 146_400


def test_line_discounts_percent_on_agents_amount_on_packs() -> None:
    """20 % off each agent; €2.00 off each pack: units 12.00 and 18.00 (Pro pack 20.00)."""
    pricing = price_sales_quote(
        terms(
            Plan.PRO, agents=80, packs=4, agent_discount=percent("20"), pack_discount=amount(200)
        ),
        current=None,
        prices=PRICES,
        tax=ITALIAN,
    )
    agents, packs = pricing.lines
    assert (agents.list_unit_minor, agents.unit_minor) == (2400, 1920)
    assert (packs.list_unit_minor, packs.unit_minor) == (2000, 1800)
    assert pricing.list_per_period_minor == 80 * 2400 + 4 * 2000
    assert pricing.net_per_period_minor == 80 * 1920 + 4 * 1800
    assert pricing.savings_per_period_minor == 80 * 480 + 4 * 200
    assert pricing.savings_over_term_minor == pricing.savings_per_period_minor * 24


def test_overall_percent_compounds_after_the_line_discount() -> None:
    """20 % on the line, then 10 % on the quote: 15.00 → 12.00 → 10.80 per agent."""
    pricing = price_sales_quote(
        terms(agent_discount=percent("20"), overall=percent("10")),
        current=None,
        prices=PRICES,
        tax=ITALIAN,
    )
    assert pricing.agent_unit_minor == 1080
    assert pricing.net_per_period_minor == 80 * 1080


def test_overall_amount_is_spread_over_the_units() -> None:
    """€200.00 off the €1,200.00 period of 80 agents: €12.50 each, exactly €1,000.00."""
    pricing = price_sales_quote(
        terms(overall=amount(20_000)), current=None, prices=PRICES, tax=ITALIAN
    )
    assert pricing.agent_unit_minor == 1250
    assert pricing.net_per_period_minor == 100_000
    assert pricing.savings_per_period_minor == 20_000


def test_overall_amount_that_does_not_divide_rounds_each_unit_half_up() -> None:
    """€10.00 off 7 agents and 3 packs is spread and rounded per unit; figures follow units."""
    pricing = price_sales_quote(
        terms(agents=7, packs=3, overall=amount(1000)), current=None, prices=PRICES, tax=ITALIAN
    )
    subtotal = 7 * 1500 + 3 * 1000
    assert pricing.agent_unit_minor == round_half_up(Decimal(1500) * (subtotal - 1000) / subtotal)
    assert (
        pricing.net_per_period_minor == 7 * pricing.agent_unit_minor + 3 * pricing.pack_unit_minor
    )


def test_discount_larger_than_the_price_gives_zero_not_negative() -> None:
    """An amount above the unit price makes it free, never a credit."""
    pricing = price_sales_quote(
        terms(agent_discount=amount(99_999)), current=None, prices=PRICES, tax=ITALIAN
    )
    assert pricing.agent_unit_minor == 0
    assert pricing.net_per_period_minor == 0
    assert pricing.first_invoice.amount_due_minor == 0


def test_czk_with_reverse_charge() -> None:
    """A Czech company with a VAT ID: 80 Pro annual agents at CZK 6 000, VAT 0, reverse charge."""
    pricing = price_sales_quote(
        terms(Plan.PRO, BillingPeriod.ANNUAL, currency="CZK", agent_discount=percent("15")),
        current=None,
        prices=PRICES,
        tax=CZECH_COMPANY,
    )
    assert pricing.agent_unit_minor == 510_000
    assert pricing.net_per_period_minor == 80 * 510_000
    assert pricing.vat_per_period_minor == 0
    assert pricing.periods_in_term == 2
    first = pricing.first_invoice
    assert first.currency == "CZK"
    assert first.tax.kind is TaxKind.REVERSE_CHARGE
    assert first.vat_minor == 0
    assert first.total_minor == 80 * 510_000


def test_first_invoice_credits_the_unused_part_of_the_current_period() -> None:
    """Billing starts on 13 April: 3 × €15.00 × 18/30 days come off, as for a plan change."""
    pricing = price_sales_quote(
        terms(agent_discount=percent("10")),
        current=standard_3_agents(),
        prices=PRICES,
        tax=ITALIAN,
    )
    first = pricing.first_invoice
    assert [(line.kind, line.amount_minor) for line in first.lines] == [
        (LineKind.AGENTS, 80 * 1350),
        (LineKind.UNUSED_AGENTS, -2700),
    ]
    assert first.net_minor == 108_000 - 2700
    assert first.vat_minor == 23_166  # 22 % of 1 053.00, rounded half up
    assert first.total_minor == 105_300 + 23_166
    # What each later period charges is not reduced by the credit.
    assert pricing.net_per_period_minor == 108_000


def test_first_invoice_uses_account_credit() -> None:
    """Account credit pays part of the first invoice, like any payment."""
    pricing = price_sales_quote(
        terms(agents=60), current=None, prices=PRICES, tax=ITALIAN, credit_available_minor=10_000
    )
    assert pricing.first_invoice.credit_used_minor == 10_000
    assert pricing.first_invoice.amount_due_minor == pricing.first_invoice.total_minor - 10_000


@pytest.mark.parametrize("start", [date(2025, 3, 31), date(2025, 5, 1)])
def test_billing_must_start_within_the_current_period(start: date) -> None:
    """Before it the old package is paid twice; after it, it renews first: both refused."""
    with pytest.raises(QuoteTermsError) as caught:
        price_sales_quote(
            terms(start=start), current=standard_3_agents(), prices=PRICES, tax=ITALIAN
        )
    assert caught.value.code == "outside_current_period"


def test_billing_start_on_the_period_start_credits_the_whole_period() -> None:
    """Starting on day one of the period credits all of it."""
    pricing = price_sales_quote(
        terms(start=APRIL.start), current=standard_3_agents(), prices=PRICES, tax=ITALIAN
    )
    assert pricing.first_invoice.lines[-1].amount_minor == -4500


def test_quote_in_another_currency_than_the_subscription_is_refused() -> None:
    """The account pays in EUR: a CZK quote cannot replace its package."""
    with pytest.raises(ChangeNotAllowed):
        price_sales_quote(
            terms(currency="CZK"), current=standard_3_agents(), prices=PRICES, tax=ITALIAN
        )


def _negotiated_subscription(period: Period) -> CurrentSubscription:
    """80 Standard monthly agents at a negotiated €12.00, anchored on 13 April 2025."""
    return CurrentSubscription(
        Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 80, 0),
        period,
        APRIL_13,
        "EUR",
        1200,
        1000,
    )


def test_renewals_keep_the_negotiated_price_during_the_term() -> None:
    """Within a 24-month contract every renewal charges €12.00 per agent, 80 agents."""
    ends = date(2027, 4, 13)
    breakdown = price_renewal(
        current=_negotiated_subscription(Period(date(2027, 2, 13), date(2027, 3, 13))),
        prices=PRICES,
        tax=ITALIAN,
        contract_ends_on=ends,
    )
    assert breakdown.period == Period(date(2027, 3, 13), date(2027, 4, 13))
    assert breakdown.agent_unit_minor == 1200
    assert breakdown.net_minor == 96_000
    assert breakdown.configuration.agents == 80


def test_renewal_after_the_term_is_at_the_list_price() -> None:
    """The first period from the contract's end is charged at €15.00 again."""
    breakdown = price_renewal(
        current=_negotiated_subscription(Period(date(2027, 3, 13), date(2027, 4, 13))),
        prices=PRICES,
        tax=ITALIAN,
        contract_ends_on=date(2027, 4, 13),
    )
    assert breakdown.period.start == date(2027, 4, 13)
    assert breakdown.agent_unit_minor == 1500
    assert breakdown.net_minor == 120_000


def test_renewal_without_a_contract_is_at_the_list_price() -> None:
    """No contract end: the list price, as before quotes existed."""
    breakdown = price_renewal(
        current=_negotiated_subscription(Period(date(2025, 4, 13), date(2025, 5, 13))),
        prices=PRICES,
        tax=ITALIAN,
    )
    assert breakdown.agent_unit_minor == 1500


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"term_months": 0}, "term_months"),
        ({"term_months": 61}, "term_months"),
        ({"period": BillingPeriod.ANNUAL, "term_months": 18}, "term_months"),
        ({"agent_discount": percent("100.5")}, "agent_discount"),
        ({"agent_discount": percent("-1")}, "agent_discount"),
        ({"overall": percent("10.005")}, "overall_discount"),
        ({"pack_discount": amount(-1)}, "pack_discount"),
        ({"overall": Discount(DiscountKind.PERCENT, percent=Decimal("NaN"))}, "overall_discount"),
        ({"agents": 100_000}, "agents"),
    ],
)
def test_terms_staff_cannot_send(changes: dict, field: str) -> None:
    """Each bad term names its field."""
    with pytest.raises(QuoteTermsError) as caught:
        price_sales_quote(terms(**changes), current=None, prices=PRICES, tax=ITALIAN)
    assert caught.value.field == field


def test_configuration_rules_still_apply_beyond_50_agents() -> None:
    """Any number of agents, but never zero, and packs within the plan's limits."""
    with pytest.raises(ConfigurationError):
        price_sales_quote(terms(agents=0), current=None, prices=PRICES, tax=ITALIAN)
    with pytest.raises(ConfigurationError):
        price_sales_quote(terms(packs=5), current=None, prices=PRICES, tax=ITALIAN)


@given(
    agents=st.integers(1, 5000),
    packs=st.integers(0, 4),
    line_percent=st.decimals(0, 100, places=2),
    overall_minor=st.integers(0, 10_000_000),
)
def test_negotiated_price_never_exceeds_the_list_nor_goes_negative(
    agents: int, packs: int, line_percent: Decimal, overall_minor: int
) -> None:
    """Whatever the discounts, 0 ≤ negotiated ≤ list, per unit and per period."""
    pricing = price_sales_quote(
        terms(
            agents=agents,
            packs=packs,
            agent_discount=percent(str(line_percent)),
            overall=amount(overall_minor),
        ),
        current=None,
        prices=PRICES,
        tax=ITALIAN,
    )
    for line in pricing.lines:
        assert 0 <= line.unit_minor <= line.list_unit_minor
    assert 0 <= pricing.net_per_period_minor <= pricing.list_per_period_minor
    assert pricing.first_invoice.net_minor == pricing.net_per_period_minor


def test_frozen_figures_round_trip_through_json() -> None:
    """What a sent quote stores comes back as the same pricing, first invoice included."""
    pricing = price_sales_quote(
        terms(Plan.PRO, agents=80, packs=2, agent_discount=percent("12.5"), overall=amount(5000)),
        current=standard_3_agents(),
        prices=PRICES,
        tax=ITALIAN,
    )
    data = json.loads(json.dumps(pricing_to_data(pricing)))
    assert pricing_from_data(data) == pricing


def test_taxes_are_priced_again_for_a_new_vat_treatment() -> None:
    """A VAT ID added before accepting: the same lines, reverse charge, no VAT."""
    first = price_sales_quote(terms(), current=None, prices=PRICES, tax=ITALIAN).first_invoice
    again = with_tax_and_credit(first, tax=CZECH_COMPANY, credit_available_minor=0)
    assert again.lines == first.lines
    assert (again.vat_minor, again.total_minor) == (0, first.net_minor)
