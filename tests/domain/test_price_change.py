"""Worked examples of price_change and price_renewal for every rule of the SPEC."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from portal.domain.catalog import BillingPeriod, Plan, load_price_list
from portal.domain.periods import Period
from portal.domain.pricing import (
    ChangeKind,
    ChangeNotAllowed,
    Configuration,
    ConfigurationError,
    CurrentSubscription,
    LineKind,
    PriceBreakdown,
    compute_vat,
    price_change,
    price_renewal,
    validate_configuration,
)
from portal.domain.tax import TaxKind, TaxTreatment

PRICES = load_price_list(Path(__file__).resolve().parents[2] / "portal" / "data" / "prices.toml")
ITALIAN = TaxTreatment(TaxKind.DOMESTIC, Decimal("22"), "IT", "IT")
CZECH_COMPANY = TaxTreatment(TaxKind.REVERSE_CHARGE, Decimal("0"), "CZ", "IT")
US_COMPANY = TaxTreatment(TaxKind.OUT_OF_SCOPE, Decimal("0"), "US", "IT")

STANDARD = Plan.STANDARD
PRO = Plan.PRO
MONTHLY = BillingPeriod.MONTHLY
ANNUAL = BillingPeriod.ANNUAL

# April 2025 has 30 days; on April 13, 18 of them are left (the change day counts).
APRIL = Period(date(2025, 4, 1), date(2025, 5, 1))
APRIL_13 = date(2025, 4, 13)


def config(plan: Plan, period: BillingPeriod, agents: int, packs: int = 0) -> Configuration:
    """A configuration, positionally."""
    return Configuration(plan, period, agents, packs)


def subscription(
    configuration: Configuration,
    period: Period = APRIL,
    currency: str = "EUR",
    agent_unit: int | None = None,
    pack_unit: int | None = None,
    anchor: date | None = None,
) -> CurrentSubscription:
    """A running subscription, at list prices unless units are given."""
    return CurrentSubscription(
        configuration=configuration,
        period=period,
        anchor=anchor or period.start,
        currency=currency,
        agent_unit_minor=agent_unit
        if agent_unit is not None
        else PRICES.agent_price(configuration.plan, configuration.period, currency),
        pack_unit_minor=pack_unit
        if pack_unit is not None
        else PRICES.pack_price(configuration.plan, configuration.period, currency),
    )


def change(
    current: CurrentSubscription | None,
    target: Configuration,
    today: date = APRIL_13,
    currency: str = "EUR",
    tax: TaxTreatment = ITALIAN,
    credit: int = 0,
) -> PriceBreakdown:
    """price_change with the default price list."""
    return price_change(
        current=current,
        target=target,
        today=today,
        currency=currency,
        prices=PRICES,
        tax=tax,
        credit_available_minor=credit,
    )


def amounts(breakdown: PriceBreakdown) -> list[tuple[LineKind, int]]:
    """Kind and amount of each line, in order."""
    return [(line.kind, line.amount_minor) for line in breakdown.lines]


# --- the SPEC's worked example ------------------------------------------------------------


def test_spec_example_three_to_five_agents() -> None:
    """Standard monthly EUR, 3 -> 5 agents, 18 of 30 days left: 45.00 - 27.00, VAT 3.96."""
    breakdown = change(subscription(config(STANDARD, MONTHLY, 3)), config(STANDARD, MONTHLY, 5))
    assert breakdown.kind is ChangeKind.QUANTITY_CHANGE
    assert amounts(breakdown) == [(LineKind.AGENTS_PRORATED, 4500), (LineKind.UNUSED_AGENTS, -2700)]
    first, second = breakdown.lines
    assert (first.quantity, first.unit_minor, first.days, first.of_days) == (5, 1500, 18, 30)
    assert (second.quantity, second.unit_minor, second.days, second.of_days) == (3, 1500, 18, 30)
    assert (first.start, first.end) == (APRIL_13, date(2025, 5, 1))
    assert breakdown.net_minor == 1800
    assert breakdown.discount_minor == -2700
    assert [(line.rate, line.base_minor, line.vat_minor) for line in breakdown.vat_lines] == [
        (Decimal("22"), 1800, 396)
    ]
    assert breakdown.vat_minor == 396
    assert breakdown.total_minor == 2196
    assert breakdown.amount_due_minor == 2196
    assert (breakdown.credit_used_minor, breakdown.credit_added_minor) == (0, 0)
    assert not breakdown.is_credit_note
    assert breakdown.period == APRIL
    assert breakdown.anchor == APRIL.start
    assert breakdown.configuration == config(STANDARD, MONTHLY, 5)
    assert breakdown.as_of == APRIL_13


def test_spec_example_five_to_three_agents_is_a_credit_note() -> None:
    """5 -> 3 the same day: nothing to pay, a credit note of -21.96 becomes account credit."""
    breakdown = change(subscription(config(STANDARD, MONTHLY, 5)), config(STANDARD, MONTHLY, 3))
    assert amounts(breakdown) == [(LineKind.REMOVED_AGENTS, -1800)]
    assert breakdown.lines[0].quantity == 2
    assert breakdown.net_minor == -1800
    assert breakdown.vat_minor == -396
    assert breakdown.total_minor == -2196
    assert breakdown.is_credit_note
    assert breakdown.amount_due_minor == 0
    assert breakdown.credit_used_minor == 0
    assert breakdown.credit_added_minor == 2196
    assert breakdown.credit_remaining_minor == 2196


# --- first purchase in every currency --------------------------------------------------------

LIST_PRICES = {
    (STANDARD, MONTHLY): {"EUR": 1500, "USD": 1600, "CZK": 37500, "PLN": 6500},
    (STANDARD, ANNUAL): {"EUR": 15000, "USD": 16000, "CZK": 375000, "PLN": 65000},
    (PRO, MONTHLY): {"EUR": 2400, "USD": 2600, "CZK": 60000, "PLN": 10400},
    (PRO, ANNUAL): {"EUR": 24000, "USD": 26000, "CZK": 600000, "PLN": 104000},
}


@pytest.mark.parametrize(("plan", "period"), list(LIST_PRICES))
@pytest.mark.parametrize("currency", ["EUR", "USD", "CZK", "PLN"])
def test_first_purchase_matches_the_price_table(
    plan: Plan, period: BillingPeriod, currency: str
) -> None:
    """A first purchase of 2 agents costs twice the table price, for a full period."""
    breakdown = change(None, config(plan, period, 2), today=date(2025, 1, 31), currency=currency)
    unit = LIST_PRICES[plan, period][currency]
    assert breakdown.kind is ChangeKind.FIRST_PURCHASE
    assert amounts(breakdown) == [(LineKind.AGENTS, 2 * unit)]
    line = breakdown.lines[0]
    assert (line.quantity, line.unit_minor, line.days, line.of_days) == (2, unit, None, None)
    assert breakdown.anchor == date(2025, 1, 31)
    months_later = date(2025, 2, 28) if period is MONTHLY else date(2026, 1, 31)
    assert breakdown.period == Period(date(2025, 1, 31), months_later)
    assert (line.start, line.end) == (breakdown.period.start, breakdown.period.end)
    assert breakdown.agent_unit_minor == unit
    assert breakdown.currency == currency


@pytest.mark.parametrize("agents", [1, 7, 50])
def test_czk_annual_pro_is_6000_per_agent(agents: int) -> None:
    """Pro annual in CZK: 6 000.00 x n, plus 21 % Czech VAT for a domestic Czech sale."""
    czech = TaxTreatment(TaxKind.DOMESTIC, Decimal("21"), "CZ", "CZ")
    breakdown = change(None, config(PRO, ANNUAL, agents), currency="CZK", tax=czech)
    assert breakdown.net_minor == agents * 600000
    assert breakdown.vat_minor == agents * 126000
    assert breakdown.total_minor == agents * 726000


def test_first_purchase_with_packs() -> None:
    """Packs are a second line; annual packs cost ten months."""
    breakdown = change(None, config(PRO, ANNUAL, 3, 19), currency="PLN", tax=US_COMPANY)
    # 3 x 1 040.00 and 19 packs x 86.00 x 10 months
    assert amounts(breakdown) == [(LineKind.AGENTS, 312000), (LineKind.PACKS, 1634000)]
    assert breakdown.pack_unit_minor == 86000
    assert breakdown.vat_minor == 0
    assert breakdown.total_minor == 1946000


def test_first_purchase_on_a_leap_day_and_the_31st() -> None:
    """A purchase on Jan 31 2024 runs to Feb 29; an annual one on Feb 29 to Feb 28."""
    monthly = change(None, config(STANDARD, MONTHLY, 1), today=date(2024, 1, 31))
    assert monthly.period == Period(date(2024, 1, 31), date(2024, 2, 29))
    annual = change(None, config(STANDARD, ANNUAL, 1), today=date(2024, 2, 29))
    assert annual.period == Period(date(2024, 2, 29), date(2025, 2, 28))


# --- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "packs"), [(STANDARD, n) for n in range(5)] + [(PRO, n) for n in range(20)]
)
def test_packs_within_the_plan_limit_are_accepted(plan: Plan, packs: int) -> None:
    """Standard takes 0..4 packs (100 -> 500), Pro 0..19 (500 -> 10 000)."""
    validate_configuration(config(plan, MONTHLY, 1, packs), PRICES)
    breakdown = change(None, config(plan, MONTHLY, 1, packs))
    assert len(breakdown.lines) == (2 if packs else 1)


@pytest.mark.parametrize(
    ("configuration", "field", "code"),
    [
        (config(STANDARD, MONTHLY, 1, 5), "packs", "too_many"),
        (config(PRO, MONTHLY, 1, 20), "packs", "too_many"),
        (config(PRO, ANNUAL, 1, 10000), "packs", "too_many"),
        (config(STANDARD, MONTHLY, 1, -1), "packs", "too_few"),
        (config(STANDARD, MONTHLY, 0), "agents", "too_few"),
        (config(STANDARD, MONTHLY, -3), "agents", "too_few"),
        (config(STANDARD, MONTHLY, 51), "agents", "quote_required"),
        (config(PRO, ANNUAL, 10000), "agents", "quote_required"),
        (config(STANDARD, MONTHLY, True), "agents", "invalid"),  # type: ignore[arg-type]
        (config("enterprise", MONTHLY, 1), "plan", "unknown"),  # type: ignore[arg-type]
        (config(STANDARD, "weekly", 1), "period", "unknown"),  # type: ignore[arg-type]
    ],
)
def test_configurations_outside_the_limits_are_refused(
    configuration: Configuration, field: str, code: str
) -> None:
    """Limits are refused with the field and a code the form can translate."""
    with pytest.raises(ConfigurationError) as caught:
        change(None, configuration)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("agents", [1, 50])
def test_agent_limits_are_inclusive(agents: int) -> None:
    """1 and 50 agents are self-serve."""
    validate_configuration(config(PRO, MONTHLY, agents), PRICES)


def test_quote_required_carries_the_limit() -> None:
    """The form can say 'more than 50 agents' from the error."""
    with pytest.raises(ConfigurationError) as caught:
        validate_configuration(config(STANDARD, MONTHLY, 51), PRICES)
    assert caught.value.limit == 50


def test_unknown_currency_is_refused() -> None:
    """A currency outside the price list is a configuration error on the currency field."""
    with pytest.raises(ConfigurationError) as caught:
        change(None, config(STANDARD, MONTHLY, 1), currency="GBP")
    assert (caught.value.field, caught.value.code) == ("currency", "unknown")


# --- quantity changes ------------------------------------------------------------------------


def test_change_on_the_first_day_prorates_the_whole_period() -> None:
    """On the period's first day remaining = length: the lines are full-period amounts."""
    breakdown = change(
        subscription(config(STANDARD, MONTHLY, 3)), config(STANDARD, MONTHLY, 5), APRIL.start
    )
    assert amounts(breakdown) == [(LineKind.AGENTS_PRORATED, 7500), (LineKind.UNUSED_AGENTS, -4500)]
    assert (breakdown.lines[0].days, breakdown.lines[0].of_days) == (30, 30)


