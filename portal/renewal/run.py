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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, ScalarSelect, and_, func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from portal import clock
from portal.account_pricing import renewal_price
from portal.accounts import try_lock_accounts
from portal.activity import record as activity
from portal.documents.issuing import build_document, cancel_unpaid, number_documents
from portal.domain.payment_lifecycle import IN_FLIGHT
from portal.domain.pricing import ChangeKind, PriceBreakdown
from portal.domain.subscription_lifecycle import LIVE, SubscriptionEvent
from portal.extensions import db
from portal.invoices.payment import open_invoice_order
from portal.mail.outbox import deliver_soon, queue_document_email, queue_expiry_warning
from portal.models import (
    Account,
    ActivityKind,
    BillingActivity,
    EmailStatus,
    Invoice,
    InvoiceStatus,
    OutgoingEmail,
    Payment,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    Subscription,
    SubscriptionStatus,
)
from portal.payments import lifecycle as payments
from portal.payments.lifecycle import Outcome, result_of
from portal.renewal.auto_renew import GRACE_DAYS, WARNING_DAYS

log = logging.getLogger(__name__)

RENEWAL_RETRY_AFTER = timedelta(hours=1)
RENEWAL_ATTEMPTS_PER_DAY = 3
# Accounts per transaction: fewer commits, and the invoice sequence held once per batch.
BATCH_SIZE = 25


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


def _needs_a_step(today: date) -> ColumnElement[bool]:
    """Subscriptions that may need a step today (the steps check again under the lock)."""
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
    return or_(
        and_(
            Subscription.status.in_(sorted(LIVE)),
            or_(
                Subscription.period_end <= today,
                open_renewal,
                and_(~Subscription.auto_renew, Subscription.period_end <= warn_from),
            ),
        ),
        and_(Subscription.status == SubscriptionStatus.BLOCKED, stale_unpaid),
    )


def accounts_to_visit(today: date) -> list[int]:
    """Accounts that may need a step today, for a progress count."""
    return list(
        db.session.scalars(
            select(Subscription.account_id)
            .where(_needs_a_step(today))
            .order_by(Subscription.account_id)
        )
    )


def _charged_elsewhere(now: datetime) -> ColumnElement[bool]:
    """Another run is charging the account's renewal right now: nothing to do here.

    A renewal charge older than STALE_AFTER is not excluded: the run visits it (and waits).
    """
    return (
        select(Payment.id)
        .where(
            Payment.account_id == Subscription.account_id,
            Payment.purpose == PaymentPurpose.RENEWAL,
            Payment.status.in_([PaymentStatus.CREATED, PaymentStatus.PROCESSING]),
            Payment.created_at > now - payments.STALE_AFTER,
        )
        .exists()
    )


def run_renewals(
    today: date | None = None,
    *,
    progress: Callable[[int], object] | None = None,
    send_mail: Callable[[list[int]], object] = deliver_soon,
    batch_size: int = BATCH_SIZE,
) -> RunReport:
    """Visit every account that needs a step; one account's error never stops the others.

    Accounts are claimed in batches (in id order, locked rows skipped on PostgreSQL), so
    several runs at once share the work. Each batch is one transaction that takes every step
    under the accounts' locks and records the renewal payments; then each payment is charged
    at the gateway and their answers settled in one more transaction. The e-mails of the
    batch go to `send_mail` (by id) once all of it is committed: drawn and sent at once by
    default, or by worker processes, or left for `flask mail deliver`.
    """
    today = today or clock.today()
    # Payments a crash left in flight are finished first: a renewal never waits on one.
    payments.reconcile()
    report = RunReport()
    after = 0
    while True:
        claimed = try_lock_accounts(
            Account.id > after,
            _needs_a_step(today),
            ~_charged_elsewhere(clock.now()),
            limit=batch_size,
        )
        if not claimed:
            db.session.rollback()
            break
        account_ids = [account.id for account in claimed]
        after = account_ids[-1]
        try:
            visited = _visit_batch(claimed, today)
        except Exception:
            # One account's problem must not cost the others their renewal: one at a time.
            log.exception("renewal run: batch %s failed; its accounts one at a time", account_ids)
            db.session.rollback()
            visited = _Visited()
            for account_id in account_ids:
                visited.merge(_visit_alone(account_id, today))
        for steps in visited.steps.values():
            for step in steps:
                report.add(step)
        send_mail(visited.email_ids)
        if progress:
            progress(len(account_ids))
    return report


