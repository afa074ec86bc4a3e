"""The full refund a billing admin can ask for within 15 days of the account's first payment.

Every charge of the account goes back through the gateway, every invoice gets a credit note
in the credit notes' own sequence referring to it, and the account returns to Free. It is
offered once per account. Accounts whose package was reduced since (a credit note, account
credit) or that owe an open invoice are referred to support: a full refund of what is left
there is not a mirror of the invoices any more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal import clock
from portal.extensions import db
from portal.models import (
    Account,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    SubscriptionStatus,
)
from portal.payments.gateway import GatewayError, gateway
from portal.services import activity
from portal.services.checkout import in_flight
from portal.services.invoicing import issue_reversal
from portal.services.mailer import deliver_soon, queue_document_email
from portal.services.pricing import load_account

log = logging.getLogger(__name__)

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
    """The account's succeeded charges that took money, oldest first."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.account_id == account_id,
                Payment.status == PaymentStatus.SUCCEEDED,
                Payment.amount_minor > 0,
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

    Under the account lock: a double click waits and then finds the refund done.
    """
    account = load_account(account_id, for_update=True)
    offer = _offer(account, now)
    if offer is None:
        db.session.rollback()
        return RefundOutcome.NOT_OFFERED
    if offer.needs_support:
        db.session.rollback()
        return RefundOutcome.NEEDS_SUPPORT
    if in_flight(account_id, now) is not None:
        db.session.rollback()
        return RefundOutcome.IN_PROGRESS

    # The refunds first, under the account lock (on PostgreSQL no payment can start
    # meanwhile), each with its own idempotency key: a retry after a refusal or a crash
    # repeats none of them. Nothing is written before the gateway has answered.
    charges = _charges(account_id)
    refunded: list[tuple[Payment, str]] = []
    failed = False
    for charge in charges:
        if charge.refunded_at is not None:
            continue
        try:
            answer = gateway().refund(
                reference=charge.gateway_reference or "",
                amount_minor=charge.amount_minor,
                idempotency_key=f"refund-{charge.id}",
            )
        except (GatewayError, LookupError):
            log.exception("refund of payment %s failed", charge.id)
            failed = True
            break
        if not answer.succeeded:
            log.error("the gateway refused the refund of payment %s", charge.id)
            failed = True
            break
        refunded.append((charge, answer.reference))
    for charge, reference in refunded:
        charge.refund_reference = reference
        charge.refunded_at = now
    if failed:
        db.session.commit()  # the refunds made are kept; the customer may try again
        return RefundOutcome.FAILED

    # The claim, conditional: of two requests at once (SQLite locks no rows) one writes the
    # documents; the other's gateway calls were replays of the same refunds.
    claimed = db.session.execute(
        update(Account)
        .where(Account.id == account_id, Account.refunded_at.is_(None))
        .values(refunded_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return RefundOutcome.NOT_OFFERED

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
