"""Pay for a confirmed summary: one charge and one invoice per confirmation, whatever is resent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.domain.breakdown_codec import (
    breakdown_fingerprint,
    breakdown_from_data,
    breakdown_to_data,
)
from portal.domain.pricing import ChangeNotAllowed, PriceBreakdown
from portal.extensions import db
from portal.models import (
    IN_FLIGHT,
    Account,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Subscription,
    SubscriptionStatus,
)
from portal.payments.gateway import ChargeResult, ChargeStatus, GatewayError, gateway
from portal.services import activity
from portal.services.invoicing import cancel_unpaid, issue_document, latest_invoice
from portal.services.mailer import deliver_document_soon, queue_document_email
from portal.services.payment_methods import describe, method_of
from portal.services.pricing import ChangeRequest, load_account, price_for

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(hours=1)
ATTEMPT_WINDOW = timedelta(hours=24)
MAX_DECLINES_PER_WINDOW = 5
# An SCA or PayPal step left unanswered this long no longer blocks a new payment.
ABANDONED_AFTER = timedelta(minutes=30)


class Outcome(StrEnum):
    """What happened when the customer pressed Pay."""

    PAID = "paid"
    ACTION_REQUIRED = "action_required"
    DECLINED = "declined"
    PRICE_CHANGED = "price_changed"
    RETRY_LATER = "retry_later"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    IN_PROGRESS = "in_progress"
    NO_METHOD = "no_method"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class PayResult:
    """The outcome with what the page needs to say about it."""

    outcome: Outcome
    payment_id: int | None = None
    breakdown: PriceBreakdown | None = None
    retry_at: datetime | None = None
    action_url: str | None = None
    decline_code: str | None = None
    refusal: ChangeNotAllowed | None = None


def result_of(payment: Payment) -> PayResult:
    """The outcome a stored payment stands for (a resent confirmation gets this)."""
    status = PaymentStatus(payment.status)
    if status is PaymentStatus.SUCCEEDED:
        return PayResult(Outcome.PAID, payment.id)
    if status is PaymentStatus.DECLINED:
        return PayResult(Outcome.DECLINED, payment.id, decline_code=payment.decline_code)
    if status in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.REQUIRES_APPROVAL):
        return PayResult(Outcome.ACTION_REQUIRED, payment.id, action_url=payment.action_url)
    return PayResult(Outcome.IN_PROGRESS, payment.id)


def payment_by_key(key: str) -> Payment | None:
    """The payment a confirmation key already made, if any."""
    return db.session.scalar(
        select(Payment)
        .where(Payment.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


def in_flight(account_id: int, now: datetime) -> Payment | None:
    """A payment of the account still waiting for the gateway or the customer.

    Call it under the account lock: whoever starts a payment (checkout, an invoice's Pay, the
    renewal run) checks it first, so one account never has two charges going at once.
    """
    pending = db.session.scalars(
        select(Payment).where(
            Payment.account_id == account_id, Payment.status.in_([str(s) for s in IN_FLIGHT])
        )
    ).all()
    for payment in pending:
        if payment.purpose == PaymentPurpose.RENEWAL:
            # Never given up here: the renewal run resends it with its key and settles it.
            return payment
        if clock.as_utc(payment.created_at) + ABANDONED_AFTER > now:
            return payment
        _give_up(payment)
    return None


def _give_up(payment: Payment) -> None:
    """An SCA or PayPal step left unanswered: abandoned, unless the customer confirmed it
    after all and the redirect back was lost; then the money goes straight back."""
    payment.status = PaymentStatus.DECLINED
    payment.decline_code = "abandoned"
    payment.completed_at = clock.now()
    if payment.gateway_reference is None:
        return
    try:
        charge = gateway().retrieve(payment.gateway_reference)
    except (GatewayError, LookupError):
        log.exception("could not ask the gateway about abandoned payment %s", payment.id)
        return
    if charge.status is ChargeStatus.SUCCEEDED:
        _refund_charge(payment, "confirmed_too_late")


def retry_block(account_id: int, method_id: int | None, now: datetime) -> PayResult | None:
    """Refuse a retry within an hour of a decline of the method, or after too many declines.

    Only the customer's own attempts count: the renewal run keeps its own pace, and a
    customer whose renewal was declined can pay the open invoice at once.
    """
    since = now - ATTEMPT_WINDOW
    declines = db.session.scalars(
        select(Payment.created_at)
        .where(
            Payment.account_id == account_id,
            Payment.status == PaymentStatus.DECLINED,
            Payment.decline_code != "abandoned",
            Payment.purpose != PaymentPurpose.RENEWAL,
            Payment.created_at >= since,
        )
        .order_by(Payment.created_at)
    ).all()
    if len(declines) >= MAX_DECLINES_PER_WINDOW:
        retry_at = clock.as_utc(declines[-MAX_DECLINES_PER_WINDOW]) + ATTEMPT_WINDOW
        return PayResult(Outcome.TOO_MANY_ATTEMPTS, retry_at=retry_at)
    if method_id is not None:
        last = db.session.scalar(
            select(func.max(Payment.created_at)).where(
                Payment.account_id == account_id,
                Payment.method_id == method_id,
                Payment.status == PaymentStatus.DECLINED,
                Payment.decline_code != "abandoned",
                Payment.purpose != PaymentPurpose.RENEWAL,
            )
        )
        if last is not None and clock.as_utc(last) + RETRY_AFTER > now:
            return PayResult(Outcome.RETRY_LATER, retry_at=clock.as_utc(last) + RETRY_AFTER)
    return None


def claim_key(payment: Payment) -> PayResult | None:
    """Insert the payment; if its key was taken meanwhile, the first payment's outcome.

    Two requests carrying the same confirmation at once both get here: the unique key lets
    one row in, and the other request answers with that row's outcome.
    """
    db.session.add(payment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = payment_by_key(payment.idempotency_key)
        assert existing is not None
        return result_of(existing)
    return None


def confirm_checkout(
    *,
    account_id: int,
    user_id: int,
    request: ChangeRequest,
    method_id: int | None,
    confirmation_key: str,
    seen_fingerprint: str,
    return_url: Callable[[int], str],
) -> PayResult:
    """Charge what the customer saw and apply it; any resend of the same key returns the first."""
    existing = payment_by_key(confirmation_key)
    if existing is not None:
        return result_of(existing)

    now = clock.now()
    account = load_account(account_id, for_update=True)
    existing = payment_by_key(confirmation_key)
    if existing is not None:
        db.session.rollback()
        return result_of(existing)
    busy = in_flight(account_id, now)
    if busy is not None:
        result = result_of(busy)
        db.session.rollback()
        return PayResult(Outcome.IN_PROGRESS, busy.id, action_url=result.action_url)

    try:
        breakdown = price_for(account, request, clock.today())
    except ChangeNotAllowed as refusal:
        # A forged or stale form: the page said so already; nothing is charged.
        db.session.rollback()
        return PayResult(Outcome.NOT_ALLOWED, refusal=refusal)
    if breakdown_fingerprint(breakdown) != seen_fingerprint:
        db.session.rollback()
        return PayResult(Outcome.PRICE_CHANGED, breakdown=breakdown)

    method = method_of(account_id, method_id) if method_id is not None else None
    if breakdown.amount_due_minor > 0 and method is None:
        db.session.rollback()
        return PayResult(Outcome.NO_METHOD, breakdown=breakdown)
    if breakdown.amount_due_minor > 0:
        blocked = retry_block(account_id, method.id if method else None, now)
        if blocked is not None:
            db.session.commit()  # keeps abandoned payments marked
            return blocked

    payment = Payment(
        account_id=account_id,
        user_id=user_id,
        idempotency_key=confirmation_key,
        method_id=method.id if method and breakdown.amount_due_minor > 0 else None,
        method_label=describe(method) if method and breakdown.amount_due_minor > 0 else "",
        status=PaymentStatus.PROCESSING,
        purpose=PaymentPurpose.CHECKOUT,
        amount_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
        breakdown=breakdown_to_data(breakdown),
        created_at=now,
    )
    duplicate = claim_key(payment)
    if duplicate is not None:
        return duplicate

    if breakdown.amount_due_minor == 0:
        _apply(account, payment, breakdown, reference=None)
        db.session.commit()
        deliver_document_soon(payment.invoice_id)
        return PayResult(Outcome.PAID, payment.id)

    db.session.commit()  # the payment row exists before the gateway is asked
    assert method is not None
    charge = gateway().charge(
        token=method.token,
        amount_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
        idempotency_key=confirmation_key,
        description=_("Subscription"),
        return_url=return_url(payment.id),
    )
    return settle(account_id, payment.id, charge)


def settle(account_id: int, payment_id: int, charge: ChargeResult) -> PayResult:
    """Record the gateway's answer; a success applies the breakdown or pays the open invoice."""
    account = load_account(account_id, for_update=True)
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    assert payment is not None
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.DECLINED):
        if charge.status is ChargeStatus.SUCCEEDED and payment.decline_code == "abandoned":
            # Given up a moment ago, confirmed after all: nothing was made of it.
            _refund_charge(payment, "confirmed_too_late")
            db.session.commit()
        else:
            db.session.rollback()
        return result_of(payment)
    payment.gateway_reference = charge.reference
    pays_invoice = payment.purpose in (PaymentPurpose.INVOICE, PaymentPurpose.RENEWAL)
    invoice = db.session.get(Invoice, payment.invoice_id) if pays_invoice else None
    if (
        charge.status is ChargeStatus.SUCCEEDED
        and invoice is not None
        and invoice.status != InvoiceStatus.OPEN
    ):
        # Cancelled or paid otherwise while the customer was at the bank: give it back.
        payment.status = PaymentStatus.DECLINED
        payment.completed_at = clock.now()
        _refund_charge(payment, "invoice_closed")
    elif charge.status is ChargeStatus.SUCCEEDED and pays_invoice:
        _apply_invoice_payment(account, payment, charge.reference)
    elif charge.status is ChargeStatus.SUCCEEDED:
        _apply(account, payment, breakdown_from_data(payment.breakdown or {}), charge.reference)
    elif (
        charge.status is ChargeStatus.REQUIRES_ACTION and payment.purpose != PaymentPurpose.RENEWAL
    ):
        payment.status = (
            PaymentStatus.REQUIRES_APPROVAL
            if payment.method_label.startswith("PayPal")
            else PaymentStatus.REQUIRES_ACTION
        )
        payment.action_url = charge.action_url
    else:
        payment.status = PaymentStatus.DECLINED
        payment.decline_code = charge.decline_code or (
            "authentication_required"
            if charge.status is ChargeStatus.REQUIRES_ACTION
            else "card_declined"
        )
        payment.completed_at = clock.now()
        activity.record(
            account_id,
            payment.user_id,
            "payment_declined",
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            method=payment.method_label,
            reason=payment.decline_code,
        )
    db.session.commit()
    deliver_document_soon(payment.invoice_id)
    return result_of(payment)


