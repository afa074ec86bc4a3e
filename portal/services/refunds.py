"""The full refund a billing admin can ask for within 15 days of the account's first payment.

Every charge of the account goes back through the gateway, every invoice gets a credit note
in the credit notes' own sequence referring to it, and the account returns to Free. It is
offered once per account. Accounts whose package was reduced since (a credit note, account
credit) or that owe an open invoice are referred to support: a full refund of what is left
there is not a mirror of the invoices any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import (
    Account,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    RefundReason,
    SubscriptionStatus,
)
from portal.services import activity, payments
from portal.services.accounts import load_account, lock_account
from portal.services.invoicing import issue_reversal
from portal.services.mailer import deliver_soon, queue_document_email
from portal.services.payments import in_flight

REFUND_WINDOW = timedelta(days=15)


@dataclass(frozen=True)
class RefundOffer:
    """What a refund would give back, and until when it can be asked for."""

    amount_minor: int
    currency: str
    deadline: datetime
    needs_support: bool  # the package changed since: support handles the refund


class RefundOutcome(StrEnum):
    """How a refund request ended."""

    REFUNDED = "refunded"
    NOT_OFFERED = "not_offered"  # too late, already refunded, or nothing paid
    NEEDS_SUPPORT = "needs_support"
    IN_PROGRESS = "in_progress"  # a payment is going on right now
    FAILED = "failed"  # the gateway refused or was unreachable; nothing else changed


def _charges(account_id: int) -> list[Payment]:
    """The account's charges that took money, oldest first, with those the full refund gave
    back already (a refund begun and interrupted is finished, never started over)."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.account_id == account_id,
                Payment.amount_minor > 0,
                (Payment.status == PaymentStatus.SUCCEEDED)
                | (
                    (Payment.status == PaymentStatus.REFUNDED)
                    & (Payment.refund_reason == RefundReason.FULL_REFUND)
                ),
            )
            .order_by(Payment.completed_at, Payment.id)
        )
    )


def _offer(account: Account, now: datetime) -> RefundOffer | None:
    """The refund the account may ask for now, or None."""
    subscription = account.subscription
    if (
        account.refunded_at is not None
        or subscription is None
        or subscription.status != SubscriptionStatus.ACTIVE
    ):
        return None
    charges = _charges(account.id)
    if not charges:
        return None
    first = charges[0]
    deadline = clock.as_utc(first.completed_at or first.created_at) + REFUND_WINDOW
    started = any(charge.refunded_at is not None for charge in charges)
    if now >= deadline and not started:
        # A refund begun in time (some charges given back, then a refusal) may be finished.
        return None
    changed = account.credit_minor != 0 or db.session.scalar(
        select(Invoice.id)
        .where(
            Invoice.account_id == account.id,
            (Invoice.kind == DocumentKind.CREDIT_NOTE) | (Invoice.status == InvoiceStatus.OPEN),
        )
        .limit(1)
    )
    return RefundOffer(
        amount_minor=sum(charge.amount_minor for charge in charges),
        currency=account.currency or first.currency,
        deadline=deadline,
        needs_support=bool(changed),
    )


def refund_offer(account_id: int, now: datetime) -> RefundOffer | None:
    """What My package offers: the refund, or nothing once the 15 days are over."""
    return _offer(load_account(account_id), now)


def request_refund(account_id: int, user_id: int, now: datetime) -> RefundOutcome:
    """Refund every charge, credit every invoice, back to Free; at most once per account.

    Three steps: decide under the account lock; give each charge back through the payment
    lifecycle (the gateway is never asked with the lock held, each refund has its own key, so
    a retry after a refusal or a crash repeats none); then, under the lock again, return the
    account to Free only if every charge is refunded and nothing started meanwhile.
    """
    account = lock_account(account_id)
    offer = _offer(account, now)
    refusal = _refusal(account_id, offer)
    charge_ids = [charge.id for charge in _charges(account_id) if charge.refunded_at is None]
    db.session.rollback()
    if refusal is not None:
        return refusal
    for charge_id in charge_ids:
        if not payments.give_back(charge_id, RefundReason.FULL_REFUND):
            return RefundOutcome.FAILED  # the refunds made are kept; the customer may retry
    return _back_to_free(account_id, user_id, now)


def _refusal(account_id: int, offer: RefundOffer | None) -> RefundOutcome | None:
    """Why no refund is made now, or None."""
    if offer is None:
        return RefundOutcome.NOT_OFFERED
    if offer.needs_support:
        return RefundOutcome.NEEDS_SUPPORT
    if in_flight(account_id) is not None:
        return RefundOutcome.IN_PROGRESS
    return None


def _back_to_free(account_id: int, user_id: int, now: datetime) -> RefundOutcome:
    """Credit notes for every paid invoice and the package removed, once, under the lock."""
    account = lock_account(account_id)
    charges = _charges(account_id)
    if account.refunded_at is not None:
        db.session.rollback()
        return RefundOutcome.NOT_OFFERED  # a request a moment earlier did it
    if in_flight(account_id) is not None or any(c.refunded_at is None for c in charges):
        # A payment started between the refunds and now: it is not refunded, so the package
        # stays; asking again refunds it too.
        db.session.rollback()
        return RefundOutcome.IN_PROGRESS
    offer = _offer(account, now)
    if offer is None:
        db.session.rollback()
        return RefundOutcome.NOT_OFFERED
    account.refunded_at = now
    method_of_invoice = {charge.invoice_id: charge.method_label for charge in charges}
    invoices = db.session.scalars(
        select(Invoice)
        .where(
            Invoice.account_id == account_id,
            Invoice.kind == DocumentKind.INVOICE,
            Invoice.status == InvoiceStatus.PAID,
        )
        .order_by(Invoice.id)
    ).all()
    notes = []
    for invoice in invoices:
        with force_locale(invoice.language):
            method = method_of_invoice.get(invoice.id) or _("Account credit")
        notes.append(
            issue_reversal(invoice, issued_on=clock.today(), change_kind="refund", paid_with=method)
        )
    emails = [queue_document_email(note) for note in notes]
    subscription = account.subscription
    assert subscription is not None
    db.session.delete(subscription)
    account.subscription = None
    activity.record(
        account_id,
        user_id,
        "refund",
        amount_minor=offer.amount_minor,
        currency=offer.currency,
        documents=[note.number for note in notes],
    )
    db.session.commit()
    deliver_soon([email.id for email in emails if email is not None])
    return RefundOutcome.REFUNDED
