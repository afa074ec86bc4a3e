"""Invoices issued for a signed-in billing admin, through the same service checkout uses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.documents.issuing import issue_document, issue_reversal
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import Configuration, price_change
from portal.domain.tax import TaxKind, TaxTreatment
from portal.extensions import db
from portal.models import Account, Invoice, InvoiceStatus
from portal.reference_data import reference
from tests.wizard.conftest import (  # noqa: F401
    Customer,
    customer,
    standard_customer,
)

ITALY = TaxTreatment(TaxKind.DOMESTIC, Decimal("22"), "IT", "IT")


@pytest.fixture
def issue(app):
    """Issue an invoice for an account: `issue(account_id, agents=2, status=..., on=date)`."""

    def make(
        account_id: int,
        *,
        agents: int = 2,
        status: InvoiceStatus = InvoiceStatus.PAID,
        on: date = date(2026, 11, 13),
    ) -> int:
        with app.app_context():
            account = db.session.get(Account, account_id)
            breakdown = price_change(
                current=None,
                target=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, agents, 0),
                today=on,
                currency="EUR",
                prices=reference().prices,
                tax=ITALY,
            )
            invoice = issue_document(
                account, breakdown, issued_on=on, paid_with="Visa •••• 4242", status=status
            )
            db.session.commit()
            return invoice.id

    return make


@pytest.fixture
def credit(app):
    """Take an invoice back with a credit note, as the full refund (or a cancellation) does:
    `credit(invoice_id, change_kind="refund", on=date)`; returns the note's id."""

    def make(invoice_id: int, *, change_kind: str = "refund", on: date = date(2026, 11, 20)) -> int:
        with app.app_context():
            invoice = db.session.get(Invoice, invoice_id)
            note = issue_reversal(
                invoice, issued_on=on, change_kind=change_kind, paid_with="Visa •••• 4242"
            )
            db.session.commit()
            return note.id

    return make


@pytest.fixture
def other_account_invoice(factory, issue) -> int:
    """An invoice of another company."""
    other = factory.account("Altra Azienda S.p.A.")
    return issue(other, agents=7)


__all__ = ["Customer"]
