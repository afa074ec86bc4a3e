"""What an account has now: the data behind My package and the back office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.domain.catalog import BillingPeriod, Plan
from portal.models import Account, Invoice, SubscriptionStatus
from portal.services.accounts import load_account
from portal.services.payment_methods import default_method, describe
from portal.services.pricing import renewal_price
from portal.services.reference_data import reference
from portal.services.renewal import GRACE_DAYS
from portal.services.renewal_run import open_renewal_invoice

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
    credit_used_minor: int = 0
    unpaid_invoice: Invoice | None = None  # past due: the open renewal invoice to pay

    @property
    def covered_by_credit(self) -> bool:
        """Account credit pays all of it: nothing is charged."""
        return self.auto_renew and self.unpaid_invoice is None and self.amount_minor == 0


def next_payment(account: Account) -> NextPayment | None:
    """The next charge of a running subscription, or None on Free and when blocked."""
    subscription = account.subscription
    if subscription is None or subscription.status == SubscriptionStatus.BLOCKED:
        return None
    method = default_method(account.id)
    label = describe(method) if method is not None else None
    unpaid = open_renewal_invoice(subscription)
    if unpaid is not None:
        return NextPayment(
            on=subscription.period_start + timedelta(days=GRACE_DAYS),
            amount_minor=unpaid.amount_due_minor,
            currency=unpaid.currency,
            method_label=label,
            auto_renew=subscription.auto_renew,
            unpaid_invoice=unpaid,
        )
    if not subscription.auto_renew:
        return NextPayment(
            on=subscription.period_end,
            amount_minor=0,
            currency=account.currency or "",
            method_label=label,
            auto_renew=False,
        )
    breakdown = renewal_price(account)
    assert breakdown is not None
    return NextPayment(
        on=subscription.period_end,
        amount_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
        method_label=label,
        auto_renew=True,
        credit_used_minor=breakdown.credit_used_minor,
    )


def account_next_payment(account_id: int) -> NextPayment | None:
    """The next payment of one account (the caller has checked the user belongs to it)."""
    return next_payment(load_account(account_id))
