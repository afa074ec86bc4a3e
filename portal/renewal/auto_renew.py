"""Auto-renewal: the switch, and the warning before a subscription that will not renew ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.accounts import lock_account
from portal.activity import record as activity
from portal.domain.subscription_lifecycle import StopReason
from portal.extensions import db
from portal.models import Account, ActivityKind, SubscriptionStatus
from portal.payments.saved_methods import default_method

WARNING_DAYS = 7
# A renewal left unpaid blocks the account this many days after the new period started.
GRACE_DAYS = 3


class NoPaymentMethod(Exception):
    """Auto-renewal charges the default method; there is none."""


def set_auto_renew(
    account_id: int,
    user_id: int,
    on: bool,
    *,
    reason: StopReason | None = None,
    comment: str = "",
) -> bool | None:
    """Switch auto-renewal; None when the account has no running subscription. Turning it
    off is stopping the subscription: the reason given (and any comment) go in the activity."""
    account = lock_account(account_id)
    subscription = account.subscription
    if subscription is None or subscription.status == SubscriptionStatus.BLOCKED:
        db.session.rollback()
        return None
    if on and default_method(account_id) is None and account.credit_minor == 0:
        db.session.rollback()
        raise NoPaymentMethod
    if subscription.auto_renew != on:
        subscription.auto_renew = on
        stopped = {} if on or reason is None else {"reason": reason.value, "comment": comment}
        activity.record(
            account_id,
            user_id,
            ActivityKind.AUTO_RENEW,
            on=on,
            period_end=subscription.period_end.isoformat(),
            **stopped,
        )
    db.session.commit()
    return subscription.auto_renew


@dataclass(frozen=True)
class ExpiryWarning:
    """A subscription that ends soon without renewing."""

    ends_on: date
    days_left: int
    past_due: bool = False  # the renewal is unpaid: blocked on `ends_on` unless paid


def expiry_warning(account: Account | None, today: date) -> ExpiryWarning | None:
    """What to warn about on every page: an unpaid renewal, or (from WARNING_DAYS before the
    end of a period with auto-renewal off) the coming block."""
    if account is None:
        return None
    subscription = account.subscription
    if subscription is None or subscription.status == SubscriptionStatus.BLOCKED:
        return None
    if subscription.status == SubscriptionStatus.PAST_DUE:
        blocks_on = subscription.period_start + timedelta(days=GRACE_DAYS)
        return ExpiryWarning(blocks_on, max((blocks_on - today).days, 0), past_due=True)
    if subscription.auto_renew:
        return None
    days_left = (subscription.period_end - today).days
    if 0 <= days_left <= WARNING_DAYS:
        return ExpiryWarning(subscription.period_end, days_left)
    return None
