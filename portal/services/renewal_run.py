"""The renewal run (`flask billing renew`, for cron): renew, retry, block and warn.

Safe on several machines at once. Every step for an account happens under its row lock and
checks the state again inside it, and a charge is made only for an open renewal invoice,
through a payment row committed before the gateway is asked, with an idempotency key of its
own. A second run finds either the invoice paid or the payment in flight, and charges nothing.

One account's steps, from its state:

- period ended, auto-renewal off: blocked (back to the Free limits);
- period ended, auto-renewal on: the next period is invoiced at today's list price, account
  credit first. Covered by credit: paid, done. Otherwise the invoice stays open and is charged;
- open renewal invoice (the account is past due while it is open): charged with the default
  method, no sooner than an hour after the last attempt and at most RENEWAL_ATTEMPTS_PER_DAY
  times in 24 hours; GRACE_DAYS after the period started, still unpaid after an attempt, the
  account is blocked. Paying the invoice (by the run or the customer) makes it active at once;
- auto-renewal off and the end WARNING_DAYS away or less: one warning e-mail;
- blocked, and the period of its unpaid renewal over: a credit note cancels that invoice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from portal import clock
from portal.domain.pricing import ChangeKind
from portal.extensions import db
from portal.models import (
    Account,
    BillingActivity,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Subscription,
    SubscriptionStatus,
)
from portal.services import activity, payments
from portal.services.accounts import lock_account, try_lock_account
from portal.services.invoice_payment import open_invoice_order
from portal.services.invoicing import cancel_unpaid, issue_document
from portal.services.mailer import (
    deliver_document_soon,
    deliver_soon,
    queue_document_email,
    queue_expiry_warning,
)
from portal.services.payment_methods import default_method
from portal.services.payments import Outcome, PayResult, in_flight
from portal.services.pricing import renewal_price
from portal.services.renewal import GRACE_DAYS, WARNING_DAYS

log = logging.getLogger(__name__)

RENEWAL_RETRY_AFTER = timedelta(hours=1)
RENEWAL_ATTEMPTS_PER_DAY = 3

LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


class Step(StrEnum):
    """What the run did for one account."""

    RENEWED = "renewed"  # paid: charged, or covered by account credit
    DECLINED = "declined"  # the charge failed; the account is past due
    BLOCKED = "blocked"  # grace period over, or auto-renewal off at period end
    WAITING = "waiting"  # not yet: retry later, or a payment is in flight elsewhere
    WARNED = "warned"  # the expiry warning e-mail was queued
    CANCELLED = "cancelled"  # a blocked account's unpaid renewal, its period over
    NOTHING = "nothing"  # another run or the customer got there first
    ERROR = "error"  # something broke; logged, and tried again by the next run


@dataclass
class RunReport:
    """How many accounts ended in each step."""

    counts: dict[Step, int] = field(default_factory=lambda: dict.fromkeys(Step, 0))

    def add(self, step: Step) -> None:
        """Count one account's step."""
        self.counts[step] += 1

    @property
    def failed(self) -> bool:
        """Anything cron should hear about: a declined charge or an error."""
        return bool(self.counts[Step.DECLINED] or self.counts[Step.ERROR])

    def summary(self) -> str:
        """One line for the end of the run."""
        return ", ".join(f"{step.value} {self.counts[step]}" for step in Step)


def accounts_to_visit(today: date) -> list[int]:
    """Accounts that may need a step today (the steps check again under the lock)."""
    open_renewal = (
        select(Invoice.id)
        .where(
            Invoice.account_id == Subscription.account_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.change_kind == ChangeKind.RENEWAL,
            Invoice.period_start == Subscription.period_start,
        )
        .exists()
    )
    stale_unpaid = (
        select(Invoice.id)
        .where(
            Invoice.account_id == Subscription.account_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.period_end <= today,
        )
        .exists()
    )
    warn_from = today + timedelta(days=WARNING_DAYS)
    return list(
        db.session.scalars(
            select(Subscription.account_id)
            .where(
                or_(
                    and_(
                        Subscription.status.in_([str(status) for status in LIVE]),
                        or_(
                            Subscription.period_end <= today,
                            open_renewal,
                            and_(~Subscription.auto_renew, Subscription.period_end <= warn_from),
                        ),
                    ),
                    and_(Subscription.status == SubscriptionStatus.BLOCKED, stale_unpaid),
                )
            )
            .order_by(Subscription.account_id)
        )
    )


