"""What the pricing core needs of an account, and its price breakdown of a change; no writes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock, vies
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.letters_of_intent import letter_tax
from portal.domain.periods import Period
from portal.domain.pricing import (
    ChangeKind,
    ChangeNotAllowed,
    ChargedLayer,
    Configuration,
    CurrentSubscription,
    LineKind,
    PeriodCharges,
    PriceBreakdown,
    price_change,
    price_renewal,
    with_tax_and_credit,
)
from portal.domain.sales_quotes import (
    Discount,
    DiscountKind,
    QuotePricing,
    QuoteTerms,
    price_sales_quote,
    pricing_from_data,
)
from portal.domain.tax import (
    InvalidVatId,
    TaxKind,
    TaxTreatment,
    determine_tax,
    normalize_vat_id,
)
from portal.extensions import db
from portal.letters.ceiling import cover_for
from portal.models import (
    Account,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    SalesQuote,
    Subscription,
    SubscriptionStatus,
)
from portal.reference_data import reference

# A first purchase suggests the currency of the customer's country; the customer may pick another.
COUNTRY_CURRENCIES = {"CZ": "CZK", "PL": "PLN", "US": "USD"}


def suggested_currency(account: Account) -> str:
    """The account's currency, or the one its country usually pays in."""
    if account.currency:
        return account.currency
    country = account.billing_info.country if account.billing_info else ""
    return COUNTRY_CURRENCIES.get(country, "EUR")


def customer_tax(account: Account) -> TaxTreatment:
    """VAT treatment from the account's billing info and the seller's country."""
    data = reference()
    info = account.billing_info
    country = info.country if info else data.seller_country
    vat_id = info.vat_id if info else None
    if vat_id and data.vat_rates.is_eu(country):
        try:
            vat_id = normalize_vat_id(country, vat_id)
        except InvalidVatId:
            vat_id = None
    return determine_tax(
        seller_country=data.seller_country,
        customer_country=country,
        customer_vat_id=vat_id,
        rates=data.vat_rates,
        # With VIES on, reverse charge needs the registry's latest definite answer: valid.
        registry=vies.verdict_for_account(account) if vat_id else None,
    )


def with_letter_of_intent(
    account: Account, breakdown: PriceBreakdown, today: date
) -> PriceBreakdown:
    """The breakdown priced VAT-free when the account's approved letter of intent covers its
    net today (portal.domain.letters_of_intent decides); VAT on the whole invoice, saying the
    ceiling is exhausted, when the net does not fit; otherwise unchanged."""
    if (
        not account.has_letter_of_intent
        or breakdown.tax.kind is not TaxKind.DOMESTIC
        or breakdown.net_minor <= 0
    ):
        return breakdown
    tax = letter_tax(
        breakdown.tax,
        cover_for(account.id, today),
        net_minor=breakdown.net_minor,
        currency=breakdown.currency,
        today=today,
    )
    if tax == breakdown.tax:
        return breakdown
    return with_tax_and_credit(
        breakdown, tax=tax, credit_available_minor=breakdown.credit_available_minor
    )


def running_subscription(subscription: Subscription | None) -> CurrentSubscription | None:
    """The subscription as the pricing core sees it; a blocked one is bought anew."""
    if subscription is None or subscription.status == SubscriptionStatus.BLOCKED:
        return None
    return CurrentSubscription(
        configuration=Configuration(
            Plan(subscription.plan),
            BillingPeriod(subscription.billing_period),
            subscription.agents,
            subscription.packs,
        ),
        period=Period(subscription.period_start, subscription.period_end),
        anchor=subscription.anchor_date,
        currency=subscription.account.currency or "",
        agent_unit_minor=subscription.agent_unit_minor,
        pack_unit_minor=subscription.pack_unit_minor,
    )


def current_configuration(account: Account) -> Configuration | None:
    """What the account runs now, or None on Free."""
    running = running_subscription(account.subscription)
    return running.configuration if running else None


def renewal_price(account: Account) -> PriceBreakdown | None:
    """What the renewal run charges for the account's next period, after its credit.

    My package shows this same figure before the run happens; None on Free or blocked.
    """
    subscription = account.subscription
    running = running_subscription(subscription)
    if subscription is None or running is None:
        return None
    breakdown = price_renewal(
        current=running,
        prices=reference().prices,
        tax=customer_tax(account),
        credit_available_minor=account.credit_minor,
        contract_ends_on=subscription.contract_ends_on,
    )
    return with_letter_of_intent(account, breakdown, clock.today())


@dataclass(frozen=True)
class ChangeRequest:
    """A change the customer is looking at."""

    configuration: Configuration
    currency: str


def price_for(account: Account, request: ChangeRequest, today: date) -> PriceBreakdown:
    """What moving the account to the requested configuration costs today.

    A past-due account pays its open renewal invoice first: until then the current period
    is not paid for, and its unused part must not turn into a discount.
    """
    subscription = account.subscription
    if subscription is not None and subscription.status == SubscriptionStatus.PAST_DUE:
        raise ChangeNotAllowed("past_due", "the renewal invoice is not paid yet")
    current = running_subscription(account.subscription)
    target = request.configuration
    if current is not None and (
        target.agents < current.configuration.agents or target.packs < current.configuration.packs
    ):
        # A decrease reverses what the period's invoices charged for the units it removes.
        current = replace(current, charges=period_charges(account.id, current.period))
    breakdown = price_change(
        current=current,
        target=request.configuration,
        today=today,
        currency=request.currency,
        prices=reference().prices,
        tax=customer_tax(account),
        credit_available_minor=account.credit_minor,
    )
    return with_letter_of_intent(account, breakdown, today)


