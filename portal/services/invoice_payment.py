"""Pay an open invoice from the list: one charge per confirmation, like the wizard's Pay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    SubscriptionStatus,
)
from portal.payments.gateway import gateway
from portal.services.checkout import (
    Outcome,
    PayResult,
    claim_key,
    in_flight,
    payment_by_key,
    result_of,
    retry_block,
    settle,
)
from portal.services.invoicing import cancel_unpaid
from portal.services.mailer import queue_document_email
from portal.services.payment_methods import describe, method_of
from portal.services.pricing import load_account


def invoice_payment_row(
    invoice: Invoice,
    method: PaymentMethod,
    *,
    key: str,
    purpose: PaymentPurpose,
    user_id: int | None,
    now: datetime,
) -> Payment:
    """A payment of an open invoice's amount due, before the gateway is asked."""
    return Payment(
        account_id=invoice.account_id,
        user_id=user_id,
        idempotency_key=key,
        method_id=method.id,
        method_label=describe(method),
        status=PaymentStatus.PROCESSING,
        purpose=purpose,
        amount_minor=invoice.amount_due_minor,
        currency=invoice.currency,
        invoice_id=invoice.id,
        created_at=now,
    )


def pay_invoice(
    *,
    account_id: int,
    user_id: int,
    invoice_id: int,
    method_id: int | None,
    confirmation_key: str,
    return_url: Callable[[int], str],
) -> PayResult | None:
    """Charge an open invoice's amount due; None when the invoice is not the account's."""
    existing = payment_by_key(confirmation_key)
    if existing is not None:
        return result_of(existing) if existing.account_id == account_id else None
    now = clock.now()
    account = load_account(account_id, for_update=True)
    invoice = db.session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.account_id == account_id)
        .execution_options(populate_existing=True)
    )
    if invoice is None:
        db.session.rollback()
        return None
    if invoice.status != InvoiceStatus.OPEN:
        db.session.rollback()
        cancelled = invoice.status == InvoiceStatus.CANCELLED
        return PayResult(Outcome.NOT_ALLOWED if cancelled else Outcome.PAID)
    subscription = account.subscription
    blocked = subscription is None or subscription.status == SubscriptionStatus.BLOCKED
    stale = invoice.period_end is not None and invoice.period_end <= clock.today()
    if invoice.change_kind == "renewal" and blocked and stale:
        # The renewal of a period the account spent blocked: nothing to pay for any more.
        notes = cancel_unpaid(account, issued_on=clock.today())
        for note in notes:
            queue_document_email(note)
        db.session.commit()
        return PayResult(Outcome.NOT_ALLOWED)
    busy = in_flight(account_id, now)
    if busy is not None:
        # The renewal run (or another tab) is charging this account right now.
        action_url = result_of(busy).action_url
        db.session.commit()  # keeps abandoned payments marked
        return PayResult(Outcome.IN_PROGRESS, busy.id, action_url=action_url)
    method = method_of(account_id, method_id) if method_id is not None else None
    if method is None:
        db.session.rollback()
        return PayResult(Outcome.NO_METHOD)
    blocked = retry_block(account_id, method.id, now)
    if blocked is not None:
        db.session.rollback()
        return blocked
    payment = invoice_payment_row(
        invoice,
        method,
        key=confirmation_key,
        purpose=PaymentPurpose.INVOICE,
        user_id=user_id,
        now=now,
    )
    duplicate = claim_key(payment)
    if duplicate is not None:
        return duplicate
    db.session.commit()  # the payment row exists before the gateway is asked
    charge = gateway().charge(
        token=method.token,
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        idempotency_key=confirmation_key,
        description=invoice.number,
        return_url=return_url(payment.id),
    )
    return settle(account_id, payment.id, charge)
