"""Properties of breakdowns that must hold for every price, quantity, date and VAT rate."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.domain.catalog import BillingPeriod, Plan, load_price_list
from portal.domain.money import CURRENCIES, round_half_up
from portal.domain.periods import period_at
from portal.domain.pricing import (
    BreakdownLine,
    ChangeKind,
    Configuration,
    CurrentSubscription,
    LineKind,
    PriceBreakdown,
    price_change,
    price_renewal,
    reversal_minor,
)
from portal.domain.tax import TaxKind, TaxTreatment

PRICES = load_price_list(Path(__file__).resolve().parents[2] / "portal" / "data" / "prices.toml")
HALF_MINOR = Decimal("0.5")

# No example database: nothing is written outside the test tree, failures still shrink.
PROPERTY = settings(database=None, deadline=None, max_examples=200)

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
taxes = st.sampled_from(["0", "17", "19", "20", "21", "22", "25.5", "27"]).map(
    lambda rate: TaxTreatment(TaxKind.DOMESTIC, Decimal(rate), "IT", "IT")
)


def exact_value(line: BreakdownLine) -> Decimal:
    """The unrounded value of a line, in minor units, as a positive number."""
    full = Decimal(line.quantity * line.unit_minor)
    if line.days is None or line.of_days is None:
        return full
    return full * line.days / line.of_days


def subscription_after(breakdown: PriceBreakdown) -> CurrentSubscription:
    """The subscription a paid breakdown leaves behind, as the app stores it."""
    return CurrentSubscription(
        configuration=breakdown.configuration,
        period=breakdown.period,
        anchor=breakdown.anchor,
        currency=breakdown.currency,
        agent_unit_minor=breakdown.agent_unit_minor,
        pack_unit_minor=breakdown.pack_unit_minor,
    )


@st.composite
def configurations(draw: st.DrawFn, periods: list[BillingPeriod] | None = None) -> Configuration:
    """A self-serve configuration."""
    plan = draw(st.sampled_from(list(Plan)))
    period = draw(st.sampled_from(periods or list(BillingPeriod)))
    agents = draw(st.integers(PRICES.min_agents, PRICES.max_self_serve_agents))
    packs = draw(st.integers(0, PRICES.rules(plan).max_packs))
    return Configuration(plan, period, agents, packs)


@st.composite
def running(draw: st.DrawFn) -> tuple[CurrentSubscription, date]:
    """A subscription somewhere in a later period of its term, with arbitrary locked units."""
    configuration = draw(configurations())
    anchor = draw(dates)
    period = period_at(anchor, configuration.period, draw(st.integers(0, 3)))
    current = CurrentSubscription(
        configuration=configuration,
        period=period,
        anchor=anchor,
        currency=draw(st.sampled_from(CURRENCIES)),
        # Any unit price, not only today's list: credits follow what was charged.
        agent_unit_minor=draw(st.integers(1, 2_000_000)),
        pack_unit_minor=draw(st.integers(1, 2_000_000)),
    )
    today = period.start + timedelta(days=draw(st.integers(0, period.length_days - 1)))
    return current, today


@st.composite
def allowed_targets(draw: st.DrawFn, current: CurrentSubscription) -> Configuration:
    """A target the customer may choose (annual never goes back to monthly self-serve)."""
    annual_only = current.configuration.period is BillingPeriod.ANNUAL
    return draw(configurations([BillingPeriod.ANNUAL] if annual_only else None))


@st.composite
def changes(draw: st.DrawFn) -> PriceBreakdown:
    """Any breakdown: a first purchase, a change of a running subscription, or a renewal."""
    credit = draw(st.integers(0, 10**8))
    tax = draw(taxes)
    if draw(st.booleans()):
        return price_change(
            current=None,
            target=draw(configurations()),
            today=draw(dates),
            currency=draw(st.sampled_from(CURRENCIES)),
            prices=PRICES,
            tax=tax,
            credit_available_minor=credit,
        )
    current, today = draw(running())
    if draw(st.integers(0, 4)) == 0:
        return price_renewal(current=current, prices=PRICES, tax=tax, credit_available_minor=credit)
    return price_change(
        current=current,
        target=draw(allowed_targets(current)),
        today=today,
        currency=current.currency,
        prices=PRICES,
        tax=tax,
        credit_available_minor=credit,
    )


@PROPERTY
@given(breakdown=changes())
def test_discount_never_exceeds_what_was_charged_for_those_days(breakdown: PriceBreakdown) -> None:
    """(a) A discount or credit is q x u x r / L of what was paid, give or take half a unit.

    Rounding half up can add at most half a minor unit to the exact value, and never makes a
    credit larger than the full amount charged for the whole period (q x u).
    """
    for line in breakdown.lines:
        exact = exact_value(line)
        if line.kind in (LineKind.REMOVED_AGENTS, LineKind.REMOVED_PACKS):
            # A decrease reverses an increase's two rounded amounts (new and old quantity for
            # the days left): within a minor unit of the exact value, never above q x u.
            assert line.days is not None and line.of_days is not None
            config = breakdown.configuration
            new = config.agents if line.kind is LineKind.REMOVED_AGENTS else config.packs
            reversal = reversal_minor(
                new, new + line.quantity, line.unit_minor, line.days, line.of_days
            )
            assert -line.amount_minor == reversal
            assert abs(reversal - exact) <= 2 * HALF_MINOR
            assert reversal <= line.quantity * line.unit_minor
            continue
        assert abs(abs(line.amount_minor) - exact) <= HALF_MINOR
        assert abs(line.amount_minor) == round_half_up(exact)
        if line.amount_minor < 0:
            assert line.days is not None
            assert -line.amount_minor <= exact + HALF_MINOR
            assert -line.amount_minor <= line.quantity * line.unit_minor


@PROPERTY
@given(breakdown=changes())
def test_totals_are_the_sum_of_their_parts(breakdown: PriceBreakdown) -> None:
    """(b) net = sum of the lines, VAT is on the net sum, total = net + VAT."""
    assert breakdown.net_minor == sum(line.amount_minor for line in breakdown.lines)
    assert breakdown.vat_minor == sum(vat_line.vat_minor for vat_line in breakdown.vat_lines)
    assert breakdown.total_minor == breakdown.net_minor + breakdown.vat_minor
    assert breakdown.discount_minor == sum(
        line.amount_minor for line in breakdown.lines if line.amount_minor < 0
    )
    for vat_line in breakdown.vat_lines:
        assert vat_line.base_minor == breakdown.net_minor
        assert vat_line.vat_minor == round_half_up(
            Decimal(vat_line.base_minor) * vat_line.rate / 100
        )


@PROPERTY
@given(breakdown=changes())
def test_credit_never_goes_negative(breakdown: PriceBreakdown) -> None:
    """(c) Credit used is at most what is available and what is due; nothing goes negative."""
    assert breakdown.credit_used_minor >= 0
    assert breakdown.credit_added_minor >= 0
    assert breakdown.amount_due_minor >= 0
    assert breakdown.credit_remaining_minor >= 0
    assert breakdown.credit_used_minor <= min(
        breakdown.credit_available_minor, max(breakdown.total_minor, 0)
    )
    assert breakdown.amount_due_minor + breakdown.credit_used_minor == max(breakdown.total_minor, 0)
    assert breakdown.credit_added_minor == max(-breakdown.total_minor, 0)


@PROPERTY
@given(data=st.data(), start=dates, plan=st.sampled_from(list(Plan)))
def test_down_then_up_never_costs_more_than_the_agent_days_used(
    data: st.DataObject, start: date, plan: Plan
) -> None:
    """(d) Buy q0 agents, go down to q1 on day t1, up to q2 on day t2 > t1, in one period.

    Bound, in minor units and before VAT: the sum of the three nets is at most the exact
    value of the agent-days used, sum over the segments of q x u x days / L (q0 over
    [start, t1), q1 over [t1, t2), q2 over [t2, end)), plus half a minor unit for each
    rounding (each prorated amount is rounded half up on its own, so it can be off by at
    most 0.5; a decrease's line is two of them). On one day the two cancel exactly: see
    test_decrease_reversal.py.
    The same allowance bounds it from below: nobody gets days for free either.
    """
    period_kind = data.draw(st.sampled_from(list(BillingPeriod)))
    currency = data.draw(st.sampled_from(CURRENCIES))
    q0 = data.draw(st.integers(2, 50))
    q1 = data.draw(st.integers(1, q0 - 1))
    q2 = data.draw(st.integers(q1 + 1, 50))
    tax = TaxTreatment(TaxKind.DOMESTIC, Decimal("22"), "IT", "IT")

    def breakdown(current: CurrentSubscription | None, agents: int, today: date) -> PriceBreakdown:
        """Price a change to `agents` on `today`."""
        return price_change(
            current=current,
            target=Configuration(plan, period_kind, agents, 0),
            today=today,
            currency=currency,
            prices=PRICES,
            tax=tax,
        )

    purchase = breakdown(None, q0, start)
    period = purchase.period
    length = period.length_days
    t1 = start + timedelta(days=data.draw(st.integers(0, length - 2)))
    t2 = t1 + timedelta(days=data.draw(st.integers(1, (period.end - t1).days - 1)))
    down = breakdown(subscription_after(purchase), q1, t1)
    up = breakdown(subscription_after(down), q2, t2)

    unit = purchase.agent_unit_minor
    used = (
        Decimal(q0 * unit) * (t1 - start).days
        + Decimal(q1 * unit) * (t2 - t1).days
        + Decimal(q2 * unit) * (period.end - t2).days
    ) / length
    breakdowns = (purchase, down, up)
    # A decrease's line is two roundings (the reversal of an increase's two amounts).
    removed = (LineKind.REMOVED_AGENTS, LineKind.REMOVED_PACKS)
    roundings = sum(
        2 if line.kind in removed else 1
        for q in breakdowns
        for line in q.lines
        if line.days is not None
    )
    allowance = HALF_MINOR * roundings
    charged = sum(q.net_minor for q in breakdowns)
    assert charged <= used + allowance
    assert charged >= used - allowance
    assert down.kind is up.kind is ChangeKind.QUANTITY_CHANGE


@PROPERTY
@given(data=st.data(), pair=running(), tax=taxes)
def test_quantity_changes_never_move_the_period(
    data: st.DataObject, pair: tuple[CurrentSubscription, date], tax: TaxTreatment
) -> None:
    """A quantity change keeps the period, the anchor and the locked units."""
    current, today = pair
    before = current.configuration
    target = Configuration(
        before.plan,
        before.period,
        data.draw(st.integers(PRICES.min_agents, PRICES.max_self_serve_agents)),
        data.draw(st.integers(0, PRICES.rules(before.plan).max_packs)),
    )
    breakdown = price_change(
        current=current,
        target=target,
        today=today,
        currency=current.currency,
        prices=PRICES,
        tax=tax,
    )
    assert breakdown.kind in (ChangeKind.QUANTITY_CHANGE, ChangeKind.NO_CHANGE)
    assert breakdown.period == current.period
    assert breakdown.anchor == current.anchor
    assert (breakdown.agent_unit_minor, breakdown.pack_unit_minor) == (
        current.agent_unit_minor,
        current.pack_unit_minor,
    )
    for line in breakdown.lines:
        assert (line.start, line.end) == (today, current.period.end)
        assert (line.days, line.of_days) == (
            current.period.remaining_days(today),
            current.period.length_days,
        )


@PROPERTY
@given(pair=running(), tax=taxes)
def test_renewal_follows_the_period_without_gap(
    pair: tuple[CurrentSubscription, date], tax: TaxTreatment
) -> None:
    """A renewal starts where the current period ends and keeps the anchor."""
    current, _ = pair
    breakdown = price_renewal(current=current, prices=PRICES, tax=tax)
    assert breakdown.period.start == current.period.end
    assert breakdown.anchor == current.anchor
    assert breakdown.total_minor > 0