# Per component: its full-period line, and the two lines of an increase (the new quantity
# for the remaining days, the old one taken off), and the line of a decrease.
_COMPONENTS = {
    "agents": (
        LineKind.AGENTS,
        LineKind.AGENTS_PRORATED,
        LineKind.UNUSED_AGENTS,
        LineKind.REMOVED_AGENTS,
    ),
    "packs": (
        LineKind.PACKS,
        LineKind.PACKS_PRORATED,
        LineKind.UNUSED_PACKS,
        LineKind.REMOVED_PACKS,
    ),
}


def period_charges(account_id: int, period: Period) -> PeriodCharges:
    """What the invoices of the account's current period charged, unit by unit.

    The period's documents are read in the order they were issued: an invoice for the whole
    period (first purchase, renewal, plan change, accepted quote) charges units 1 to N; an
    increase stacks the units it added on top; a decrease's credit note takes units off the
    top. What is left tells which invoice charged each unit still running, and each invoice's
    net not yet credited bounds what may be credited against it. Cancelled invoices and the
    full refund's notes charged nothing that runs.
    """
    documents = db.session.scalars(
        select(Invoice)
        .options(selectinload(Invoice.lines))
        .where(
            Invoice.account_id == account_id,
            Invoice.period_start == period.start,
            Invoice.period_end == period.end,
            Invoice.status != InvoiceStatus.CANCELLED,
            Invoice.change_kind.not_in((ChangeKind.REFUND, ChangeKind.CANCELLATION)),
        )
        .order_by(Invoice.id)
    ).all()
    # A reissued invoice and the note that cancelled it charged nothing that runs: the
    # invoice that replaced it (same lines) stands in its place.
    reissued = {d.corrects_id for d in documents if d.change_kind == ChangeKind.REISSUE}
    documents = [
        d for d in documents if d.id not in reissued and d.change_kind != ChangeKind.REISSUE
    ]
    numbers = {document.id: document.number for document in documents}
    stacks: dict[str, list[list[Any]]] = {name: [] for name in _COMPONENTS}
    creditable: dict[str, int] = {}
    rates: dict[str, Decimal] = {}
    for document in documents:
        kinds = {line.kind for line in document.lines}
        whole_period = bool(kinds & {LineKind.AGENTS, LineKind.PACKS})
        if document.kind == DocumentKind.INVOICE or whole_period:
            # It charged the period (a plan change cheaper than the unused time it replaces
            # is a credit note, and charged the units all the same).
            creditable[document.number] = document.net_minor
            rates[document.number] = Decimal(str(document.vat_rate))
        elif document.corrects_id in numbers:
            corrected = numbers[document.corrects_id]
            creditable[corrected] = creditable.get(corrected, 0) + document.net_minor
        for name, (full, added, before, removed) in _COMPONENTS.items():
            quantity = dict.fromkeys((full, added, before, removed), 0)
            for line in document.lines:
                if line.kind in quantity:
                    quantity[line.kind] += line.quantity
            if whole_period:
                stacks[name] = [[document.number, 0, quantity[full]]] if quantity[full] else []
            elif document.kind == DocumentKind.CREDIT_NOTE:
                _take_off(stacks[name], quantity[removed])
            elif quantity[added] > quantity[before]:
                stacks[name].append([document.number, quantity[before], quantity[added]])
    return PeriodCharges(
        agents=tuple(ChargedLayer(*layer) for layer in stacks["agents"]),
        packs=tuple(ChargedLayer(*layer) for layer in stacks["packs"]),
        creditable_minor=tuple(creditable.items()),
        rates=tuple(rates.items()),
    )


def _take_off(stack: list[list[Any]], units: int) -> None:
    """Remove `units` from the top of a stack of [document, low, high] layers."""
    while units > 0 and stack:
        top = stack[-1]
        taken = min(units, top[2] - top[1])
        top[2] -= taken
        units -= taken
        if top[2] <= top[1]:
            stack.pop()


def discount_of(kind: DiscountKind | str, value: Decimal | None) -> Discount:
    """A stored kind and value as the domain's discount (amounts are kept in minor units)."""
    kind = DiscountKind(kind)
    value = Decimal(value or 0)
    if kind is DiscountKind.PERCENT:
        return Discount(kind, percent=value)
    if kind is DiscountKind.AMOUNT:
        return Discount(kind, amount_minor=int(value))
    return Discount()


def terms_of(quote: SalesQuote) -> QuoteTerms:
    """The quote's terms as the domain prices them."""
    return QuoteTerms(
        Configuration(
            Plan(quote.plan), BillingPeriod(quote.billing_period), quote.agents, quote.packs
        ),
        quote.currency,
        discount_of(quote.agent_discount_kind, quote.agent_discount_value),
        discount_of(quote.pack_discount_kind, quote.pack_discount_value),
        discount_of(quote.overall_discount_kind, quote.overall_discount_value),
        quote.term_months,
        quote.billing_starts_on,
    )


def live_pricing(quote: SalesQuote, account: Account) -> QuotePricing:
    """The quote priced now from the price list, the account's VAT and running package."""
    return price_sales_quote(
        terms_of(quote),
        current=running_subscription(account.subscription),
        prices=reference().prices,
        tax=customer_tax(account),
        credit_available_minor=account.credit_minor,
    )


def quote_pricing(quote: SalesQuote, account: Account) -> QuotePricing:
    """What the quote shows: its frozen figures once sent, live figures while a draft."""
    if quote.frozen is not None:
        return pricing_from_data(quote.frozen["pricing"])
    return live_pricing(quote, account)


def pricing_of(quote: SalesQuote) -> QuotePricing | None:
    """A sent quote's frozen figures (None for a draft)."""
    return pricing_from_data(quote.frozen["pricing"]) if quote.frozen else None
