"""The full refund a billing admin can ask for within 15 days of the account's first payment.

Only of that first payment, while it is the account's only one: a seat change, a renewal or
an accepted quote since (another charge, a credit note, an open invoice, account credit)
ends the offer. The charge goes back through the gateway, its invoice gets a credit note in
the credit notes' own sequence referring to it, and the account returns to Free, once per
account. A first payment that accepted a negotiated quote is refunded by support: the
contract ends through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, Row, Select, bindparam, func, select
from sqlalchemy.orm import aliased

from portal import clock
from portal.accounts import load_account, lock_account
from portal.activity import record as activity
from portal.documents.issuing import issue_reversal
from portal.domain.pricing import ChangeKind
from portal.extensions import db
from portal.mail.outbox import deliver_soon, queue_document_email
from portal.models import (
    Account,
    ActivityKind,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    RefundReason,
    SubscriptionStatus,
)
from portal.payments import lifecycle as payments
from portal.payments.lifecycle import in_flight

REFUND_WINDOW = timedelta(days=15)


@dataclass(frozen=True)
class RefundOffer:
    """What a refund would give back, and until when it can be asked for."""

    amount_minor: int
    currency: str
    deadline: datetime
    needs_support: bool  # the payment accepted a negotiated quote: support ends the contract


class RefundOutcome(StrEnum):
    """How a refund request ended."""

    REFUNDED = "refunded"
    NOT_OFFERED = "not_offered"  # too late, already refunded, or nothing paid
    NEEDS_SUPPORT = "needs_support"
    IN_PROGRESS = "in_progress"  # a payment is going on right now
    FAILED = "failed"  # the gateway refused or was unreachable; nothing else changed


def _is_charge(account_id: int | ColumnElement[int]) -> ColumnElement[bool]:
    """A payment of the account that took money, or one the full refund gave back already (a
    refund begun and interrupted is finished, never started over)."""
    return (
        (Payment.account_id == account_id)
        & (Payment.amount_minor > 0)
        & (
            (Payment.status == PaymentStatus.SUCCEEDED)
            | (
                (Payment.status == PaymentStatus.REFUNDED)
                & (Payment.refund_reason == RefundReason.FULL_REFUND)
            )
        )
    )


def _charges(account_id: int) -> list[Payment]:
    """The account's charges (see _is_charge), oldest first."""
    return list(
        db.session.scalars(
            select(Payment).where(_is_charge(account_id)).order_by(Payment.completed_at, Payment.id)
        )
    )


@dataclass(frozen=True)
class RefundFacts:
    """What the offer reads of the account's payments and documents, fetched in one query."""

    first_charge: Payment | None  # the oldest charge; None: nothing was charged
    charges: int  # how many charges the account has had
    started: bool  # the full refund gave some charges back already
    credit_note_or_open_invoice: bool


# The first charge, outer-joined: a statement that embeds the facts gets it as a Payment.
FIRST_CHARGE = aliased(Payment, name="first_charge")


def with_refund_facts(statement: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """`statement`, selecting from accounts, with the facts of the account bound as
    :account_id added: the first charge (outer join) and three columns; see refund_facts_in."""
    account_id = bindparam("account_id", type_=Integer)
    charge = _is_charge(account_id)
    first_charge_id = (
        select(Payment.id)
        .where(charge)
        .order_by(Payment.completed_at, Payment.id)
        .limit(1)
        .scalar_subquery()
    )
    charges = select(func.count(Payment.id)).where(charge)
    started = select(Payment.id).where(charge, Payment.refunded_at.is_not(None)).exists()
    corrected_or_owing = (
        select(Invoice.id)
        .where(
            Invoice.account_id == account_id,
            (Invoice.kind == DocumentKind.CREDIT_NOTE) | (Invoice.status == InvoiceStatus.OPEN),
        )
        .exists()
    )
    return (
        statement.add_columns(
            FIRST_CHARGE,
            charges.scalar_subquery().label("refund_charges"),
            started.label("refund_started"),
            corrected_or_owing.label("refund_credit_note_or_open_invoice"),
        )
        .outerjoin(FIRST_CHARGE, FIRST_CHARGE.id == first_charge_id)
        .execution_options(populate_existing=True)
    )


def refund_facts_in(row: Row[Any]) -> RefundFacts:
    """The facts of a row of a statement made by with_refund_facts."""
    values = row._mapping
    return RefundFacts(
        first_charge=values["first_charge"],
        charges=values["refund_charges"],
        started=bool(values["refund_started"]),
        credit_note_or_open_invoice=bool(values["refund_credit_note_or_open_invoice"]),
    )


@cache
def _refund_facts_statement() -> Select[Any]:
    """The facts alone, built once."""
    return with_refund_facts(
        select().select_from(Account).where(Account.id == bindparam("account_id"))
    )


def refund_facts(account_id: int) -> RefundFacts:
    """The facts of one account, in one query."""
    return refund_facts_in(
        db.session.execute(_refund_facts_statement(), {"account_id": account_id}).one()
    )


def may_be_offered(account: Account) -> bool:
    """Whether the account could have an offer at all (not refunded yet, its package active);
    when it cannot, the facts are not read."""
    subscription = account.subscription
    return (
        account.refunded_at is None
        and subscription is not None
        and subscription.status == SubscriptionStatus.ACTIVE
    )


def _offer(account: Account, now: datetime, facts: RefundFacts | None = None) -> RefundOffer | None:
    """The refund the account may ask for now, or None; `facts` are read unless given."""
    if not may_be_offered(account):
        return None
    if facts is None:
        facts = refund_facts(account.id)
    first = facts.first_charge
    if first is None:
        return None
    deadline = clock.as_utc(first.completed_at or first.created_at) + REFUND_WINDOW
    # A refund begun in time (the charge given back, then a failure) may be finished later.
    if not facts.started and (now >= deadline or not _first_payment_alone(account, facts)):
        return None
    return RefundOffer(
        amount_minor=first.amount_minor,
        currency=account.currency or first.currency,
        deadline=deadline,
        needs_support=first.purpose == PaymentPurpose.QUOTE,
    )


def _first_payment_alone(account: Account, facts: RefundFacts) -> bool:
    """Nothing happened to the package since its first payment: no other charge, no credit
    note (a seat decrease), no open invoice (a renewal), no account credit."""
    return (
        facts.charges == 1 and not facts.credit_note_or_open_invoice and account.credit_minor == 0
    )


def refund_offer(
    account_id: int, now: datetime, facts: RefundFacts | None = None
) -> RefundOffer | None:
    """What My package offers: the refund, or nothing once the 15 days are over.

    `facts` (see with_refund_facts) let a page that read them in its own query skip reading.
    """
    return _offer(load_account(account_id), now, facts)


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
            issue_reversal(
                invoice, issued_on=clock.today(), change_kind=ChangeKind.REFUND, paid_with=method
            )
        )
    emails = [queue_document_email(note) for note in notes]
    subscription = account.subscription
    assert subscription is not None
    db.session.delete(subscription)
    account.subscription = None
    activity.record(
        account_id,
        user_id,
        ActivityKind.REFUND,
        amount_minor=offer.amount_minor,
        currency=offer.currency,
        documents=[note.number for note in notes],
    )
    db.session.commit()
    deliver_soon([email.id for email in emails if email is not None])
    return RefundOutcome.REFUNDED
