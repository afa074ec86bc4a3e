"""The source digest changes with everything the PDF shows, and only with that."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from jinja2 import ChoiceLoader, DictLoader

from portal.config import LANGUAGES
from portal.documents import pdf as documents
from portal.documents.issuing import issue_reversal
from portal.documents.pdf import source_digest
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import ChangeKind, LineKind
from portal.domain.tax import TaxKind
from portal.extensions import db
from portal.models import DocumentKind, Invoice, InvoiceStatus
from tests.documents.conftest import ISSUED_ON


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


def test_digest_changes_with_the_credit_notes_kind_of_change(app, factory, invoicing):
    account = invoicing.customer(factory, "Acme S.r.l.")
    with app.app_context():
        invoice = db.session.get(Invoice, invoicing.first_purchase(account))
        note = issue_reversal(invoice, issued_on=ISSUED_ON, change_kind="refund", paid_with="Visa")
        db.session.commit()
        note_id = note.id
    before = digest(app, note_id)
    invoicing.update(note_id, change_kind="cancellation")
    assert digest(app, note_id) != before


# --- whatever the PDF draws is digested ------------------------------------------------------

# Values a column holds besides its current one; other text columns get an "x" added.
OTHER_VALUES: dict[str, list[object]] = {
    "kind": [*DocumentKind, *LineKind],
    "status": list(InvoiceStatus),
    "tax_kind": list(TaxKind),
    "change_kind": [*ChangeKind, "refund", "cancellation"],
    "currency": ["EUR", "USD", "CZK"],
    "language": list(LANGUAGES),
    "plan": list(Plan),
    "billing_period": list(BillingPeriod),
}


def _other_values(column, value) -> list[object]:
    """Values to try in place of `value` in `column`."""
    if column.name in OTHER_VALUES:
        return [other for other in OTHER_VALUES[column.name] if other != value]
    if isinstance(value, dict):  # a party: each of its fields in turn
        return [{**value, key: f"{text or ''}x"} for key, text in value.items()]
    python_type = column.type.python_type
    if python_type is bool:
        return [not value]
    if python_type is int:
        return [1 if value is None else value + 1]
    if python_type is Decimal:
        return [Decimal(str(value)) + 1]
    if python_type in (date, datetime):
        return [ISSUED_ON if value is None else value + timedelta(days=1)]
    if python_type is str:
        return [f"{value or ''}x"]
    raise AssertionError(f"no other value to try for {column}")


def _changes(invoice: Invoice, other_invoice_id: int):
    """(what, row, attribute, other value) for each column of the invoice and its lines."""
    rows = [("invoice", invoice), *((f"line {line.position}", line) for line in invoice.lines)]
    for where, row in rows:
        for column in row.__table__.columns:
            if column.primary_key:
                continue
            value = getattr(row, column.key)
            if column.key == "corrects_id":
                others = [other_invoice_id] if value is None else [None]
            else:
                others = _other_values(column, value)
            for other in others:
                yield f"{where}.{column.key} = {other!r}", row, column.key, other


@pytest.fixture
def documents_of_every_kind(factory, invoicing, app) -> list[int]:
    """A paid invoice with every party field and a note, an open one, and a credit note of
    each kind (a refund, a cancellation)."""
    account = invoicing.customer(
        factory,
        "Dvořák s.r.o.",
        contact_name="Jiří Dvořák",
        address="Vinohradská 1",
        postal_code="100 00",
        city="Praha",
    )
    paid = invoicing.first_purchase(account)
    open_ = invoicing.first_purchase(account, status=InvoiceStatus.OPEN, credit_minor=500)
    invoicing.update(paid, note="PO 4711\nsecond line")
    with app.app_context():
        notes = [
            issue_reversal(
                db.session.get(Invoice, invoice_id),
                issued_on=ISSUED_ON,
                change_kind=change_kind,
                paid_with="Visa •••• 4242",
            )
            for invoice_id, change_kind in ((paid, "refund"), (open_, "cancellation"))
        ]
        db.session.commit()
        return [paid, open_, *(note.id for note in notes)]


def test_whatever_changes_what_the_pdf_draws_changes_the_digest(app, documents_of_every_kind):
    """Every column of the invoice and of its lines, every party field: where another value
    draws another PDF, it gives another digest. A field added to the PDF but not to the
    digest fails here."""
    drawn_differently = 0
    missing = []
    with app.app_context(), db.session.no_autoflush:
        for invoice_id in documents_of_every_kind:
            invoice = db.session.get(Invoice, invoice_id)
            html, digest_before = documents.render_invoice_html(invoice), source_digest(invoice)
            other_id = next(i for i in documents_of_every_kind if i != invoice_id)
            for what, row, name, other in _changes(invoice, other_id):
                kept = getattr(row, name)
                setattr(row, name, other)
                try:
                    changed_html = documents.render_invoice_html(invoice)
                    changed_digest = source_digest(invoice)
                except (ValueError, KeyError, TypeError, LookupError):
                    continue  # a value no PDF can draw (a currency Babel does not know)
                finally:
                    setattr(row, name, kept)
                if changed_html != html:
                    drawn_differently += 1
                    if changed_digest == digest_before:
                        missing.append(f"{invoice.number}: {what}")
        db.session.rollback()
    assert missing == []
    assert drawn_differently > 40


def test_a_template_edit_leaves_issued_pdfs_as_they_were(app, invoice_id):
    """A stored PDF is the document: editing the invoice template (here: a visible line
    added) changes what documents drawn from now on look like, never a stored one."""
    from portal.documents.pdf import invoice_pdf_bytes

    with app.app_context():
        stored = invoice_pdf_bytes(db.session.get(Invoice, invoice_id))
        db.session.commit()
    before = digest(app, invoice_id)
    loader = app.jinja_env.loader
    source = loader.get_source(app.jinja_env, documents.TEMPLATE)[0]
    edited = source.replace("</body>", "<p>EDITED TEMPLATE</p></body>")
    assert edited != source
    app.jinja_env.loader = ChoiceLoader([DictLoader({documents.TEMPLATE: edited}), loader])
    try:
        assert digest(app, invoice_id) == before
        with app.app_context():
            invoice = db.session.get(Invoice, invoice_id)
            assert invoice_pdf_bytes(invoice) == stored
            assert b"EDITED TEMPLATE" in documents.render_invoice_html(invoice).encode()
    finally:
        app.jinja_env.loader = loader
