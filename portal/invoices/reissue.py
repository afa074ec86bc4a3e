"""Reissue the most recent invoice with the current billing info, on the billing admin's request.

An issued invoice never changes. Within its calendar month, the most recent one can be replaced:
a credit note cancels it, a new invoice (new number, the same lines) carries the current
details and VAT treatment. What the old invoice had settled (paid, or account credit used)
settles the new one first; where the new total is lower the rest becomes account credit, where
it is higher the new invoice stays open for the difference. Nothing is reissued silently: the
page shows both documents' figures and the request carries the fingerprint of what it showed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from portal import clock
from portal.account_pricing import customer_tax
from portal.accounts import lock_account
from portal.activity import record as activity
from portal.documents.issuing import (
    cancel_open,
    customer_details,
    issue_replacement,
    issue_reversal,
    latest_invoice,
)
from portal.domain.pricing import ChangeKind, compute_vat
from portal.domain.tax import TaxKind, TaxTreatment
from portal.extensions import db
from portal.mail.outbox import deliver_soon, queue_document_email
from portal.models import Account, ActivityKind, DocumentKind, Invoice, InvoiceStatus
from portal.payments.lifecycle import in_flight


@dataclass(frozen=True)
class ReissuePlan:
    """What reissuing the invoice would issue, as the confirmation page shows it."""

    invoice: Invoice
    customer: dict[str, Any]  # the new invoice's customer: the billing info now
    language: str
    purchase_order: str
    tax: TaxTreatment
    vat_minor: int
    total_minor: int
    credit_used_minor: int  # settled by what the old invoice had settled
    amount_due_minor: int  # left to pay on the new invoice
    credit_added_minor: int  # what becomes account credit

    @property
    def fingerprint(self) -> str:
        """A digest of every figure and detail shown: a confirmation must carry it."""
        shown = {
            "invoice": [self.invoice.id, self.invoice.number, self.invoice.total_minor],
            "customer": self.customer,
            "language": self.language,
            "purchase_order": self.purchase_order,
            "tax": [str(self.tax.kind), str(self.tax.rate)],
            "figures": [
                self.vat_minor,
                self.total_minor,
                self.credit_used_minor,
                self.amount_due_minor,
                self.credit_added_minor,
            ],
        }
        encoded = json.dumps(shown, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(encoded.encode()).hexdigest()[:32]


def planned_reissue(account: Account, invoice: Invoice, today: date) -> ReissuePlan | str:
    """The reissue the page shows and the confirmation makes, or why there is none (a code:
    a refusal, or "unchanged" when the invoice already has the account's details)."""
    refusal = _refusal(account, invoice, today)
    if refusal is not None:
        return refusal
    return _plan(account, invoice) or "unchanged"


def _refusal(account: Account, invoice: Invoice, today: date) -> str | None:
    """Why the invoice cannot be reissued now (a code), or None."""
    if invoice.kind != DocumentKind.INVOICE:
        return "not_invoice"
    if invoice.status == InvoiceStatus.CANCELLED:
        return "cancelled"
    latest = latest_invoice(account.id)
    if latest is None or latest.id != invoice.id:
        return "not_latest"
    if (invoice.issued_on.year, invoice.issued_on.month) != (today.year, today.month):
        return "other_month"
    if invoice.tax_kind == TaxKind.LETTER_OF_INTENT:
        # It used its letter's ceiling and cites it: staff correct it with a credit note.
        return "letter_of_intent"
    corrected = db.session.scalar(
        select(Invoice.id)
        .where(Invoice.account_id == account.id, Invoice.corrects_id == invoice.id)
        .limit(1)
    )
    if corrected is not None:
        # A credit note (a decrease, a refund) took part of it back already.
        return "corrected"
    if in_flight(account.id) is not None:
        return "in_progress"
    return None


def _plan(account: Account, invoice: Invoice) -> ReissuePlan | None:
    """The reissue with the account's details now; None when they are the invoice's."""
    tax = customer_tax(account)
    info = account.billing_info
    customer = customer_details(account)
    language = info.invoice_language if info else invoice.language
    purchase_order = info.purchase_order if info else invoice.purchase_order
    unchanged = (
        customer == invoice.customer
        and language == invoice.language
        and purchase_order == invoice.purchase_order
        and tax.kind == invoice.tax_kind
        and tax.rate == invoice.vat_rate
    )
    if unchanged:
        return None
    vat = compute_vat(invoice.net_minor, tax.rate)
    total = invoice.net_minor + vat
    # What the old invoice settled carries over: all of it when paid, else the credit it used.
    if invoice.status == InvoiceStatus.PAID:
        settled = invoice.total_minor
    else:
        settled = invoice.credit_used_minor
    credit_used = min(settled, total)
    return ReissuePlan(
        invoice=invoice,
        customer=customer,
        language=language,
        purchase_order=purchase_order,
        tax=tax,
        vat_minor=vat,
        total_minor=total,
        credit_used_minor=credit_used,
        amount_due_minor=total - credit_used,
        credit_added_minor=settled - credit_used,
    )


@dataclass(frozen=True)
class Reissued:
    """The credit note that cancelled the invoice and the invoice that replaces it."""

    credit_note: Invoice
    invoice: Invoice


def reissue(
    account_id: int, user_id: int, invoice_id: int, seen_fingerprint: str
) -> Reissued | str:
    """Reissue the invoice as the page showed it; a refusal code when it cannot be.

    Under the account lock, so a double click or a second tab reissues once: the second
    request finds the invoice corrected (or no longer the latest) and is refused.
    """
    account = lock_account(account_id)
    invoice = db.session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.account_id == account_id)
    )
    if invoice is None:
        db.session.rollback()
        return "not_found"
    today = clock.today()
    plan = planned_reissue(account, invoice, today)
    if not isinstance(plan, str) and plan.fingerprint != seen_fingerprint:
        plan = "figures_changed"
    if isinstance(plan, str):
        db.session.rollback()
        return plan
    was_open = invoice.status == InvoiceStatus.OPEN
    if was_open and not cancel_open(invoice):
        db.session.rollback()
        return "in_progress"
    note = issue_reversal(
        invoice, issued_on=today, change_kind=ChangeKind.REISSUE, paid_with=invoice.paid_with
    )
    if was_open:
        note.credit_used_minor = -invoice.credit_used_minor  # the credit it used goes back
    replacement = issue_replacement(
        invoice,
        account,
        tax=plan.tax,
        issued_on=today,
        status=InvoiceStatus.PAID if plan.amount_due_minor == 0 else InvoiceStatus.OPEN,
        credit_used_minor=plan.credit_used_minor,
        paid_with=invoice.paid_with if plan.amount_due_minor == 0 else "",
    )
    account.credit_minor += plan.credit_added_minor
    emails = [queue_document_email(note), queue_document_email(replacement)]
    activity.record(
        account_id,
        user_id,
        ActivityKind.INVOICE_REISSUED,
        document=invoice.number,
        credit_note=note.number,
        new=replacement.number,
        credit_added_minor=plan.credit_added_minor,
        amount_due_minor=plan.amount_due_minor,
        currency=invoice.currency,
    )
    db.session.commit()
    deliver_soon([email.id for email in emails if email is not None])
    return Reissued(note, replacement)


def reissuable(account: Account) -> Invoice | None:
    """The invoice the billing admin may ask to reissue now with changed details, if any."""
    invoice = latest_invoice(account.id)
    if invoice is None or isinstance(planned_reissue(account, invoice, clock.today()), str):
        return None
    return invoice