def test_change_on_the_last_day_prorates_one_day() -> None:
    """On the last day one day remains: 5 x 15.00 / 30 = 2.50 and 3 x 15.00 / 30 = 1.50."""
    breakdown = change(
        subscription(config(STANDARD, MONTHLY, 3)), config(STANDARD, MONTHLY, 5), date(2025, 4, 30)
    )
    assert amounts(breakdown) == [(LineKind.AGENTS_PRORATED, 250), (LineKind.UNUSED_AGENTS, -150)]
    assert (breakdown.lines[0].days, breakdown.lines[0].of_days) == (1, 30)


@pytest.mark.parametrize("today", [date(2025, 5, 1), date(2025, 3, 31), date(2025, 6, 15)])
def test_change_outside_the_current_period_is_refused(today: date) -> None:
    """The end day belongs to the next period: a change there needs the renewal first."""
    with pytest.raises(ChangeNotAllowed) as caught:
        change(subscription(config(STANDARD, MONTHLY, 3)), config(STANDARD, MONTHLY, 5), today)
    assert caught.value.code == "outside_period"


def test_proration_rounds_line_by_line_not_the_delta() -> None:
    """1 -> 2 agents with 1 of 31 days left: 0.97 - 0.48 = 0.49, not round(0.4839) = 0.48."""
    may = Period(date(2025, 5, 1), date(2025, 6, 1))
    breakdown = change(
        subscription(config(STANDARD, MONTHLY, 1), period=may),
        config(STANDARD, MONTHLY, 2),
        date(2025, 5, 31),
    )
    assert amounts(breakdown) == [(LineKind.AGENTS_PRORATED, 97), (LineKind.UNUSED_AGENTS, -48)]
    assert breakdown.net_minor == 49


