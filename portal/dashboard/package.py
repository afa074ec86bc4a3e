"""What an account has now: the data behind My package and the back office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Select, bindparam, select

from portal.account_pricing import renewal_price
from portal.accounts import load_account
from portal.domain.catalog import BillingPeriod, Plan
from portal.extensions import db
from portal.full_refund import (
    RefundFacts,
    may_be_offered,
    refund_facts_in,
    with_refund_facts,
)
from portal.models import Account, Invoice, PaymentMethod, SubscriptionStatus
from portal.payments.saved_methods import default_method_id, describe
from portal.reference_data import reference
from portal.renewal.auto_renew import GRACE_DAYS
from portal.renewal.run import open_renewal_invoice_id

FREE_AGENTS = 1


@dataclass(frozen=True)
class PackageOverview:
    """One account's package as its users see it."""

    account_id: int
    account_name: str
    plan: Plan | None  # None: the Free package
    billing_period: BillingPeriod | None
    agents: int
    packs: int
    conversations: int | None
    status: SubscriptionStatus | None
    period_start: date | None
    period_end: date | None
    days_left: int | None
    auto_renew: bool
    credit_minor: int
    currency: str | None
    expired_on: date | None

    @property
    def is_free(self) -> bool:
        """True when the account is on the Free package."""
        return self.plan is None


def overview_of(account: Account, today: date) -> PackageOverview:
    """Summarise an account's package on `today`."""
    subscription = account.subscription
    live = subscription is not None and subscription.status != SubscriptionStatus.BLOCKED
    if subscription is None or not live:
        return PackageOverview(
            account_id=account.id,
            account_name=account.name,
            plan=None,
            billing_period=None,
            agents=FREE_AGENTS,
            packs=0,
            conversations=None,
            status=None,
            period_start=None,
            period_end=None,
            days_left=None,
            auto_renew=False,
            credit_minor=account.credit_minor,
            currency=account.currency,
            expired_on=subscription.period_end if subscription is not None else None,
        )
    plan = Plan(subscription.plan)
    rules = reference().prices.rules(plan)
    return PackageOverview(
        account_id=account.id,
        account_name=account.name,
        plan=plan,
        billing_period=BillingPeriod(subscription.billing_period),
        agents=subscription.agents,
        packs=subscription.packs,
        conversations=rules.included_conversations + subscription.packs * rules.pack_size,
        status=SubscriptionStatus(subscription.status),
        period_start=subscription.period_start,
        period_end=subscription.period_end,
        days_left=max((subscription.period_end - today).days, 0),
        auto_renew=subscription.auto_renew,
        credit_minor=account.credit_minor,
        currency=account.currency,
        expired_on=None,
    )


def package_overview(account_id: int, today: date) -> PackageOverview:
    """My package for one account (the caller has checked the user belongs to it)."""
    return overview_of(load_account(account_id), today)


@dataclass(frozen=True)
class NextPayment:
    """What the account pays next, and when, before it happens (My package).

    `amount_minor` is the renewal run's own figure (`renewal_price`), after account credit;
    with auto-renewal off nothing is charged and the account is blocked on `on`.
    """

    on: date
    amount_minor: int
    currency: str
    method_label: str | None  # the default method; None: there is none
    auto_renew: bool
    # When the bank declined the default method, flagged until it is replaced or pays.
    method_declined_at: datetime | None = None
    credit_used_minor: int = 0
    unpaid_invoice: Invoice | None = None  # past due: the open renewal invoice to pay

    @property
    def covered_by_credit(self) -> bool:
        """Account credit pays all of it: nothing is charged."""
        return self.auto_renew and self.unpaid_invoice is None and self.amount_minor == 0


@dataclass(frozen=True)
class BillingFacts:
    """What My package shows those who manage billing, beyond the account: one query."""

    default_method: PaymentMethod | None
    open_renewal_invoice: Invoice | None
    refund: RefundFacts | None  # None: no refund can be offered, so nothing was read


NOTHING_TO_READ = BillingFacts(None, None, None)


def _is_running(account: Account) -> bool:
    """A subscription that renews or is blocked at its end: it has a next payment."""
    subscription = account.subscription
    return subscription is not None and subscription.status != SubscriptionStatus.BLOCKED


@cache
def _billing_facts_statement(with_refund: bool) -> Select[*tuple[Any, ...]]:
    """The default method, the open renewal invoice and (optionally) the refund offer's facts
    of the account bound as :account_id, in one row; built once per shape."""
    account_id = bindparam("account_id", type_=Integer)
    unpaid_id = open_renewal_invoice_id(account_id, bindparam("period_start", type_=Date))
    statement = (
        select(PaymentMethod, Invoice)
        .select_from(Account)
        .outerjoin(PaymentMethod, PaymentMethod.id == default_method_id(account_id))
        .outerjoin(Invoice, Invoice.id == unpaid_id)
        .where(Account.id == account_id)
        .execution_options(populate_existing=True)
    )
    return with_refund_facts(statement) if with_refund else statement


def billing_facts(account: Account, *, refund: bool = False) -> BillingFacts:
    """What next_payment (and, with `refund`, refund_offer) read of the account, in one query;
    none when there is nothing to read (Free, blocked; no refund possible)."""
    subscription = account.subscription
    if subscription is None or not _is_running(account):
        return NOTHING_TO_READ
    with_refund = refund and may_be_offered(account)
    row = db.session.execute(
        _billing_facts_statement(with_refund),
        {"account_id": account.id, "period_start": subscription.period_start},
    ).one()
    return BillingFacts(
        default_method=row[0],
        open_renewal_invoice=row[1],
        refund=refund_facts_in(row) if with_refund else None,
    )


def next_payment(account: Account, facts: BillingFacts | None = None) -> NextPayment | None:
    """The next charge of a running subscription, or None on Free and when blocked.

    `facts` are read unless given (see billing_facts).
    """
    subscription = account.subscription
    if subscription is None or not _is_running(account):
        return None
    if facts is None:
        facts = billing_facts(account)
    method = facts.default_method
    label = describe(method) if method is not None else None
    declined_at = method.declined_at if method is not None else None
    unpaid = facts.open_renewal_invoice
    if unpaid is not None:
        return NextPayment(
            on=subscription.period_start + timedelta(days=GRACE_DAYS),
            amount_minor=unpaid.amount_due_minor,
            currency=unpaid.currency,
            method_label=label,
            auto_renew=subscription.auto_renew,
            method_declined_at=declined_at,
            unpaid_invoice=unpaid,
        )
    if not subscription.auto_renew:
        return NextPayment(
            on=subscription.period_end,
            amount_minor=0,
            currency=account.currency or "",
            method_label=label,
            auto_renew=False,
            method_declined_at=declined_at,
        )
    breakdown = renewal_price(account)
    assert breakdown is not None
    return NextPayment(
        on=subscription.period_end,
        amount_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
        method_label=label,
        auto_renew=True,
        method_declined_at=declined_at,
        credit_used_minor=breakdown.credit_used_minor,
    )


def account_next_payment(account_id: int, facts: BillingFacts | None = None) -> NextPayment | None:
    """The next payment of one account (the caller has checked the user belongs to it)."""
    return next_payment(load_account(account_id), facts)