@dataclass
class _Visited:
    """The steps taken per account, and the e-mails they queued (committed)."""

    steps: dict[int, list[Step]] = field(default_factory=dict)
    email_ids: list[int] = field(default_factory=list)

    def merge(self, other: _Visited) -> None:
        """Add another visit's steps and e-mails."""
        self.steps.update(other.steps)
        self.email_ids.extend(other.email_ids)


def _visit_alone(account_id: int, today: date) -> _Visited:
    """One account in a batch of its own; an error is logged and counted."""
    try:
        claimed = try_lock_accounts(Account.id == account_id, limit=1)
        if not claimed:
            db.session.rollback()
            return _Visited({account_id: [Step.WAITING]})
        return _visit_batch(claimed, today)
    except StaleDataError:
        # Another run changed the subscription first (SQLite, no row locks): its turn.
        db.session.rollback()
        return _Visited({account_id: [Step.NOTHING]})
    except Exception:
        log.exception("renewal run: account %s failed", account_id)
        db.session.rollback()
        return _Visited({account_id: [Step.ERROR]})


@dataclass
class _Batch:
    """What one batch's transaction read once for all its accounts, and what it did."""

    today: date
    methods: dict[int, PaymentMethod]
    open_renewals: dict[int, Invoice]
    busy: set[int]
    emails: list[OutgoingEmail] = field(default_factory=list)
    charges: dict[int, payments.RecordedCharge] = field(default_factory=dict)  # by account
    charged_invoices: list[int | None] = field(default_factory=list)

    def queued(self, email: OutgoingEmail | None) -> None:
        """Remember an e-mail queued in the batch, to send after the commit."""
        if email is not None:
            self.emails.append(email)


def _load_batch(accounts: list[Account], today: date) -> _Batch:
    """The default methods, open renewal invoices and payments in flight of the locked accounts."""
    ids = [account.id for account in accounts]
    methods: dict[int, PaymentMethod] = {}
    for method in db.session.scalars(
        select(PaymentMethod)
        .where(PaymentMethod.account_id.in_(ids), PaymentMethod.is_default)
        .order_by(PaymentMethod.id.desc())
    ):
        methods[method.account_id] = method  # the lowest id wins, as `default_method` has it
    starts = {
        account.id: account.subscription.period_start
        for account in accounts
        if account.subscription is not None
    }
    open_renewals: dict[int, Invoice] = {}
    for invoice in db.session.scalars(
        select(Invoice)
        .where(
            Invoice.account_id.in_(ids),
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.change_kind == ChangeKind.RENEWAL,
        )
        .order_by(Invoice.id)
        .execution_options(populate_existing=True)
    ):
        if invoice.period_start == starts.get(invoice.account_id):
            open_renewals[invoice.account_id] = invoice  # the latest, as the run always took
    busy = set(
        db.session.scalars(
            select(Payment.account_id).where(
                Payment.account_id.in_(ids), Payment.status.in_(IN_FLIGHT)
            )
        )
    )
    return _Batch(today, methods, open_renewals, busy)