def test_quantity_change_uses_the_locked_unit_price() -> None:
    """Credits and charges inside a period use what was paid, not today's list price."""
    current = subscription(config(STANDARD, MONTHLY, 3), agent_unit=1200)
    breakdown = change(current, config(STANDARD, MONTHLY, 5))
    assert amounts(breakdown) == [(LineKind.AGENTS_PRORATED, 3600), (LineKind.UNUSED_AGENTS, -2160)]
    assert breakdown.agent_unit_minor == 1200


def test_adding_the_first_packs_has_no_zero_discount_line() -> None:
    """0 -> 2 packs, Pro monthly EUR: one prorated line, no 'unused' line for nothing."""
    breakdown = change(subscription(config(PRO, MONTHLY, 2)), config(PRO, MONTHLY, 2, 2))
    assert amounts(breakdown) == [(LineKind.PACKS_PRORATED, 2400)]  # 2 x 20.00 x 18 / 30


def test_more_agents_and_fewer_packs_at_once() -> None:
    """Each component gets its own lines; the net can go either way."""
    current = subscription(config(STANDARD, MONTHLY, 2, 4))
    breakdown = change(current, config(STANDARD, MONTHLY, 3, 1), tax=CZECH_COMPANY)
    assert amounts(breakdown) == [
        (LineKind.AGENTS_PRORATED, 2700),
        (LineKind.UNUSED_AGENTS, -1800),
        (LineKind.REMOVED_PACKS, -1800),  # 3 packs x 10.00 x 18 / 30
    ]
    assert breakdown.net_minor == -900
    assert breakdown.vat_minor == 0
    assert breakdown.credit_added_minor == 900


