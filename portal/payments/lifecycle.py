"""One payment lifecycle for every purpose: start, confirm, settle, give back, reconcile.

Checkout, seat changes, an open invoice's Pay, renewals and refunds all pay through here;
what differs per purpose is only what a payment is for (`Order`) and what its success does
(`PurposeHandler`). The states and their transitions are the table in
`portal.domain.payment_lifecycle`.

The commit rule, everywhere in this module:

1. The account is locked (`lock_account`: a row lock on PostgreSQL, the write lock on
   SQLite) for every read that decides and every write that follows from it, and the
   transaction commits before anything else happens. Nothing waits for the gateway with the
   lock held, so a slow gateway never stalls the account, and the sandbox (which writes to
   the same database) never waits for us.
2. The payment row is committed ``created`` before the gateway is asked; the gateway's
   object is created with the payment's idempotency key and its reference committed
   (``processing``) before it is confirmed. No money moves before both are recorded.
3. The gateway's answer is settled under the lock, re-reading the payment: whoever settles
   first (the customer's return, a second tab, the reconciliation) wins, the others change
   nothing.

A crash between any two steps leaves a payment in flight, which `reconcile_payment` finishes
by asking the gateway: charged and still wanted → settled with its invoice; charged and no
longer wanted → refunded; not charged → declined or abandoned.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import func, or_, select, update

from portal import clock
from portal.accounts import lock_account, lock_accounts
from portal.activity import record as activity
from portal.domain.payment_lifecycle import (
    IN_FLIGHT,
    DeclineCode,
    PaymentEvent,
    PaymentPurpose,
    PaymentStatus,
    RefundReason,
    refusal_event,
)
from portal.domain.pricing import ChangeNotAllowed, PriceBreakdown
from portal.extensions import db, matched_rows
from portal.mail.outbox import deliver_document_soon
from portal.models import Account, ActivityKind, MethodKind, Payment, PaymentMethod
from portal.payments.gateway import (
    ChargeResult,
    ChargeStatus,
    GatewayError,
    customer_reference,
    gateway,
)
from portal.payments.saved_methods import describe, method_of
from portal.security import ConfirmationKey

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(hours=1)
ATTEMPT_WINDOW = timedelta(hours=24)
MAX_DECLINES_PER_WINDOW = 5
# A 3-D Secure or PayPal step left unanswered this long is given up (cancelled at the gateway).
ABANDON_AFTER = timedelta(minutes=30)
# A payment still created or processing this long lost its request (a crash, a lost reply):
# it is reconciled with the gateway instead of being waited for.
STALE_AFTER = timedelta(minutes=1)


class Outcome(StrEnum):
    """What happened when the customer pressed Pay (or the run charged)."""

    PAID = "paid"
    ACTION_REQUIRED = "action_required"
    DECLINED = "declined"  # the bank refused it: the method waits before it is tried again
    CANCELLED = "cancelled"  # the customer cancelled at the gateway's page: try again at once
    ABANDONED = "abandoned"  # given up before it was charged: nothing was taken
    REFUNDED = "refunded"  # charged, then given back: nothing changed
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
    decline_code: DeclineCode | None = None
    refund_reason: RefundReason | None = None
    refusal: ChangeNotAllowed | None = None
    reason: str | None = None  # a purpose's own refusal code (a quote that closed, say)


@dataclass(frozen=True)
class Order:
    """What one payment is for, as the purpose's own code prices it under the lock."""

    purpose: PaymentPurpose
    amount_minor: int
    currency: str
    description: str
    breakdown: dict[str, Any] | None = None
    basis: str | None = None
    invoice_id: int | None = None
    sales_quote_id: int | None = None


class PurposeHandler(Protocol):
    """What a purpose does when its payment succeeds; called under the account lock."""

    def still_wanted(self, account: Account, payment: Payment) -> RefundReason | None:
        """None if the payment should still be applied, else why its money goes back."""
        ...

    def apply(self, account: Account, payment: Payment) -> None:
        """Make what was paid for real (documents, package); sets `payment.invoice_id`."""
        ...