def complete_action(
    account_id: int, payment_id: int, *, purpose: PaymentPurpose | None = None
) -> PayResult | None:
    """After the SCA or PayPal page: ask the gateway how it ended; None if not this account's
    (or, when `purpose` is given, not a payment for that)."""
    query = select(Payment).where(Payment.id == payment_id, Payment.account_id == account_id)
    if purpose is not None:
        query = query.where(Payment.purpose == purpose)
    payment = db.session.scalar(query)
    if payment is None:
        return None
    if payment.status not in (PaymentStatus.REQUIRES_ACTION, PaymentStatus.REQUIRES_APPROVAL):
        refund_late_approval(payment)
        return result_of(payment)
    assert payment.gateway_reference is not None
    return settle(account_id, payment.id, gateway().retrieve(payment.gateway_reference))


def refund_late_approval(payment: Payment) -> None:
    """A 3-D Secure or PayPal step confirmed after the payment was given up as abandoned:
    the money went through for a change that was never made, so it goes straight back."""
    if (
        payment.status != PaymentStatus.DECLINED
        or payment.decline_code != "abandoned"
        or payment.gateway_reference is None
    ):
        return
    if gateway().retrieve(payment.gateway_reference).status is not ChargeStatus.SUCCEEDED:
        return
    _refund_charge(payment, "confirmed_too_late")
    db.session.commit()