def test_pack_increase_shows_new_and_old_quantities() -> None:
    """1 -> 3 packs: the new quantity and the discount for the old one."""
    breakdown = change(
        subscription(config(STANDARD, MONTHLY, 1, 1)), config(STANDARD, MONTHLY, 1, 3)
    )
    assert amounts(breakdown) == [(LineKind.PACKS_PRORATED, 1800), (LineKind.UNUSED_PACKS, -600)]


def test_no_change() -> None:
    """The same configuration: no lines, nothing due, nothing credited."""
    current = subscription(config(PRO, MONTHLY, 4, 1))
    breakdown = change(current, config(PRO, MONTHLY, 4, 1), credit=500)
    assert breakdown.kind is ChangeKind.NO_CHANGE
    assert breakdown.lines == ()
    assert breakdown.vat_lines == ()
    assert (breakdown.net_minor, breakdown.vat_minor, breakdown.total_minor) == (0, 0, 0)
    assert (
        breakdown.credit_used_minor,
        breakdown.amount_due_minor,
        breakdown.credit_added_minor,
    ) == (0, 0, 0)
    assert breakdown.credit_remaining_minor == 500
    assert breakdown.period == APRIL


def test_currency_must_stay_the_accounts() -> None:
    """An account's currency is fixed at its first purchase."""
    with pytest.raises(ChangeNotAllowed) as caught:
        change(
            subscription(config(STANDARD, MONTHLY, 3)), config(STANDARD, MONTHLY, 5), currency="USD"
        )
    assert caught.value.code == "currency_mismatch"


