"""A decrease reverses what the period's increases charged, line for line, with their rounding.

SPEC "Billing info and invoices": up-then-down and down-then-up in one period never charge more
than the agent-days used, to the cent. On one day the extra agents are used for no day at all,
so the two changes must cancel exactly; checked here for periods of 28 to 31 and 365 and 366
days, every remaining day, and agent counts from 1 to 50.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from portal.domain.catalog import BillingPeriod, Plan, load_price_list
from portal.domain.periods import Period
from portal.domain.pricing import (
    ChargedLayer,
    Configuration,
    CurrentSubscription,
    LineKind,
    PeriodCharges,
    PriceBreakdown,
    price_change,
)
from portal.domain.tax import TaxKind, TaxTreatment

PRICES = load_price_list(Path(__file__).resolve().parents[2] / "portal" / "data" / "prices.toml")
ITALY = TaxTreatment(TaxKind.DOMESTIC, Decimal("22"), "IT", "IT")
PLENTY = 10**9  # what each invoice may still credit: no cap in these sums

# (billing period, first day, first day of the next period): 28, 29, 30, 31, 365, 366 days.
PERIODS = [
    (BillingPeriod.MONTHLY, date(2026, 2, 1), date(2026, 3, 1)),
    (BillingPeriod.MONTHLY, date(2028, 2, 1), date(2028, 3, 1)),
    (BillingPeriod.MONTHLY, date(2026, 4, 1), date(2026, 5, 1)),
    (BillingPeriod.MONTHLY, date(2026, 1, 1), date(2026, 2, 1)),
    (BillingPeriod.ANNUAL, date(2026, 1, 1), date(2027, 1, 1)),
    (BillingPeriod.ANNUAL, date(2028, 1, 1), date(2029, 1, 1)),
]


def running(
    kind: BillingPeriod, period: Period, agents: int, layers: tuple[ChargedLayer, ...]
) -> CurrentSubscription:
    """Standard with `agents`, the units charged by the given invoices."""
    numbers = {layer.document for layer in layers}
    return CurrentSubscription(
        configuration=Configuration(Plan.STANDARD, kind, agents, 0),
        period=period,
        anchor=period.start,
        currency="EUR",
        agent_unit_minor=PRICES.agent_price(Plan.STANDARD, kind, "EUR"),
        pack_unit_minor=PRICES.pack_price(Plan.STANDARD, kind, "EUR"),
        charges=PeriodCharges(
            agents=layers,
            creditable_minor=tuple((number, PLENTY) for number in sorted(numbers)),
            rates=tuple((number, ITALY.rate) for number in sorted(numbers)),
        ),
    )


def change(current: CurrentSubscription, agents: int, today: date) -> PriceBreakdown:
    """Price the change to `agents` on `today`."""
    kind = current.configuration.period
    return price_change(
        current=current,
        target=Configuration(Plan.STANDARD, kind, agents, 0),
        today=today,
        currency="EUR",
        prices=PRICES,
        tax=ITALY,
    )


def partner(low: int, day: int) -> int:
    """A larger agent count to pair with `low`, spread over low + 1 .. 50 as the days go."""
    return low + 1 + (day * 7 + low * 3) % (50 - low)


@pytest.mark.parametrize(("kind", "start", "end"), PERIODS, ids=lambda value: str(value))
def test_up_then_down_and_down_then_up_on_one_day_cancel_to_the_cent(kind, start, end):
    period = Period(start, end)
    checked = 0
    for offset in range(period.length_days):
        today = start + timedelta(days=offset)
        for low in range(1, 50):
            high = partner(low, offset)
            base = (ChargedLayer("INV-1", 0, low),)
            up = change(running(kind, period, low, base), high, today)
            added = (*base, ChargedLayer("INV-2", low, high))
            down = change(running(kind, period, high, added), low, today)
            # The decrease names the increase's invoice and takes back exactly its charge.
            assert {line.corrects for line in down.lines} == {"INV-2"}
            assert (up.net_minor + down.net_minor, up.total_minor + down.total_minor) == (0, 0)

            charged_high = (ChargedLayer("INV-1", 0, high),)
            first_down = change(running(kind, period, high, charged_high), low, today)
            left = (ChargedLayer("INV-1", 0, low),)
            back_up = change(running(kind, period, low, left), high, today)
            assert first_down.net_minor + back_up.net_minor == 0
            assert first_down.total_minor + back_up.total_minor == 0
            checked += 1
    assert checked == 49 * period.length_days


def test_the_walkthrough_s_16_of_28_days_charges_and_credits_the_same():
    """3 -> 5 agents with 16 of 28 days left charged 20.92; 5 -> 3 credited 20.91 before."""
    kind, period = BillingPeriod.MONTHLY, Period(date(2027, 2, 1), date(2027, 3, 1))
    today = date(2027, 2, 13)
    assert period.remaining_days(today) == 16
    base = (ChargedLayer("INV-1", 0, 3),)
    up = change(running(kind, period, 3, base), 5, today)
    down = change(running(kind, period, 5, (*base, ChargedLayer("INV-2", 3, 5))), 3, today)
    assert (up.net_minor, down.net_minor) == (1715, -1715)  # 42.86 − 25.71 = 17.15 net
    assert (up.total_minor, down.total_minor) == (2092, -2092)


def test_a_decrease_over_two_invoices_credits_each_for_its_own_units_never_more():
    """5 bought with the period (INV-3), 2 added (INV-4), 3 removed: 2 are INV-4's, 1 INV-3's.
    Each invoice is credited at most what it has left; a credit over that names no invoice."""
    kind, period = BillingPeriod.MONTHLY, Period(date(2026, 11, 13), date(2026, 12, 13))
    layers = (ChargedLayer("INV-3", 0, 5), ChargedLayer("INV-4", 5, 7))
    current = running(kind, period, 7, layers)
    down = change(current, 4, date(2026, 11, 20))
    assert [(line.corrects, line.quantity) for line in down.lines] == [("INV-4", 2), ("INV-3", 1)]
    assert [vat.corrects for vat in down.vat_lines] == ["INV-4", "INV-3"]
    assert sum(vat.base_minor for vat in down.vat_lines) == down.net_minor
    assert sum(vat.vat_minor for vat in down.vat_lines) == down.vat_minor

    tight = PeriodCharges(
        agents=layers,
        creditable_minor=(("INV-3", 5000), ("INV-4", 100)),
        rates=(("INV-3", ITALY.rate), ("INV-4", ITALY.rate)),
    )
    capped = change(
        CurrentSubscription(
            current.configuration,
            period,
            period.start,
            "EUR",
            current.agent_unit_minor,
            current.pack_unit_minor,
            tight,
        ),
        4,
        date(2026, 11, 20),
    )
    credited = {
        corrects: -sum(line.amount_minor for line in capped.lines if line.corrects == corrects)
        for corrects in ("INV-3", "INV-4", None)
    }
    assert credited["INV-4"] == 100  # all it had left
    assert credited["INV-3"] <= 5000
    assert capped.net_minor == down.net_minor  # nothing is lost: the rest names no invoice
    assert credited[None] > 0
    assert all(line.kind is LineKind.REMOVED_AGENTS for line in capped.lines)


def test_units_no_invoice_charged_are_credited_on_a_line_that_names_none():
    kind, period = BillingPeriod.MONTHLY, Period(date(2026, 11, 1), date(2026, 12, 1))
    down = change(running(kind, period, 5, ()), 3, date(2026, 11, 13))
    assert [line.corrects for line in down.lines] == [None]
    assert [vat.corrects for vat in down.vat_lines] == [None]
