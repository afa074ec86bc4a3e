"""What an account has now: the data behind My package and the back office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain.catalog import BillingPeriod, Plan
from portal.models import Account, SubscriptionStatus
from portal.services.accounts import load_account
from portal.services.reference_data import reference

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