# --- plan and period changes -----------------------------------------------------------------


def test_standard_to_pro_starts_a_new_period_with_a_discount() -> None:
    """Standard -> Pro on April 13: a new month from today, minus the unused Standard days."""
    current = subscription(config(STANDARD, MONTHLY, 3, 2))
    breakdown = change(current, config(PRO, MONTHLY, 5, 1))
    assert breakdown.kind is ChangeKind.PLAN_CHANGE
    assert amounts(breakdown) == [
        (LineKind.AGENTS, 12000),  # 5 x 24.00
        (LineKind.PACKS, 2000),  # 1 x 20.00
        (LineKind.UNUSED_AGENTS, -2700),  # 3 x 15.00 x 18 / 30
        (LineKind.UNUSED_PACKS, -1200),  # 2 x 10.00 x 18 / 30
    ]
    unused = breakdown.lines[2]
    assert (unused.plan, unused.period, unused.days, unused.of_days) == (STANDARD, MONTHLY, 18, 30)
    assert (unused.start, unused.end) == (APRIL_13, APRIL.end)
    assert breakdown.period == Period(APRIL_13, date(2025, 5, 13))
    assert breakdown.anchor == APRIL_13
    assert breakdown.net_minor == 10100
    assert breakdown.vat_minor == 2222
    assert breakdown.total_minor == 12322
    assert breakdown.discount_minor == -3900
    assert (breakdown.agent_unit_minor, breakdown.pack_unit_minor) == (2400, 2000)


def test_pro_to_standard_can_be_a_credit_note() -> None:
    """A downgrade on the first day of a period is worth less than the unused days: a credit."""
    current = subscription(config(PRO, MONTHLY, 10))
    breakdown = change(current, config(STANDARD, MONTHLY, 1), today=APRIL.start)
    assert amounts(breakdown) == [(LineKind.AGENTS, 1500), (LineKind.UNUSED_AGENTS, -24000)]
    assert breakdown.is_credit_note
    assert breakdown.credit_added_minor == -breakdown.total_minor


def test_monthly_to_annual_is_a_period_change() -> None:
    """Monthly -> annual (same plan): a new year from today, minus the unused month."""
    current = subscription(config(STANDARD, MONTHLY, 3))
    breakdown = change(current, config(STANDARD, ANNUAL, 3))
    assert breakdown.kind is ChangeKind.PERIOD_CHANGE
    assert amounts(breakdown) == [(LineKind.AGENTS, 45000), (LineKind.UNUSED_AGENTS, -2700)]
    assert breakdown.period == Period(APRIL_13, date(2026, 4, 13))
    assert breakdown.net_minor == 42300