def run_renewals(
    today: date | None = None, *, progress: Callable[[Iterable[int]], Iterable[int]] | None = None
) -> RunReport:
    """Visit every account that needs a step; one account's error never stops the others."""
    today = today or clock.today()
    # Payments a crash left in flight are finished first: a renewal never waits on one.
    payments.reconcile()
    account_ids = accounts_to_visit(today)
    db.session.rollback()
    report = RunReport()
    for account_id in progress(account_ids) if progress else account_ids:
        try:
            steps = visit(account_id, today)
        except StaleDataError:
            # Another run changed the subscription first (SQLite, no row locks): its turn.
            db.session.rollback()
            steps = [Step.NOTHING]
        except Exception:
            log.exception("renewal run: account %s failed", account_id)
            db.session.rollback()
            steps = [Step.ERROR]
        for step in steps:
            report.add(step)
    return report


def visit(account_id: int, today: date) -> list[Step]:
    """Every step one account needs now, in order."""
    steps: list[Step] = []
    if _cancel_stale_renewal(account_id, today):
        return [Step.CANCELLED]
    warned = _warn_if_due(account_id, today)
    if warned:
        steps.append(Step.WARNED)
    outcome = _renew_or_block(account_id, today)
    if outcome is None:
        outcome = _collect(account_id, today)
    if outcome is not Step.NOTHING or not warned:
        steps.append(outcome)
    return steps


