"""The invoice e-mail of a business in the EU that chose an EN 16931 format: Factur-X in
place of the PDF (the same file the download gives), UBL beside the PDF on the invoices page."""

from __future__ import annotations

import io

import pypdf

from portal.documents.pdf import invoice_pdf_bytes
from portal.einvoices import en16931
from portal.extensions import db
from portal.models import EInvoiceFormat, Invoice
from tests.documents.conftest import embedded_fonts
from tests.mail.conftest import buy, invoices, set_billing

GERMAN_BUSINESS = {"country": "DE", "vat_id": "DE136695976", "invoice_language": "fr"}


def _attachment(smtp_server) -> tuple[str, str, bytes]:
    """The one attachment of the one e-mail received."""
    [received] = smtp_server.received
    [attachment] = list(received.message.iter_attachments())
    return attachment.get_content_type(), attachment.get_filename(), attachment.get_content()


def _cii_and_plain_pdf(app, invoice_id: int) -> tuple[bytes, bytes]:
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        return en16931.cii_xml(en16931.einvoice_of(invoice)), invoice_pdf_bytes(invoice)


def test_the_email_carries_the_factur_x_when_chosen(customer, smtp_server):
    set_billing(
        customer.app, customer.account_id, **GERMAN_BUSINESS, einvoice_format=EInvoiceFormat.FACTURX
    )
    buy(customer)
    kind, name, pdf = _attachment(smtp_server)
    [invoice] = invoices(customer.app)
    assert (kind, name) == ("application/pdf", f"{invoice.number}.pdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    cii, plain = _cii_and_plain_pdf(customer.app, invoice.id)
    assert reader.attachments["factur-x.xml"] == [cii]
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert all(embedded_fonts(pdf).values())
    assert pdf != plain
    # The download gives the Factur-X too, with the same XML inside.
    download = customer.client.get(f"/billing/invoices/{invoice.id}/pdf")
    assert download.status_code == 200
    assert pypdf.PdfReader(io.BytesIO(download.data)).attachments["factur-x.xml"] == [cii]
    assert download.headers["Cache-Control"] == "private, no-store"


def test_ubl_leaves_the_plain_pdf_in_the_email(customer, smtp_server):
    set_billing(
        customer.app, customer.account_id, **GERMAN_BUSINESS, einvoice_format=EInvoiceFormat.UBL
    )
    buy(customer)
    _kind, _name, pdf = _attachment(smtp_server)
    [invoice] = invoices(customer.app)
    _cii, plain = _cii_and_plain_pdf(customer.app, invoice.id)
    assert pdf == plain
    assert customer.client.get(f"/billing/invoices/{invoice.id}/pdf").data == plain


def test_a_customer_no_longer_in_the_eu_gets_the_plain_pdf_whatever_was_stored(
    customer, smtp_server
):
    # A choice stored while the customer was a business in the EU does not apply outside it.
    set_billing(
        customer.app,
        customer.account_id,
        country="US",
        vat_id=None,
        einvoice_format=EInvoiceFormat.FACTURX,
    )
    buy(customer)
    _kind, _name, pdf = _attachment(smtp_server)
    [invoice] = invoices(customer.app)
    assert pdf == _cii_and_plain_pdf(customer.app, invoice.id)[1]