def test_plan_and_period_together_is_a_plan_change() -> None:
    """Standard monthly -> Pro annual counts as a plan change."""
    breakdown = change(subscription(config(STANDARD, MONTHLY, 3)), config(PRO, ANNUAL, 3))
    assert breakdown.kind is ChangeKind.PLAN_CHANGE
    assert amounts(breakdown) == [(LineKind.AGENTS, 72000), (LineKind.UNUSED_AGENTS, -2700)]


@pytest.mark.parametrize("target", [config(STANDARD, MONTHLY, 3), config(PRO, MONTHLY, 3)])
def test_annual_to_monthly_is_not_self_serve(target: Configuration) -> None:
    """Annual -> monthly, with or without a plan change, goes to support."""
    year = Period(date(2025, 1, 1), date(2026, 1, 1))
    with pytest.raises(ChangeNotAllowed) as caught:
        change(subscription(config(STANDARD, ANNUAL, 3), period=year), target)
    assert caught.value.code == "annual_to_monthly"


def test_annual_quantity_change_uses_the_year_length() -> None:
    """A year of 365 days: 2 agents added with 100 days left, at 150.00 per agent-year."""
    year = Period(date(2025, 1, 1), date(2026, 1, 1))
    today = date(2025, 9, 23)  # 100 days before Jan 1 2026
    breakdown = change(
        subscription(config(STANDARD, ANNUAL, 1), period=year), config(STANDARD, ANNUAL, 3), today
    )
    # 3 x 15000 x 100 / 365 = 12328.77 -> 12329; 1 x 15000 x 100 / 365 = 4109.59 -> 4110
    assert amounts(breakdown) == [
        (LineKind.AGENTS_PRORATED, 12329),
        (LineKind.UNUSED_AGENTS, -4110),
    ]


# --- renewal -------------------------------------------------------------------------------


def test_renewal_is_the_next_anchored_period_at_the_current_list_price() -> None:
    """Anchored on Jan 31: the Feb 28 period renews into [Mar 31, Apr 30) at today's price."""
    current = subscription(
        config(STANDARD, MONTHLY, 4, 2),
        period=Period(date(2025, 2, 28), date(2025, 3, 31)),
        anchor=date(2025, 1, 31),
        agent_unit=1200,  # an older, lower price was locked for this period
        pack_unit=900,
    )
    breakdown = price_renewal(current=current, prices=PRICES, tax=ITALIAN)
    assert breakdown.kind is ChangeKind.RENEWAL
    assert breakdown.period == Period(date(2025, 3, 31), date(2025, 4, 30))
    assert breakdown.anchor == date(2025, 1, 31)
    assert breakdown.as_of == date(2025, 3, 31)
    assert amounts(breakdown) == [(LineKind.AGENTS, 6000), (LineKind.PACKS, 2000)]
    assert (breakdown.agent_unit_minor, breakdown.pack_unit_minor) == (1500, 1000)
    assert breakdown.configuration == current.configuration
    assert breakdown.total_minor == 9760


def test_annual_renewal_from_a_leap_day() -> None:
    """Anchored on Feb 29 2024: [Feb 28 2025, Feb 28 2026) renews into [Feb 28 2026, 2027)."""
    current = subscription(
        config(PRO, ANNUAL, 2),
        period=Period(date(2025, 2, 28), date(2026, 2, 28)),
        anchor=date(2024, 2, 29),
        currency="CZK",
    )
    breakdown = price_renewal(current=current, prices=PRICES, tax=US_COMPANY)
    assert breakdown.period == Period(date(2026, 2, 28), date(2027, 2, 28))
    assert amounts(breakdown) == [(LineKind.AGENTS, 1200000)]


def test_renewal_uses_account_credit() -> None:
    """Credit pays a renewal before the card is charged."""
    current = subscription(config(STANDARD, MONTHLY, 1))
    breakdown = price_renewal(
        current=current, prices=PRICES, tax=ITALIAN, credit_available_minor=1000
    )
    assert breakdown.total_minor == 1830
    assert (breakdown.credit_used_minor, breakdown.amount_due_minor) == (1000, 830)
    assert breakdown.credit_remaining_minor == 0


# --- credit and VAT ----------------------------------------------------------------------------