HANDLERS_KEY = "portal.payment_handlers"


def install_handlers(app: Flask, handlers: Mapping[PaymentPurpose, PurposeHandler]) -> None:
    """Give the app the handler of every purpose (`portal.payment_purposes` names them when
    the app is created); a purpose without one stops start-up."""
    missing = [str(purpose) for purpose in PaymentPurpose if purpose not in handlers]
    if missing:
        raise LookupError(f"no payment handler for {', '.join(missing)}")
    app.extensions[HANDLERS_KEY] = dict(handlers)


def _handler(purpose: PaymentPurpose) -> PurposeHandler:
    """The handler of a purpose, as the app was given them."""
    handlers: dict[PaymentPurpose, PurposeHandler] = current_app.extensions[HANDLERS_KEY]
    return handlers[purpose]


def result_of(payment: Payment) -> PayResult:
    """The outcome a stored payment stands for (a resent confirmation gets this)."""
    outcome = {
        PaymentStatus.SUCCEEDED: Outcome.PAID,
        PaymentStatus.DECLINED: Outcome.DECLINED,
        PaymentStatus.CANCELLED: Outcome.CANCELLED,
        PaymentStatus.REQUIRES_ACTION: Outcome.ACTION_REQUIRED,
        PaymentStatus.ABANDONED: Outcome.ABANDONED,
        PaymentStatus.REFUNDED: Outcome.REFUNDED,
    }.get(payment.status, Outcome.IN_PROGRESS)
    return PayResult(
        outcome,
        payment.id,
        action_url=payment.action_url if outcome is Outcome.ACTION_REQUIRED else None,
        decline_code=payment.decline_code,
        refund_reason=payment.refund_reason,
    )