def _refund_charge(payment: Payment, reason: str) -> None:
    """Give back a charge that paid for nothing; the caller commits what is recorded."""
    assert payment.gateway_reference is not None
    answer = gateway().refund(
        reference=payment.gateway_reference,
        amount_minor=payment.amount_minor,
        idempotency_key=f"give-back-{payment.id}",
    )
    if not answer.succeeded:
        log.error("could not give back charge %s of payment %s", answer.reference, payment.id)
        return
    payment.decline_code = reason
    payment.refund_reference = answer.reference
    payment.refunded_at = clock.now()
    activity.record(
        payment.account_id,
        payment.user_id,
        "charge_refunded",
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        method=payment.method_label,
        reason=reason,
    )


def _apply_invoice_payment(account: Account, payment: Payment, reference: str) -> None:
    """An open invoice is paid: mark it, and lift a past-due or blocked state at once."""
    invoice = db.session.get(Invoice, payment.invoice_id)
    assert invoice is not None
    invoice.status = InvoiceStatus.PAID
    invoice.paid_with = payment.method_label
    payment.status = PaymentStatus.SUCCEEDED
    payment.gateway_reference = reference
    payment.completed_at = clock.now()
    subscription = account.subscription
    if subscription is not None and subscription.status != SubscriptionStatus.ACTIVE:
        subscription.status = SubscriptionStatus.ACTIVE
    if payment.purpose == PaymentPurpose.RENEWAL:
        queue_document_email(invoice)  # at most one e-mail per document
    activity.record(
        account.id,
        payment.user_id,
        "invoice_paid",
        document=invoice.number,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        method=payment.method_label,
    )