def test_credit_covers_part_of_the_total() -> None:
    """10.00 credit against 21.96: 10.00 used, 11.96 to pay, nothing left."""
    breakdown = change(
        subscription(config(STANDARD, MONTHLY, 3)), config(STANDARD, MONTHLY, 5), credit=1000
    )
    assert (breakdown.total_minor, breakdown.credit_used_minor, breakdown.amount_due_minor) == (
        2196,
        1000,
        1196,
    )
    assert breakdown.credit_added_minor == 0
    assert breakdown.credit_remaining_minor == 0


def test_credit_covers_all_of_the_total() -> None:
    """50.00 credit against 21.96: nothing to pay, 28.04 stays as credit."""
    breakdown = change(
        subscription(config(STANDARD, MONTHLY, 3)), config(STANDARD, MONTHLY, 5), credit=5000
    )
    assert (breakdown.credit_used_minor, breakdown.amount_due_minor) == (2196, 0)
    assert breakdown.credit_remaining_minor == 2804


def test_credit_note_adds_to_existing_credit() -> None:
    """A credit note uses no credit; its total is added to what is there."""
    breakdown = change(
        subscription(config(STANDARD, MONTHLY, 5)), config(STANDARD, MONTHLY, 3), credit=500
    )
    assert (breakdown.credit_used_minor, breakdown.credit_added_minor) == (0, 2196)
    assert breakdown.credit_remaining_minor == 2696


def test_negative_credit_is_refused() -> None:
    """Credit is what the vendor owes; a negative balance is a bug upstream."""
    with pytest.raises(ValueError, match="credit"):
        change(None, config(STANDARD, MONTHLY, 1), credit=-1)
    with pytest.raises(ValueError, match="credit"):
        price_renewal(
            current=subscription(config(STANDARD, MONTHLY, 1)),
            prices=PRICES,
            tax=ITALIAN,
            credit_available_minor=-1,
        )


@pytest.mark.parametrize(
    ("net", "rate", "vat"),
    [
        (1800, "22", 396),
        (-1800, "22", -396),
        (275, "22", 61),  # 60.5 rounds up
        (-275, "22", -61),  # and symmetrically down: half-even would give -60
        (1, "25.5", 0),
        (2, "25.5", 1),  # 0.51
        (-2, "25.5", -1),
        (12345, "0", 0),
    ],
)
def test_vat_rounds_half_up_symmetrically(net: int, rate: str, vat: int) -> None:
    """VAT on the net sum rounds half up, away from zero for credit notes."""
    assert compute_vat(net, Decimal(rate)) == vat


def test_reverse_charge_quote_has_a_zero_vat_line() -> None:
    """Reverse charge keeps a 0 % VAT line so the invoice can show the base."""
    breakdown = change(None, config(STANDARD, MONTHLY, 2), tax=CZECH_COMPANY)
    assert [(line.rate, line.base_minor, line.vat_minor) for line in breakdown.vat_lines] == [
        (Decimal("0"), 3000, 0)
    ]
    assert breakdown.total_minor == 3000
    assert breakdown.tax.reverse_charge


def test_french_consumer_pays_french_vat_on_the_quote() -> None:
    """A consumer elsewhere in the EU pays their own country's rate."""
    french = TaxTreatment(TaxKind.EU_CONSUMER, Decimal("20"), "FR", "IT")
    breakdown = change(
        subscription(config(STANDARD, MONTHLY, 3)), config(STANDARD, MONTHLY, 5), tax=french
    )
    assert (breakdown.net_minor, breakdown.vat_minor, breakdown.total_minor) == (1800, 360, 2160)


def test_string_values_of_the_enums_are_accepted() -> None:
    """Values read back from the database as plain strings price the same."""
    plain = Configuration("standard", "monthly", 5, 0)  # type: ignore[arg-type]
    breakdown = change(subscription(Configuration("standard", "monthly", 3, 0)), plain)  # type: ignore[arg-type]
    assert breakdown.net_minor == 1800
    assert breakdown.configuration.plan is STANDARD