def payment_by_key(key: str) -> Payment | None:
    """The payment a confirmation key already made, if any."""
    return db.session.scalar(
        select(Payment)
        .where(Payment.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


def account_payment(account_id: int, payment_id: int) -> Payment | None:
    """One payment of the account; None for another account's id or one that does not exist."""
    return db.session.scalar(
        select(Payment)
        .where(Payment.id == payment_id, Payment.account_id == account_id)
        .execution_options(populate_existing=True)
    )


def in_flight(account_id: int) -> Payment | None:
    """The account's payment still waiting for the gateway or the customer, if any.

    Whoever starts a payment checks it under the account lock, so one account never has two
    charges going at once.
    """
    return db.session.scalar(
        select(Payment)
        .where(
            Payment.account_id == account_id,
            Payment.status.in_(IN_FLIGHT),
        )
        .order_by(Payment.id)
        .limit(1)
    )


def is_stale(payment: Payment, now: datetime) -> bool:
    """Whether an in-flight payment should be asked about instead of waited for."""
    age = now - clock.as_utc(payment.created_at)
    if payment.status is PaymentStatus.REQUIRES_ACTION:
        return age >= ABANDON_AFTER
    return age >= STALE_AFTER


def retry_block(account_id: int, method_id: int | None, now: datetime) -> PayResult | None:
    """Refuse a retry within an hour of a decline of the method, or after too many declines.

    Only the customer's own attempts count: the renewal run keeps its own pace, and a
    customer whose renewal was declined can pay the open invoice at once.
    """
    declined_by_customer = (
        Payment.account_id == account_id,
        Payment.status == PaymentStatus.DECLINED,
        Payment.purpose != PaymentPurpose.RENEWAL,
    )
    declines = db.session.scalars(
        select(Payment.created_at)
        .where(*declined_by_customer, Payment.created_at >= now - ATTEMPT_WINDOW)
        .order_by(Payment.created_at)
    ).all()
    if len(declines) >= MAX_DECLINES_PER_WINDOW:
        retry_at = clock.as_utc(declines[-MAX_DECLINES_PER_WINDOW]) + ATTEMPT_WINDOW
        return PayResult(Outcome.TOO_MANY_ATTEMPTS, retry_at=retry_at)
    if method_id is not None:
        last = db.session.scalar(
            select(func.max(Payment.created_at)).where(
                *declined_by_customer, Payment.method_id == method_id
            )
        )
        if last is not None and clock.as_utc(last) + RETRY_AFTER > now:
            return PayResult(Outcome.RETRY_LATER, retry_at=clock.as_utc(last) + RETRY_AFTER)
    return None


def checkpoint(name: str) -> None:
    """A step boundary of a payment; the crash tests kill the process here.

    Only an app configured with PAYMENT_KILL_AT (the crash tests' servers) ever stops here.
    """
    if current_app.config.get("PAYMENT_KILL_AT") == name:
        log.warning("killed at payment step %s (PAYMENT_KILL_AT)", name)
        os.kill(os.getpid(), signal.SIGKILL)


def start_payment(
    *,
    account_id: int,
    user_id: int | None,
    key: ConfirmationKey,
    method_id: int | None,
    prepare: Callable[[Account], Order | PayResult],
    return_url: Callable[[int], str],
    off_session: bool = False,
) -> PayResult:
    """Record, create, confirm and settle one payment; any resend of the key gets the first.

    `prepare` runs under the account lock and prices what is paid for, or refuses it.
    """
    for _attempt in range(2):
        existing = payment_by_key(key)
        if existing is not None:
            db.session.rollback()
            return _resent(existing, account_id)
        db.session.rollback()  # what was read before the lock is not trusted
        account = lock_account(account_id)
        existing = payment_by_key(key)
        if existing is not None:
            db.session.rollback()
            return _resent(existing, account_id)
        now = clock.now()
        busy = in_flight(account_id)
        if busy is None:
            break
        busy_id, stale = busy.id, is_stale(busy, now)
        db.session.rollback()
        if not stale:
            return PayResult(Outcome.IN_PROGRESS, busy_id, action_url=busy.action_url)
        # Left behind by a crash or a lost reply: find out now, not in half an hour.
        reconcile_payment(busy_id)
    else:
        return PayResult(Outcome.IN_PROGRESS)

    prepared = prepare(account)
    if isinstance(prepared, PayResult):
        db.session.commit()  # what `prepare` wrote on the way (a cancelled renewal) is kept
        return prepared
    order = prepared
    method = method_of(account_id, method_id) if method_id is not None else None
    if order.amount_minor > 0 and method is None:
        db.session.rollback()
        return PayResult(Outcome.NO_METHOD)
    if order.amount_minor > 0 and order.purpose is not PaymentPurpose.RENEWAL:
        assert method is not None
        blocked = retry_block(account_id, method.id, now)
        if blocked is not None:
            db.session.rollback()
            return blocked
    charged = method if order.amount_minor > 0 else None
    payment = record_payment(account_id, user_id=user_id, key=key, order=order, method=charged)
    if order.amount_minor == 0:
        # Nothing to charge (account credit covers it): applied at once, in this transaction.
        _handler(order.purpose).apply(account, payment)
        _succeed(payment, reference=None)
        db.session.commit()
        deliver_document_soon(payment.invoice_id)
        return PayResult(Outcome.PAID, payment.id)
    db.session.commit()
    checkpoint("row_committed")
    return _create_and_confirm(
        payment.id,
        description=order.description,
        return_url=return_url(payment.id),
        off_session=off_session,
    )


def record_payment(
    account_id: int,
    *,
    user_id: int | None,
    key: str,
    order: Order,
    method: PaymentMethod | None,
    flush: bool = True,
) -> Payment:
    """Add the payment row, ``created``, to the locked account's transaction; the caller commits
    it before the gateway is asked (`charge_off_session`, or `start_payment` itself)."""
    payment = Payment(
        account_id=account_id,
        user_id=user_id,
        idempotency_key=key,
        method_id=method.id if method else None,
        method_label=describe(method) if method else "",
        method_kind=MethodKind(method.kind) if method else None,
        method_token=method.token if method else None,
        status=PaymentStatus.CREATED,
        purpose=order.purpose,
        amount_minor=order.amount_minor,
        currency=order.currency,
        breakdown=order.breakdown,
        basis=order.basis,
        invoice_id=order.invoice_id,
        sales_quote_id=order.sales_quote_id,
        created_at=clock.now(),
    )
    db.session.add(payment)
    if flush:
        db.session.flush()
    return payment


@dataclass(frozen=True)
class RecordedCharge:
    """What the gateway needs of a committed ``created`` payment, read before the commit."""

    payment_id: int
    account_id: int
    token: str
    amount_minor: int
    currency: str
    key: str
    description: str
    return_url: str = ""  # where the customer's SCA or PayPal step comes back (on-session)

    @classmethod
    def of(cls, payment: Payment, description: str, return_url: str = "") -> RecordedCharge:
        """The charge of a payment row (with a method) that is about to be committed."""
        assert payment.method_token is not None and payment.amount_minor > 0
        return cls(
            payment.id,
            payment.account_id,
            payment.method_token,
            payment.amount_minor,
            payment.currency,
            payment.idempotency_key,
            description,
            return_url,
        )


def charge_off_session(charges: list[RecordedCharge]) -> dict[int, ChargeResult | None]:
    """`create_and_confirm` for payments made with nobody at the screen (the renewal run)."""
    return create_and_confirm(charges, off_session=True)


def create_and_confirm(
    charges: list[RecordedCharge], *, off_session: bool
) -> dict[int, ChargeResult | None]:
    """Create the gateway's objects, record their references, confirm them; nothing is settled.

    The payment rows must be committed already; the references are committed together
    before any of them is confirmed. By payment id, the gateway's answer to settle (with
    `settle` or `settle_all`), or None when the gateway did not answer or the payment moved
    on meanwhile: it stays in flight for `reconcile` (or whoever moved it).
    """
    created: dict[int, ChargeResult] = {}
    for charge in charges:
        try:
            created[charge.payment_id] = gateway().create_payment(
                token=charge.token,
                amount_minor=charge.amount_minor,
                currency=charge.currency,
                idempotency_key=charge.key,
                description=charge.description,
                customer=customer_reference(charge.account_id),
                off_session=off_session,
            )
        except GatewayError:
            log.exception(
                "gateway unavailable creating payment %s; reconciliation finishes it",
                charge.payment_id,
            )
    checkpoint("gateway_created")
    attached = _attach_all({payment_id: made.reference for payment_id, made in created.items()})
    answers: dict[int, ChargeResult | None] = {}
    for charge in charges:
        made = created.get(charge.payment_id)
        if made is None or charge.payment_id not in attached:
            answers[charge.payment_id] = None
        elif made.status is not ChargeStatus.REQUIRES_CONFIRMATION:
            answers[charge.payment_id] = made  # confirmed as it was created (Stripe)
        else:
            try:
                answers[charge.payment_id] = gateway().confirm_payment(
                    made.reference, return_url=charge.return_url
                )
            except GatewayError:
                log.exception(
                    "gateway unavailable confirming payment %s; reconciliation asks",
                    charge.payment_id,
                )
                answers[charge.payment_id] = None
            checkpoint("gateway_confirmed")
    return answers


def _resent(payment: Payment, account_id: int) -> PayResult:
    """A confirmation key seen before: the first payment's outcome (its own account only)."""
    if payment.account_id != account_id:
        return PayResult(Outcome.NOT_ALLOWED)
    return result_of(payment)


def _create_and_confirm(
    payment_id: int, *, description: str, return_url: str, off_session: bool
) -> PayResult:
    """The gateway's object first (its reference recorded), then the confirmation, then settle."""
    charge = RecordedCharge.of(_reloaded(payment_id), description, return_url)
    db.session.rollback()
    answer = create_and_confirm([charge], off_session=off_session)[payment_id]
    if answer is None:
        # Unanswered (the reconciliation asks), or moved on meanwhile: as it stands now.
        return result_of(_reloaded(payment_id))
    return settle(payment_id, answer)


def _reloaded(payment_id: int) -> Payment:
    """The payment as the database has it now."""
    payment = db.session.get(Payment, payment_id, populate_existing=True)
    assert payment is not None
    return payment


def _attach_all(references: dict[int, str]) -> set[int]:
    """Record the gateway's references, one commit: created → processing. The ids whose
    reference is recorded (not those that moved on meanwhile)."""
    attached = set()
    for payment_id, reference in references.items():
        updated = db.session.execute(
            update(Payment)
            .where(Payment.id == payment_id, Payment.status == PaymentStatus.CREATED)
            .values(status=PaymentStatus.PROCESSING, gateway_reference=reference)
            .execution_options(synchronize_session=False)
        )
        if matched_rows(updated) == 1:
            attached.add(payment_id)
    db.session.commit()
    for payment_id in references.keys() - attached:
        # Already attached (a reconciliation got here first) with this very reference?
        payment = _reloaded(payment_id)
        if (
            payment.status is PaymentStatus.PROCESSING
            and payment.gateway_reference == references[payment_id]
        ):
            attached.add(payment_id)
        db.session.rollback()
    return attached


def settle(payment_id: int, charge: ChargeResult) -> PayResult:
    """Record the gateway's answer under the lock; the first answer settled wins."""
    account_id = db.session.scalar(select(Payment.account_id).where(Payment.id == payment_id))
    assert account_id is not None
    db.session.rollback()
    account = lock_account(account_id)
    payment = _reloaded(payment_id)
    refund_owed = _settle_locked(account, payment, charge)
    checkpoint("before_settlement_commit")
    db.session.commit()
    if payment.status is PaymentStatus.SUCCEEDED:
        deliver_document_soon(payment.invoice_id)
    if refund_owed:
        give_back(payment_id)
        return result_of(_reloaded(payment_id))
    return result_of(payment)


def settle_all(
    answers: list[tuple[int, ChargeResult]],
    then: Callable[[Account, Payment], None] | None = None,
) -> dict[int, PayResult]:
    """`settle` for many payments in one transaction, their accounts locked in id order.

    `then` runs for each payment under the same lock, after its answer is recorded (the
    renewal run marks a declined renewal past due there). Nothing is delivered: the caller
    sends the e-mails the settlement queued. Returns each payment's result by id.
    """
    if not answers:
        return {}
    answer_of = dict(answers)
    db.session.rollback()
    account_ids = db.session.scalars(
        select(Payment.account_id).where(Payment.id.in_(answer_of)).distinct()
    ).all()
    db.session.rollback()
    accounts = lock_accounts(sorted(account_ids))
    # Read again under the locks: what was read before them is not trusted.
    settled = db.session.scalars(
        select(Payment)
        .where(Payment.id.in_(answer_of))
        .order_by(Payment.account_id, Payment.id)
        .execution_options(populate_existing=True)
    ).all()
    refunds = []
    # Written in one flush at the commit: each payment's rows are its own, none reads another's.
    with db.session.no_autoflush:
        for payment in settled:
            account = accounts[payment.account_id]
            if _settle_locked(account, payment, answer_of[payment.id]):
                refunds.append(payment.id)
            if then is not None:
                then(account, payment)
    results = {payment.id: result_of(payment) for payment in settled}
    checkpoint("before_settlement_commit")
    db.session.commit()
    for payment_id in refunds:
        give_back(payment_id)
        results[payment_id] = result_of(_reloaded(payment_id))
    return results


def _settle_locked(account: Account, payment: Payment, charge: ChargeResult) -> bool:
    """Apply one answer to a payment read under its account's lock; True if a refund is owed."""
    refund_owed = False
    if payment.status in IN_FLIGHT:
        if payment.gateway_reference is None and charge.reference:
            payment.gateway_reference = charge.reference
            payment.apply(PaymentEvent.ATTACH)
        refund_owed = _record_answer(account, payment, charge)
    elif payment.status is PaymentStatus.ABANDONED and charge.status is ChargeStatus.SUCCEEDED:
        # Approved at the bank after it was given up: nothing was made of it.
        if payment.refund_reason is None:
            payment.refund_reason = RefundReason.CONFIRMED_TOO_LATE
        refund_owed = True
    elif payment.status is PaymentStatus.SUCCEEDED and payment.gateway_reference is None:
        payment.gateway_reference = charge.reference
    return refund_owed


def _record_answer(account: Account, payment: Payment, charge: ChargeResult) -> bool:
    """Apply one gateway answer to an in-flight payment; True when its money must go back."""
    if charge.status is ChargeStatus.SUCCEEDED:
        reason = _handler(payment.purpose).still_wanted(account, payment)
        if reason is not None:
            payment.refund_reason = reason  # settled as refunded once the gateway gave it back
            return True
        _handler(payment.purpose).apply(account, payment)
        _succeed(payment, charge.reference)
        return False
    if charge.status is ChargeStatus.REQUIRES_ACTION:
        if payment.status is PaymentStatus.PROCESSING:
            payment.apply(PaymentEvent.REQUIRE_ACTION)
            payment.action_url = charge.action_url
        return False
    if charge.status is ChargeStatus.DECLINED:
        # The bank's decline, or the customer's own cancellation at the gateway's page.
        code = charge.decline_code or DeclineCode.CARD_DECLINED
        event = refusal_event(code)
        payment.apply(event)
        payment.decline_code = code
        payment.completed_at = clock.now()
        refusal = {
            "amount_minor": payment.amount_minor,
            "currency": payment.currency,
            "method": payment.method_label,
            "reason": str(code),
        }
        if event is PaymentEvent.DECLINE:
            _mark_method(payment, declined_at=payment.completed_at)
            activity.record(
                payment.account_id, payment.user_id, ActivityKind.PAYMENT_DECLINED, **refusal
            )
        else:
            activity.record(
                payment.account_id, payment.user_id, ActivityKind.PAYMENT_CANCELLED, **refusal
            )
        return False
    if charge.status is ChargeStatus.CANCELLED:
        payment.apply(PaymentEvent.ABANDON)
        payment.completed_at = clock.now()
    return False


def _succeed(payment: Payment, reference: str | None) -> None:
    """The payment is settled as paid; its method is not flagged as declined any more."""
    payment.apply(PaymentEvent.SUCCEED)
    if reference is not None:
        payment.gateway_reference = reference
    payment.action_url = None
    payment.completed_at = clock.now()
    _mark_method(payment, declined_at=None)


def _mark_method(payment: Payment, *, declined_at: datetime | None) -> None:
    """Flag the payment's saved method as declined by the bank (at that moment), or clear
    the flag (None); a method removed since has nothing to flag."""
    if payment.method_id is None:
        return
    method = db.session.get(PaymentMethod, payment.method_id)
    if method is not None and method.account_id == payment.account_id:
        method.declined_at = declined_at


def give_back(payment_id: int, reason: RefundReason | None = None) -> bool:
    """Refund a charge in full, then record it; True once it is refunded.

    The gateway is asked first, without the lock, with a key of this payment's own: a retry
    after a refusal or a crash refunds nothing twice. Then the lock, and the transition.
    """
    payment = _reloaded(payment_id)
    reason = reason or payment.refund_reason
    reference, amount, account_id = (
        payment.gateway_reference,
        payment.amount_minor,
        payment.account_id,
    )
    db.session.rollback()
    if payment.status is PaymentStatus.REFUNDED:
        return True
    assert reason is not None and reference is not None
    try:
        answer = gateway().refund(
            reference=reference, amount_minor=amount, idempotency_key=f"refund-{payment_id}"
        )
    except (GatewayError, LookupError):
        log.exception("could not refund payment %s; tried again by reconciliation", payment_id)
        return False
    if not answer.succeeded:
        log.error("the gateway refused to refund payment %s", payment_id)
        return False
    lock_account(account_id)
    payment = _reloaded(payment_id)
    if payment.status is PaymentStatus.REFUNDED:
        db.session.rollback()
        return True
    payment.apply(PaymentEvent.REFUND)
    payment.refund_reason = reason
    payment.refund_reference = answer.reference
    payment.refunded_at = clock.now()
    payment.completed_at = payment.completed_at or clock.now()
    if reason is not RefundReason.FULL_REFUND:
        activity.record(
            account_id,
            payment.user_id,
            ActivityKind.CHARGE_REFUNDED,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            method=payment.method_label,
            reason=str(reason),
        )
    db.session.commit()
    return True


def complete_action(account_id: int, payment_id: int) -> PayResult | None:
    """Back from the SCA or PayPal page: ask the gateway how it ended; None if not the account's."""
    payment = account_payment(account_id, payment_id)
    if payment is None:
        return None
    reference = payment.gateway_reference
    db.session.rollback()
    if reference is None:
        return result_of(payment)
    try:
        charge = gateway().retrieve(reference)
    except (GatewayError, LookupError):
        log.exception("could not ask the gateway about payment %s", payment_id)
        return PayResult(Outcome.IN_PROGRESS, payment_id)
    return settle(payment_id, charge)


def needing_reconciliation(now: datetime) -> list[int]:
    """Payments to ask the gateway about: stale in flight, or a refund still owed."""
    waiting_for_gateway = Payment.status.in_([PaymentStatus.CREATED, PaymentStatus.PROCESSING])
    waiting_for_customer = Payment.status == PaymentStatus.REQUIRES_ACTION
    refund_owed = Payment.status.in_([PaymentStatus.ABANDONED, *IN_FLIGHT]) & (
        Payment.refund_reason.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Payment.id)
            .where(
                or_(
                    waiting_for_gateway & (Payment.created_at <= now - STALE_AFTER),
                    waiting_for_customer & (Payment.created_at <= now - ABANDON_AFTER),
                    refund_owed,
                )
            )
            .order_by(Payment.id)
        )
    )


