"""Pay an open invoice (from the list, or the renewal run's charge) through the one lifecycle."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from portal import clock
from portal.activity import record as activity
from portal.documents.issuing import cancel_unpaid
from portal.domain.payment_lifecycle import PaymentPurpose, RefundReason
from portal.domain.pricing import ChangeKind
from portal.domain.subscription_lifecycle import SubscriptionEvent
from portal.extensions import db
from portal.mail.outbox import queue_document_email
from portal.models import Account, ActivityKind, Invoice, InvoiceStatus, Payment, SubscriptionStatus
from portal.payments import lifecycle as payments
from portal.payments.lifecycle import Order, Outcome, PayResult
from portal.security import ConfirmationKey


def open_invoice_order(invoice: Invoice, purpose: PaymentPurpose) -> Order:
    """The payment of an open invoice's amount due."""
    return Order(
        purpose=purpose,
        amount_minor=invoice.amount_due_minor,
        currency=invoice.currency,
        description=invoice.number,
        invoice_id=invoice.id,
    )


def _account_invoice(account_id: int, invoice_id: int) -> Invoice | None:
    """One invoice of the account, read fresh."""
    return db.session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id, Invoice.account_id == account_id)
        .execution_options(populate_existing=True)
    )


def pay_invoice(
    *,
    account_id: int,
    user_id: int,
    invoice_id: int,
    method_id: int | None,
    confirmation_key: ConfirmationKey,
    return_url: Callable[[int], str],
) -> PayResult | None:
    """Charge an open invoice's amount due; None when the invoice is not the account's."""
    if _account_invoice(account_id, invoice_id) is None:
        db.session.rollback()
        return None

    def prepare(account: Account) -> Order | PayResult:
        """Under the lock: the invoice must still be open and owed."""
        invoice = _account_invoice(account_id, invoice_id)
        assert invoice is not None
        if invoice.status == InvoiceStatus.CANCELLED:
            return PayResult(Outcome.NOT_ALLOWED)
        if invoice.status != InvoiceStatus.OPEN:
            return PayResult(Outcome.PAID)
        subscription = account.subscription
        blocked = subscription is None or subscription.status == SubscriptionStatus.BLOCKED
        stale = invoice.period_end is not None and invoice.period_end <= clock.today()
        if invoice.change_kind == ChangeKind.RENEWAL and blocked and stale:
            # The renewal of a period the account spent blocked: nothing to pay for any more.
            for note in cancel_unpaid(account, issued_on=clock.today()):
                queue_document_email(note)
            return PayResult(Outcome.NOT_ALLOWED)
        return open_invoice_order(invoice, PaymentPurpose.INVOICE)

    return payments.start_payment(
        account_id=account_id,
        user_id=user_id,
        key=confirmation_key,
        method_id=method_id,
        prepare=prepare,
        return_url=return_url,
    )


class OpenInvoiceHandler:
    """A paid open invoice: marked paid, and a past-due or blocked account active at once."""

    def still_wanted(self, account: Account, payment: Payment) -> RefundReason | None:
        """Only while the invoice is open: paid or cancelled meanwhile, the money goes back."""
        invoice = db.session.get(Invoice, payment.invoice_id, populate_existing=True)
        if invoice is None or invoice.status != InvoiceStatus.OPEN:
            return RefundReason.INVOICE_CLOSED
        return None

    def apply(self, account: Account, payment: Payment) -> None:
        """Mark the invoice paid with this payment's method."""
        invoice = db.session.get(Invoice, payment.invoice_id)
        assert invoice is not None
        invoice.status = InvoiceStatus.PAID
        invoice.paid_with = payment.method_label
        subscription = account.subscription
        if subscription is not None:
            subscription.apply(SubscriptionEvent.PAY)
        if payment.purpose is PaymentPurpose.RENEWAL:
            queue_document_email(invoice)  # at most one e-mail per document
        activity.record(
            account.id,
            payment.user_id,
            ActivityKind.INVOICE_PAID,
            document=invoice.number,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            method=payment.method_label,
        )