def open_renewal_invoice(subscription: Subscription) -> Invoice | None:
    """The unpaid invoice of the subscription's current period, if the renewal left one."""
    return db.session.scalar(
        select(Invoice)
        .where(
            Invoice.account_id == subscription.account_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.change_kind == ChangeKind.RENEWAL,
            Invoice.period_start == subscription.period_start,
        )
        .order_by(Invoice.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _cancel_stale_renewal(account_id: int, today: date) -> bool:
    """A blocked account's renewal still unpaid when its period is over: a credit note takes
    it back, so nobody pays for a period the account spent blocked."""
    account = try_lock_account(account_id)
    subscription = account.subscription if account is not None else None
    if account is None or subscription is None or subscription.status != SubscriptionStatus.BLOCKED:
        db.session.rollback()
        return False
    stale = db.session.scalar(
        select(Invoice.id)
        .where(
            Invoice.account_id == account_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.period_end <= today,
        )
        .limit(1)
    )
    if stale is None:
        db.session.rollback()
        return False
    if in_flight(account_id) is not None:
        # The customer is paying it right now; if that succeeds it is not stale any more.
        db.session.rollback()
        return False
    notes = cancel_unpaid(account, issued_on=today)
    emails = [queue_document_email(note) for note in notes]
    activity.record(
        account_id, None, "renewal_cancelled", documents=[note.number for note in notes]
    )
    db.session.commit()
    deliver_soon([email.id for email in emails if email is not None])
    return True


def _warn_if_due(account_id: int, today: date) -> bool:
    """Queue the one expiry warning of this period; True if it was queued now."""
    account = try_lock_account(account_id)
    subscription = account.subscription if account is not None else None
    if (
        account is None
        or subscription is None
        or subscription.auto_renew
        or subscription.status not in LIVE
        or not 0 < (subscription.period_end - today).days <= WARNING_DAYS
    ):
        db.session.rollback()
        return False
    email = queue_expiry_warning(account, subscription)
    if email is None:
        db.session.rollback()
        return False
    activity.record(
        account_id, None, "expiry_warning", period_end=subscription.period_end.isoformat()
    )
    db.session.commit()
    deliver_soon([email.id])
    return True


def _renew_or_block(account_id: int, today: date) -> Step | None:
    """At period end: block without auto-renewal, or invoice the next period.

    None means an open renewal invoice is there to be charged.
    """
    account = try_lock_account(account_id)
    if account is None:
        db.session.rollback()
        return Step.WAITING
    subscription = account.subscription
    if subscription is None or subscription.status not in LIVE:
        db.session.rollback()
        return Step.NOTHING
    if open_renewal_invoice(subscription) is not None:
        db.session.rollback()
        return None
    if subscription.period_end > today:
        db.session.rollback()
        return Step.NOTHING
    if in_flight(account_id) is not None:
        # A change the customer is paying for (3-D Secure, PayPal) was priced on the period
        # that just ended: it settles first, and the renewal then renews what it made.
        db.session.rollback()
        return Step.WAITING
    if not subscription.auto_renew:
        _block(account, subscription, "not_renewed")
        db.session.commit()
        return Step.BLOCKED

    breakdown = renewal_price(account)
    assert breakdown is not None
    covered = breakdown.amount_due_minor == 0
    with force_locale(account.billing_info.invoice_language if account.billing_info else "en"):
        paid_with = _("Account credit") if covered else ""
    invoice = issue_document(
        account,
        breakdown,
        issued_on=today,
        paid_with=paid_with,
        status=InvoiceStatus.PAID if covered else InvoiceStatus.OPEN,
    )
    subscription.period_start = breakdown.period.start
    subscription.period_end = breakdown.period.end
    subscription.agent_unit_minor = breakdown.agent_unit_minor
    subscription.pack_unit_minor = breakdown.pack_unit_minor
    account.credit_minor -= breakdown.credit_used_minor
    activity.record(
        account_id,
        None,
        "renewal",
        document=invoice.number,
        period_end=breakdown.period.end.isoformat(),
        total_minor=breakdown.total_minor,
        credit_used_minor=breakdown.credit_used_minor,
        amount_due_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
    )
    if covered:
        queue_document_email(invoice)
        db.session.commit()
        deliver_document_soon(invoice.id)
        return Step.RENEWED
    # Owed from now on: past due until paid, so no change of package can discount a period
    # that is not paid for. The open invoice is committed before any charge: a crash from
    # here on leaves a state the next run picks up (charge it), never a second invoice.
    subscription.status = SubscriptionStatus.PAST_DUE
    db.session.commit()
    return None


def _block(account: Account, subscription: Subscription, reason: str) -> None:
    """Back to the Free limits; the caller commits."""
    subscription.status = SubscriptionStatus.BLOCKED
    activity.record(
        account.id, None, "blocked", reason=reason, period_end=subscription.period_end.isoformat()
    )


def _collect(account_id: int, today: date) -> Step:
    """Charge the open renewal invoice, or wait, or block after the grace period."""
    now = clock.now()
    account = try_lock_account(account_id)
    if account is None:
        db.session.rollback()
        return Step.WAITING
    subscription = account.subscription
    invoice = open_renewal_invoice(subscription) if subscription is not None else None
    if subscription is None or subscription.status not in LIVE or invoice is None:
        db.session.rollback()
        return Step.NOTHING
    if in_flight(account_id) is not None:
        db.session.rollback()
        return Step.WAITING
    method = default_method(account_id)
    grace_over = today >= invoice.period_start + timedelta(days=GRACE_DAYS)
    if grace_over and (method is None or _attempts(invoice.id)):
        # Blocked only after the renewal was really tried (a run that starts days late
        # charges first), or when there is nothing to try it with.
        _block(account, subscription, "unpaid")
        db.session.commit()
        return Step.BLOCKED
    if method is None:
        return _mark_past_due(account, subscription, invoice, "no_method")
    if _renewal_wait(invoice, now):
        db.session.rollback()
        return Step.WAITING
    invoice_id, method_id = invoice.id, method.id
    key = f"renewal-{invoice_id}-{1 + _all_attempts(invoice_id)}"
    db.session.rollback()
    result = payments.start_payment(
        account_id=account_id,
        user_id=None,
        key=key,
        method_id=method_id,
        prepare=lambda locked: _renewal_order(locked, invoice_id),
        return_url=lambda _payment_id: "",
        off_session=True,
    )
    return _after_charge(account_id, invoice_id, result)


def _renewal_order(account: Account, invoice_id: int) -> payments.Order | PayResult:
    """Under the lock: the renewal invoice must still be open and the account live."""
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    subscription = account.subscription
    if (
        invoice is None
        or invoice.status != InvoiceStatus.OPEN
        or subscription is None
        or subscription.status not in LIVE
    ):
        return PayResult(Outcome.NOT_ALLOWED)
    return open_invoice_order(invoice, PaymentPurpose.RENEWAL)


def _after_charge(account_id: int, invoice_id: int, result: PayResult) -> Step:
    """Renewed, or past due with the open invoice e-mailed, or nothing (someone else acted)."""
    if result.outcome is Outcome.PAID:
        return Step.RENEWED
    if result.outcome in (Outcome.IN_PROGRESS, Outcome.NOT_ALLOWED):
        return Step.WAITING if result.outcome is Outcome.IN_PROGRESS else Step.NOTHING
    account = lock_account(account_id)
    subscription = account.subscription
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    if (
        subscription is None
        or subscription.status not in LIVE
        or invoice is None
        or invoice.status != InvoiceStatus.OPEN
    ):
        # Paid by the customer, or blocked by another run, in the meantime.
        db.session.rollback()
        return Step.DECLINED
    reason = str(result.decline_code) if result.decline_code else str(result.outcome)
    return _mark_past_due(account, subscription, invoice, reason)


def _attempts(invoice_id: int) -> int:
    """How many times the run has really tried to charge this renewal invoice."""
    return (
        db.session.scalar(
            select(func.count(Payment.id)).where(
                Payment.invoice_id == invoice_id,
                Payment.purpose == PaymentPurpose.RENEWAL,
                Payment.status != PaymentStatus.ABANDONED,
            )
        )
        or 0
    )


def _all_attempts(invoice_id: int) -> int:
    """Every renewal payment of the invoice, for the next attempt's own key."""
    return (
        db.session.scalar(
            select(func.count(Payment.id)).where(
                Payment.invoice_id == invoice_id, Payment.purpose == PaymentPurpose.RENEWAL
            )
        )
        or 0
    )


def _renewal_wait(invoice: Invoice, now: datetime) -> bool:
    """True while the last attempt is less than an hour old, or the day's attempts are used."""
    attempts = db.session.scalars(
        select(Payment.created_at).where(
            Payment.invoice_id == invoice.id,
            Payment.purpose == PaymentPurpose.RENEWAL,
            Payment.status != PaymentStatus.ABANDONED,
            Payment.created_at > now - timedelta(hours=24),
        )
    ).all()
    if len(attempts) >= RENEWAL_ATTEMPTS_PER_DAY:
        return True
    return any(clock.as_utc(at) + RENEWAL_RETRY_AFTER > now for at in attempts)


def _mark_past_due(
    account: Account, subscription: Subscription, invoice: Invoice, reason: str
) -> Step:
    """The renewal was not paid: past due, the open invoice e-mailed (once); commits."""
    first_failure = (
        db.session.scalar(
            select(BillingActivity.id)
            .where(
                BillingActivity.account_id == account.id,
                BillingActivity.kind == "renewal_failed",
                BillingActivity.at >= invoice.created_at,
            )
            .limit(1)
        )
        is None
    )
    subscription.status = SubscriptionStatus.PAST_DUE
    if first_failure:
        activity.record(
            account.id,
            None,
            "renewal_failed",
            document=invoice.number,
            reason=reason,
            block_on=(invoice.period_start + timedelta(days=GRACE_DAYS)).isoformat(),
        )
    queue_document_email(invoice)
    db.session.commit()
    deliver_document_soon(invoice.id)
    # Cron hears about a refused charge; a missing method counts on the first run only.
    return Step.DECLINED if reason != "no_method" or first_failure else Step.WAITING