def _visit_batch(accounts: list[Account], today: date) -> _Visited:
    """Every step the locked accounts need now, one commit; then their charges, settled."""
    batch = _load_batch(accounts, today)
    account_ids = [account.id for account in accounts]
    outcomes: dict[int, Step | None] = {}
    warned: set[int] = set()
    to_collect: list[tuple[Account, Invoice, bool]] = []
    renewals: list[tuple[Account, Invoice, PriceBreakdown]] = []
    for account in accounts:
        if _cancel_stale_renewal(batch, account):
            outcomes[account.id] = Step.CANCELLED
            continue
        if _warn_if_due(batch, account):
            warned.add(account.id)
        outcome = _renew_or_block(batch, account)
        if isinstance(outcome, Step):
            outcomes[account.id] = outcome
        elif outcome is None:
            to_collect.append((account, batch.open_renewals[account.id], False))
        else:
            renewals.append((account, *outcome))
    # Numbered last, all at once: the sequence row is held only from here to the commit.
    number_documents([invoice for _account, invoice, _breakdown in renewals])
    for account, invoice, breakdown in renewals:
        if _renewed(batch, account, invoice, breakdown):
            outcomes[account.id] = Step.RENEWED
        else:
            to_collect.append((account, invoice, True))
    recorded: list[tuple[Payment, str]] = []
    for account, invoice, fresh in to_collect:
        collected = _collect(batch, account, invoice, fresh)
        if isinstance(collected, Payment):
            recorded.append((collected, invoice.number))
            outcomes[account.id] = None  # decided by the charge
        else:
            outcomes[account.id] = collected
    db.session.flush()
    batch.charges = {
        payment.account_id: payments.RecordedCharge.of(payment, description)
        for payment, description in recorded
    }
    batch.charged_invoices = [payment.invoice_id for payment, _number in recorded]
    email_ids = [email.id for email in batch.emails]
    db.session.commit()
    payments.checkpoint("row_committed")
    charged = _charge(batch)
    email_ids.extend(charged.email_ids)
    steps: dict[int, list[Step]] = {}
    for account_id in account_ids:
        outcome = outcomes.get(account_id)
        final = charged.steps[account_id][0] if outcome is None else outcome
        account_steps = [Step.WARNED] if account_id in warned else []
        if final is not Step.NOTHING or account_id not in warned:
            account_steps.append(final)
        steps[account_id] = account_steps
    return _Visited(steps, email_ids)