def _apply(
    account: Account, payment: Payment, breakdown: PriceBreakdown, reference: str | None
) -> None:
    """Make the paid breakdown real: subscription, credit, invoice, payment, activity."""
    today = clock.today()
    config = breakdown.configuration
    subscription = account.subscription
    if subscription is None:
        subscription = Subscription(account_id=account.id)
        account.subscription = subscription
    elif subscription.status == SubscriptionStatus.BLOCKED:
        # A new package replaces the blocked one: its unpaid renewal is not owed any more.
        for note in cancel_unpaid(account, issued_on=today):
            queue_document_email(note)
    subscription.plan = str(config.plan)
    subscription.billing_period = str(config.period)
    subscription.agents = config.agents
    subscription.packs = config.packs
    subscription.anchor_date = breakdown.anchor
    subscription.period_start = breakdown.period.start
    subscription.period_end = breakdown.period.end
    subscription.agent_unit_minor = breakdown.agent_unit_minor
    subscription.pack_unit_minor = breakdown.pack_unit_minor
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.auto_renew = True
    account.currency = breakdown.currency
    if account.credit_minor < breakdown.credit_used_minor:
        raise RuntimeError("account credit changed while a payment was in flight")
    account.credit_minor += breakdown.credit_added_minor - breakdown.credit_used_minor

    paid_with = payment.method_label or _("Account credit")
    invoice = issue_document(
        account,
        breakdown,
        issued_on=today,
        paid_with=paid_with,
        status=InvoiceStatus.PAID,
        corrects=latest_invoice(account.id) if breakdown.is_credit_note else None,
    )
    queue_document_email(invoice)
    payment.status = PaymentStatus.SUCCEEDED
    payment.invoice_id = invoice.id
    payment.gateway_reference = reference
    payment.completed_at = clock.now()
    activity.record(
        account.id,
        payment.user_id,
        "purchase",
        change=str(breakdown.kind),
        plan=str(config.plan),
        period=str(config.period),
        agents=config.agents,
        packs=config.packs,
        document=invoice.number,
        total_minor=breakdown.total_minor,
        amount_paid_minor=breakdown.amount_due_minor,
        currency=breakdown.currency,
    )


@dataclass(frozen=True)
class Receipt:
    """What the confirmation page shows about a paid change."""

    payment: Payment
    invoice: Invoice
    breakdown: PriceBreakdown


def paid_change(account_id: int, payment_id: int) -> Receipt | None:
    """A succeeded payment of the account with its document; None otherwise."""
    payment = db.session.scalar(
        select(Payment).where(
            Payment.id == payment_id,
            Payment.account_id == account_id,
            Payment.status == PaymentStatus.SUCCEEDED,
        )
    )
    if payment is None or payment.invoice_id is None or payment.breakdown is None:
        return None
    invoice = db.session.get(Invoice, payment.invoice_id)
    assert invoice is not None
    return Receipt(payment, invoice, breakdown_from_data(payment.breakdown))
