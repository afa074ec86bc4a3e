"""Sales quotes: negotiated unit prices, what each period charges, and the first invoice.

A quote sells one package (plan, billing period, agents, packs) for a contract term. Its
agents line and packs line may each carry a discount (a percent, or an amount off the unit
price), and the whole quote may carry one more (a percent, or an amount per period spread
over the units). Every discount ends up in the negotiated unit prices, because those are
what the subscription keeps and charges again at each renewal until the contract ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from portal.domain.breakdown_codec import breakdown_from_data, breakdown_to_data
from portal.domain.catalog import BillingPeriod, Plan, PriceList
from portal.domain.money import round_half_up
from portal.domain.periods import add_months
from portal.domain.pricing import (
    Configuration,
    CurrentSubscription,
    LineKind,
    PriceBreakdown,
    compute_vat,
    price_negotiated_period,
    validate_configuration,
)
from portal.domain.tax import TaxTreatment

MAX_TERM_MONTHS = 60
MAX_AGENTS = 99_999
HUNDRED = Decimal(100)


class DiscountKind(StrEnum):
    """How a discount is expressed."""

    NONE = "none"
    PERCENT = "percent"  # percent off the price
    AMOUNT = "amount"  # minor units off (per unit on a line, per period on the quote)


@dataclass(frozen=True)
class Discount:
    """A discount: a percent (0-100, two decimals) or an amount in minor units."""

    kind: DiscountKind = DiscountKind.NONE
    percent: Decimal = Decimal(0)
    amount_minor: int = 0

    @property
    def is_none(self) -> bool:
        """Whether this discount takes nothing off."""
        return self.kind is DiscountKind.NONE


NO_DISCOUNT = Discount()


class QuoteTermsError(ValueError):
    """Terms staff cannot send; `field` and `code` drive the form error."""

    def __init__(self, field: str, code: str, message: str) -> None:
        """Keep the field and the machine-readable code."""
        super().__init__(message)
        self.field = field
        self.code = code


@dataclass(frozen=True)
class QuoteTerms:
    """What staff agreed with the customer."""

    configuration: Configuration
    currency: str
    agent_discount: Discount
    pack_discount: Discount
    overall_discount: Discount
    term_months: int
    billing_starts_on: date

    @property
    def contract_ends_on(self) -> date:
        """The day the negotiated prices stop applying (first day at list price)."""
        return add_months(self.billing_starts_on, self.term_months)


@dataclass(frozen=True)
class QuoteLine:
    """What one component of the package charges per billing period."""

    kind: LineKind  # AGENTS or PACKS
    quantity: int
    list_unit_minor: int
    unit_minor: int  # negotiated

    @property
    def list_amount_minor(self) -> int:
        """The line at list price."""
        return self.quantity * self.list_unit_minor

    @property
    def amount_minor(self) -> int:
        """The line at the negotiated price."""
        return self.quantity * self.unit_minor


@dataclass(frozen=True)
class QuotePricing:
    """Every figure a quote shows: per period, over the term, and the first invoice."""

    terms: QuoteTerms
    lines: tuple[QuoteLine, ...]
    list_per_period_minor: int
    net_per_period_minor: int
    vat_per_period_minor: int
    total_per_period_minor: int
    periods_in_term: int
    first_invoice: PriceBreakdown
    # The negotiated units the subscription keeps until the contract ends.
    agent_unit_minor: int
    pack_unit_minor: int

    @property
    def savings_per_period_minor(self) -> int:
        """How much less than the list price each period costs (net)."""
        return self.list_per_period_minor - self.net_per_period_minor

    @property
    def savings_over_term_minor(self) -> int:
        """Savings over the whole contract term (net)."""
        return self.savings_per_period_minor * self.periods_in_term

    @property
    def net_over_term_minor(self) -> int:
        """What the contract term costs before VAT."""
        return self.net_per_period_minor * self.periods_in_term

    @property
    def contract_ends_on(self) -> date:
        """First day at list price."""
        return self.terms.contract_ends_on


def validate_terms(terms: QuoteTerms, prices: PriceList) -> None:
    """Raise QuoteTermsError (or ConfigurationError) unless staff can send these terms."""
    validate_configuration(terms.configuration, prices, self_serve=False)
    if terms.configuration.agents > MAX_AGENTS:
        raise QuoteTermsError("agents", "too_many", f"at most {MAX_AGENTS} agents")
    if terms.currency not in prices.currencies:
        raise QuoteTermsError("currency", "unknown", f"unknown currency {terms.currency!r}")
    if not 1 <= terms.term_months <= MAX_TERM_MONTHS:
        raise QuoteTermsError(
            "term_months", "out_of_range", f"the term is 1 to {MAX_TERM_MONTHS} months"
        )
    months = terms.configuration.period.months
    if terms.term_months % months:
        raise QuoteTermsError(
            "term_months", "not_whole_periods", f"the term must be whole periods of {months}"
        )
    for field, discount in (
        ("agent_discount", terms.agent_discount),
        ("pack_discount", terms.pack_discount),
        ("overall_discount", terms.overall_discount),
    ):
        _check_discount(field, discount)


def _check_discount(field: str, discount: Discount) -> None:
    """A percent within 0-100 with at most two decimals; a non-negative amount."""
    if discount.kind is DiscountKind.PERCENT:
        percent = discount.percent
        if not percent.is_finite() or percent < 0 or percent > HUNDRED:
            raise QuoteTermsError(field, "percent_range", "a percent is between 0 and 100")
        if percent != percent.quantize(Decimal("0.01")):
            raise QuoteTermsError(field, "percent_decimals", "at most two decimals")
    elif discount.kind is DiscountKind.AMOUNT and discount.amount_minor < 0:
        raise QuoteTermsError(field, "amount_negative", "an amount cannot be negative")


def _discounted_unit(list_unit: int, discount: Discount) -> int:
    """A unit price after its line discount; never below zero."""
    if discount.kind is DiscountKind.PERCENT:
        return round_half_up(Decimal(list_unit) * (HUNDRED - discount.percent) / HUNDRED)
    if discount.kind is DiscountKind.AMOUNT:
        return max(list_unit - discount.amount_minor, 0)
    return list_unit


def negotiated_units(terms: QuoteTerms, prices: PriceList) -> tuple[QuoteLine, QuoteLine]:
    """The agents and packs lines at list and negotiated unit prices.

    The overall discount is a percent of each unit, or an amount per period taken off the
    units in proportion (rounded half up per unit): a subscription charges units, so the
    negotiated price must be one, and the quote shows the figures these units give.
    """
    config = terms.configuration
    agent_list = prices.agent_price(config.plan, config.period, terms.currency)
    pack_list = prices.pack_price(config.plan, config.period, terms.currency)
    agent_unit = _discounted_unit(agent_list, terms.agent_discount)
    pack_unit = _discounted_unit(pack_list, terms.pack_discount)
    overall = terms.overall_discount
    if overall.kind is DiscountKind.PERCENT:
        agent_unit = _discounted_unit(agent_unit, overall)
        pack_unit = _discounted_unit(pack_unit, overall)
    elif overall.kind is DiscountKind.AMOUNT:
        subtotal = config.agents * agent_unit + config.packs * pack_unit
        if subtotal > 0:
            remaining = Decimal(max(subtotal - overall.amount_minor, 0)) / Decimal(subtotal)
            agent_unit = round_half_up(agent_unit * remaining)
            pack_unit = round_half_up(pack_unit * remaining)
    return (
        QuoteLine(LineKind.AGENTS, config.agents, agent_list, agent_unit),
        QuoteLine(LineKind.PACKS, config.packs, pack_list, pack_unit),
    )


def price_sales_quote(
    terms: QuoteTerms,
    *,
    current: CurrentSubscription | None,
    prices: PriceList,
    tax: TaxTreatment,
    credit_available_minor: int = 0,
) -> QuotePricing:
    """Every figure of a quote, from the price list, the terms and the running subscription."""
    validate_terms(terms, prices)
    if current is not None and not current.period.contains(terms.billing_starts_on):
        # Before the period the old package would be paid twice; after it, the package
        # renews first and the credit frozen in the quote no longer matches.
        raise QuoteTermsError(
            "billing_starts_on",
            "outside_current_period",
            f"billing must start within the current period {current.period.start} .. "
            f"{current.period.end}",
        )
    agents_line, packs_line = negotiated_units(terms, prices)
    lines = (agents_line, packs_line) if packs_line.quantity else (agents_line,)
    first_invoice = price_negotiated_period(
        current=current,
        target=terms.configuration,
        start=terms.billing_starts_on,
        currency=terms.currency,
        agent_unit_minor=agents_line.unit_minor,
        pack_unit_minor=packs_line.unit_minor,
        prices=prices,
        tax=tax,
        credit_available_minor=credit_available_minor,
    )
    net = sum(line.amount_minor for line in lines)
    vat = compute_vat(net, tax.rate)
    return QuotePricing(
        terms=terms,
        lines=lines,
        list_per_period_minor=sum(line.list_amount_minor for line in lines),
        net_per_period_minor=net,
        vat_per_period_minor=vat,
        total_per_period_minor=net + vat,
        periods_in_term=terms.term_months // terms.configuration.period.months,
        first_invoice=first_invoice,
        agent_unit_minor=agents_line.unit_minor,
        pack_unit_minor=packs_line.unit_minor,
    )


def _discount_data(discount: Discount) -> dict[str, Any]:
    """A discount as JSON data."""
    return {
        "kind": str(discount.kind),
        "percent": str(discount.percent),
        "amount_minor": discount.amount_minor,
    }


def _discount_from(data: dict[str, Any]) -> Discount:
    """Rebuild a discount written by `_discount_data`."""
    return Discount(DiscountKind(data["kind"]), Decimal(data["percent"]), data["amount_minor"])


def pricing_to_data(pricing: QuotePricing) -> dict[str, Any]:
    """Every figure of a quote as JSON data: what a sent quote keeps, whatever prices do."""
    terms = pricing.terms
    config = terms.configuration
    return {
        "terms": {
            "plan": str(config.plan),
            "period": str(config.period),
            "agents": config.agents,
            "packs": config.packs,
            "currency": terms.currency,
            "agent_discount": _discount_data(terms.agent_discount),
            "pack_discount": _discount_data(terms.pack_discount),
            "overall_discount": _discount_data(terms.overall_discount),
            "term_months": terms.term_months,
            "billing_starts_on": terms.billing_starts_on.isoformat(),
        },
        "lines": [
            {
                "kind": str(line.kind),
                "quantity": line.quantity,
                "list_unit_minor": line.list_unit_minor,
                "unit_minor": line.unit_minor,
            }
            for line in pricing.lines
        ],
        "list_per_period_minor": pricing.list_per_period_minor,
        "net_per_period_minor": pricing.net_per_period_minor,
        "vat_per_period_minor": pricing.vat_per_period_minor,
        "total_per_period_minor": pricing.total_per_period_minor,
        "periods_in_term": pricing.periods_in_term,
        "first_invoice": breakdown_to_data(pricing.first_invoice),
        "agent_unit_minor": pricing.agent_unit_minor,
        "pack_unit_minor": pricing.pack_unit_minor,
    }


def pricing_from_data(data: dict[str, Any]) -> QuotePricing:
    """Rebuild the pricing that `pricing_to_data` wrote."""
    terms = data["terms"]
    return QuotePricing(
        terms=QuoteTerms(
            Configuration(
                Plan(terms["plan"]),
                BillingPeriod(terms["period"]),
                terms["agents"],
                terms["packs"],
            ),
            terms["currency"],
            _discount_from(terms["agent_discount"]),
            _discount_from(terms["pack_discount"]),
            _discount_from(terms["overall_discount"]),
            terms["term_months"],
            date.fromisoformat(terms["billing_starts_on"]),
        ),
        lines=tuple(
            QuoteLine(
                LineKind(line["kind"]),
                line["quantity"],
                line["list_unit_minor"],
                line["unit_minor"],
            )
            for line in data["lines"]
        ),
        list_per_period_minor=data["list_per_period_minor"],
        net_per_period_minor=data["net_per_period_minor"],
        vat_per_period_minor=data["vat_per_period_minor"],
        total_per_period_minor=data["total_per_period_minor"],
        periods_in_term=data["periods_in_term"],
        first_invoice=breakdown_from_data(data["first_invoice"]),
        agent_unit_minor=data["agent_unit_minor"],
        pack_unit_minor=data["pack_unit_minor"],
    )