def reconcile_payment(payment_id: int) -> PayResult:
    """Finish one payment left in flight by asking the gateway where it stands."""
    payment = _reloaded(payment_id)
    now = clock.now()
    status, reference = payment.status, payment.gateway_reference
    db.session.rollback()
    if status in IN_FLIGHT and payment.refund_reason is not None and reference is not None:
        give_back(payment_id)
        return result_of(_reloaded(payment_id))
    if status is PaymentStatus.ABANDONED and payment.refund_reason is not None:
        give_back(payment_id)
        return result_of(_reloaded(payment_id))
    if status not in IN_FLIGHT or not is_stale(payment, now):
        return result_of(payment)
    try:
        if reference is None:
            # Lost between recording the payment and hearing the gateway: the gateway finds
            # its object by the payment's key, if it ever made one.
            found = gateway().find_payment(
                idempotency_key=payment.idempotency_key,
                customer=customer_reference(payment.account_id),
            )
            if found is None:
                return settle(payment_id, ChargeResult(ChargeStatus.CANCELLED, ""))
            reference = found.reference
        charge = gateway().retrieve(reference)
        waited_out = now - clock.as_utc(payment.created_at) >= ABANDON_AFTER
        if charge.status is ChargeStatus.REQUIRES_CONFIRMATION or (
            charge.status is ChargeStatus.REQUIRES_ACTION and waited_out
        ):
            # Nobody is there to confirm it any more: cancelled for good, unless the bank
            # confirmed it a moment ago (then it is settled like any success).
            charge = gateway().cancel(reference)
    except (GatewayError, LookupError):
        log.exception("reconciliation could not ask the gateway about payment %s", payment_id)
        return PayResult(Outcome.IN_PROGRESS, payment_id)
    return settle(payment_id, charge)


@dataclass(frozen=True)
class ReconcileReport:
    """What one reconciliation run did."""

    payments: int
    still_in_flight: int

    def summary(self) -> str:
        """One line for cron's mail."""
        return f"reconciled {self.payments}, still in flight {self.still_in_flight}"


def reconcile(now: datetime | None = None) -> ReconcileReport:
    """Finish every payment left in flight; safe on several machines at once."""
    now = now or clock.now()
    ids = needing_reconciliation(now)
    db.session.rollback()
    left = 0
    for payment_id in ids:
        try:
            result = reconcile_payment(payment_id)
        except Exception:
            log.exception("reconciliation of payment %s failed", payment_id)
            db.session.rollback()
            left += 1
            continue
        if result.outcome is Outcome.IN_PROGRESS:
            left += 1
    return ReconcileReport(len(ids), left)