def open_renewal_invoice_id(
    account_id: int | ColumnElement[int], period_start: date | ColumnElement[date]
) -> ScalarSelect[int]:
    """The id of the unpaid renewal invoice of the period starting on `period_start`, as a
    subquery (My package reads it in the same query as the rest of what it shows)."""
    return (
        select(Invoice.id)
        .where(
            Invoice.account_id == account_id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.change_kind == ChangeKind.RENEWAL,
            Invoice.period_start == period_start,
        )
        .order_by(Invoice.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def open_renewal_invoice(subscription: Subscription) -> Invoice | None:
    """The unpaid invoice of the subscription's current period, if the renewal left one."""
    unpaid_id = open_renewal_invoice_id(subscription.account_id, subscription.period_start)
    return db.session.scalar(
        select(Invoice).where(Invoice.id == unpaid_id).execution_options(populate_existing=True)
    )


def _cancel_stale_renewal(batch: _Batch, account: Account) -> bool:
    """A blocked account's renewal still unpaid when its period is over: a credit note takes
    it back, so nobody pays for a period the account spent blocked."""
    subscription = account.subscription
    if subscription is None or subscription.status != SubscriptionStatus.BLOCKED:
        return False
    stale = db.session.scalar(
        select(Invoice.id)
        .where(
            Invoice.account_id == account.id,
            Invoice.status == InvoiceStatus.OPEN,
            Invoice.period_end <= batch.today,
        )
        .limit(1)
    )
    if stale is None or account.id in batch.busy:
        # Nothing stale; or the customer is paying it right now, and if that succeeds it is
        # not stale any more.
        return False
    notes = cancel_unpaid(account, issued_on=batch.today)
    for note in notes:
        batch.queued(queue_document_email(note))
    activity.record(
        account.id, None, ActivityKind.RENEWAL_CANCELLED, documents=[note.number for note in notes]
    )
    return True


def _warn_if_due(batch: _Batch, account: Account) -> bool:
    """Queue the one expiry warning of this period; True if it was queued now."""
    subscription = account.subscription
    if (
        subscription is None
        or subscription.auto_renew
        or subscription.status not in LIVE
        or not 0 < (subscription.period_end - batch.today).days <= WARNING_DAYS
    ):
        return False
    email = queue_expiry_warning(account, subscription)
    if email is None:
        return False
    batch.queued(email)
    activity.record(
        account.id,
        None,
        ActivityKind.EXPIRY_WARNING,
        period_end=subscription.period_end.isoformat(),
    )
    return True


def _renew_or_block(
    batch: _Batch, account: Account
) -> Step | tuple[Invoice, PriceBreakdown] | None:
    """At period end: block without auto-renewal, or build the next period's invoice (not
    numbered yet, see `_renewed`). None means an open renewal invoice is there to be charged.
    """
    subscription = account.subscription
    if subscription is None or subscription.status not in LIVE:
        return Step.NOTHING
    if account.id in batch.open_renewals:
        return None
    if subscription.period_end > batch.today:
        return Step.NOTHING
    if account.id in batch.busy:
        # A change the customer is paying for (3-D Secure, PayPal) was priced on the period
        # that just ended: it settles first, and the renewal then renews what it made.
        return Step.WAITING
    if not subscription.auto_renew:
        _block(account, subscription, "not_renewed")
        return Step.BLOCKED

    breakdown = renewal_price(account)
    assert breakdown is not None
    covered = breakdown.amount_due_minor == 0
    with force_locale(account.billing_info.invoice_language if account.billing_info else "en"):
        paid_with = _("Account credit") if covered else ""
    invoice = build_document(
        account,
        breakdown,
        issued_on=batch.today,
        paid_with=paid_with,
        status=InvoiceStatus.PAID if covered else InvoiceStatus.OPEN,
    )
    return invoice, breakdown


def _renewed(batch: _Batch, account: Account, invoice: Invoice, breakdown: PriceBreakdown) -> bool:
    """The numbered renewal invoice moves the period on; True when account credit paid it.

    Otherwise the account is past due until it is paid, so no change of package can discount
    a period that is not paid for. The open invoice is committed with its first payment row,
    before any charge: a crash from there on leaves a state the next run picks up (the
    payment in flight is reconciled), never a second invoice.
    """
    subscription = account.subscription
    assert subscription is not None
    subscription.period_start = breakdown.period.start
    subscription.period_end = breakdown.period.end
    subscription.agent_unit_minor = breakdown.agent_unit_minor
    subscription.pack_unit_minor = breakdown.pack_unit_minor
    if breakdown.credit_used_minor:
        account.credit_minor -= breakdown.credit_used_minor
    activity.record(
        account.id,
        None,
        ActivityKind.RENEWAL,
        document=invoice.number,
        period_end=breakdown.period.end.isoformat(),
        total_minor=breakdown.total_minor,
        credit_used_minor=breakdown.credit_used_minor,
        amount_due_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
    )
    if breakdown.amount_due_minor == 0:
        batch.queued(queue_document_email(invoice, account))
        return True
    subscription.apply(SubscriptionEvent.RENEWAL_UNPAID)
    return False


def _block(account: Account, subscription: Subscription, reason: str) -> None:
    """Back to the Free limits; the caller commits."""
    subscription.apply(SubscriptionEvent.BLOCK)
    activity.record(
        account.id,
        None,
        ActivityKind.BLOCKED,
        reason=reason,
        period_end=subscription.period_end.isoformat(),
    )


def _collect(batch: _Batch, account: Account, invoice: Invoice, fresh: bool) -> Step | Payment:
    """Record the charge of the open renewal invoice, or wait, or block after the grace period.

    `fresh`: the invoice was issued in this transaction, so nothing was ever tried on it.
    """
    subscription = account.subscription
    assert subscription is not None
    assert invoice.period_start is not None  # a renewal invoice covers a period
    if account.id in batch.busy:
        return Step.WAITING
    method = batch.methods.get(account.id)
    grace_over = batch.today >= invoice.period_start + timedelta(days=GRACE_DAYS)
    if grace_over and (method is None or (not fresh and _attempts(invoice.id))):
        # Blocked only after the renewal was really tried (a run that starts days late
        # charges first), or when there is nothing to try it with.
        _block(account, subscription, "unpaid")
        return Step.BLOCKED
    if method is None:
        step, email = _mark_past_due(account, subscription, invoice, "no_method")
        batch.queued(email)
        return step
    if not fresh and _renewal_wait(invoice, clock.now()):
        return Step.WAITING
    attempt = 1 if fresh else 1 + _all_attempts(invoice.id)
    return payments.record_payment(
        account.id,
        user_id=None,
        key=f"renewal-{invoice.id}-{attempt}",
        order=open_invoice_order(invoice, PaymentPurpose.RENEWAL),
        method=method,
        flush=False,
    )


def _charge(batch: _Batch) -> _Visited:
    """Charge the committed renewal payments, then settle every answer in one transaction."""
    charged = _Visited()
    answered = payments.charge_off_session(list(batch.charges.values()))
    answers = []
    for account_id, charge in batch.charges.items():
        answer = answered[charge.payment_id]
        if answer is None:
            charged.steps[account_id] = [Step.WAITING]  # in flight: reconciled, or retried
        else:
            answers.append((charge.payment_id, answer))
    if not answers:
        return charged
    results = payments.settle_all(answers, then=_past_due_if_declined)
    for account_id, charge in batch.charges.items():
        result = results.get(charge.payment_id)
        if result is None:
            continue
        if result.outcome is Outcome.PAID:
            step = Step.RENEWED
        elif result.outcome is Outcome.IN_PROGRESS:
            step = Step.WAITING
        elif result.outcome is Outcome.NOT_ALLOWED:
            step = Step.NOTHING
        else:
            step = Step.DECLINED
        charged.steps[account_id] = [step]
    # The invoices' e-mails the settlement queued (paid, or past due).
    charged.email_ids = list(
        db.session.scalars(
            select(OutgoingEmail.id).where(
                OutgoingEmail.invoice_id.in_(batch.charged_invoices),
                OutgoingEmail.status == EmailStatus.PENDING,
            )
        )
    )
    db.session.rollback()
    return charged


def _past_due_if_declined(account: Account, payment: Payment) -> None:
    """Under the settlement's lock: a refused renewal charge leaves the account past due."""
    waiting = (PaymentStatus.CREATED, PaymentStatus.PROCESSING)  # a refund owed, say
    if payment.purpose is not PaymentPurpose.RENEWAL or payment.status in (
        PaymentStatus.SUCCEEDED,
        *waiting,
    ):
        return
    subscription = account.subscription
    invoice = db.session.get(Invoice, payment.invoice_id)
    if (
        subscription is None
        or subscription.status not in LIVE
        or invoice is None
        or invoice.status != InvoiceStatus.OPEN
    ):
        # Paid by the customer, or blocked by another run, in the meantime.
        return
    reason = str(payment.decline_code) if payment.decline_code else str(result_of(payment).outcome)
    _mark_past_due(account, subscription, invoice, reason)


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
) -> tuple[Step, OutgoingEmail | None]:
    """The renewal was not paid: past due, the open invoice e-mailed (once); the caller commits."""
    first_failure = (
        db.session.scalar(
            select(BillingActivity.id)
            .where(
                BillingActivity.account_id == account.id,
                BillingActivity.kind == ActivityKind.RENEWAL_FAILED,
                BillingActivity.at >= invoice.created_at,
            )
            .limit(1)
        )
        is None
    )
    subscription.apply(SubscriptionEvent.RENEWAL_UNPAID)
    if first_failure:
        assert invoice.period_start is not None  # a renewal invoice covers a period
        activity.record(
            account.id,
            None,
            ActivityKind.RENEWAL_FAILED,
            document=invoice.number,
            reason=reason,
            block_on=(invoice.period_start + timedelta(days=GRACE_DAYS)).isoformat(),
        )
    email = queue_document_email(invoice, account)
    # Cron hears about a refused charge; a missing method counts on the first run only.
    step = Step.DECLINED if reason != "no_method" or first_failure else Step.WAITING
    return step, email
