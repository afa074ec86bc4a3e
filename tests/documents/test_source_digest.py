"""The source digest changes with everything the PDF shows, and only with that."""

from __future__ import annotations

import pytest

from portal.documents import pdf as documents
from portal.extensions import db
from portal.models import Invoice


def digest(app, invoice_id: int) -> str:
    """The digest of the invoice as stored."""
    with app.app_context():
        return documents.source_digest(db.session.get(Invoice, invoice_id))


@pytest.fixture
def invoice_id(factory, invoicing) -> int:
    """A paid English invoice."""
    return invoicing.first_purchase(invoicing.customer(factory, "Acme S.r.l."))


def test_digest_is_stable_across_sessions(app, invoice_id):
    first = digest(app, invoice_id)
    assert len(first) == 64
    assert digest(app, invoice_id) == first


def test_a_just_issued_invoice_has_the_digest_it_has_when_read_back(app, factory, invoicing):
    account = invoicing.customer(factory, "Acme S.r.l.")
    invoice_id = invoicing.first_purchase(account)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.vat_rate = 22  # as the breakdown hands it over, before the database rounds it
        fresh = documents.source_digest(invoice)
        db.session.rollback()
    assert fresh == digest(app, invoice_id)


@pytest.mark.parametrize(
    "changes",
    [
        {"note": "PO 4711"},
        {"customer": {"company": "Acme S.p.A.", "country": "IT"}},
        {"seller": {"name": "Other S.r.l.", "country": "IT"}},
        {"language": "it"},
        {"status": "open"},
        {"paid_with": "PayPal"},
        {"total_minor": 1},
    ],
)
def test_digest_changes_with_what_the_pdf_shows(app, invoicing, invoice_id, changes):
    before = digest(app, invoice_id)
    invoicing.update(invoice_id, **changes)
    assert digest(app, invoice_id) != before


def test_digest_changes_with_a_line(app, invoice_id):
    before = digest(app, invoice_id)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.lines[0].quantity += 1
        db.session.commit()
    assert digest(app, invoice_id) != before


def test_digest_changes_with_the_template_version(app, invoice_id, monkeypatch):
    before = digest(app, invoice_id)
    monkeypatch.setattr(documents, "TEMPLATE_VERSION", documents.TEMPLATE_VERSION + "-next")
    assert digest(app, invoice_id) != before
