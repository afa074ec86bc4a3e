"""The e-invoice format on the billing info page: offered to businesses in the EU only,
checked on the server (a forged value is refused, translated), saved like the other fields;
and the UBL download beside the PDF, scoped to the account."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from portal.extensions import db
from portal.models import Account, EInvoiceFormat
from portal.numbers import MAX_ID
from tests.conftest import csrf_token_from

pytestmark = pytest.mark.usefixtures("backend")

GERMAN = {
    "company": "Müller GmbH",
    "billing_email": "rechnung@mueller.example.com",
    "country": "DE",
    "vat_id": "DE 136 695 976",
    "invoice_language": "en",
    "invoices_by_email": "y",
}
AMERICAN = {**GERMAN, "company": "Acme Inc.", "country": "US", "vat_id": ""}
FORMAT_SELECT = re.compile(r'<select[^>]*name="einvoice_format"')


def _save(customer, language: str = "en", **fields: str):
    page = customer.client.get("/billing/info", headers={"Accept-Language": language})
    data = {**fields, "csrf_token": csrf_token_from(page.text)}
    return customer.client.post("/billing/info", data=data, headers={"Accept-Language": language})


def _stored(app, account_id: int) -> EInvoiceFormat:
    with app.app_context():
        return db.session.get(Account, account_id).billing_info.einvoice_format


def _set_info(app, account_id: int, **changes: object) -> None:
    with app.app_context():
        info = db.session.get(Account, account_id).billing_info
        for name, value in changes.items():
            setattr(info, name, value)
        db.session.commit()


def test_offered_to_a_business_in_the_eu_and_saved(app, customer):
    _set_info(app, customer.account_id, country="DE", vat_id="DE136695976")
    page = customer.client.get("/billing/info").text
    assert FORMAT_SELECT.search(page)
    assert "Factur-X (PDF with the invoice data inside)" in page
    assert "UBL (XML file beside the PDF)" in page
    assert _stored(app, customer.account_id) is EInvoiceFormat.PDF  # the default
    assert re.search(r'<option selected value="pdf">|<option value="pdf" selected', page)
    response = _save(customer, **GERMAN, einvoice_format="facturx")
    assert response.status_code == 302
    assert _stored(app, customer.account_id) is EInvoiceFormat.FACTURX
    again = customer.client.get("/billing/info").text
    assert re.search(r'<option selected value="facturx">|<option value="facturx" selected', again)


def test_not_offered_outside_the_eu_nor_without_a_vat_id(app, customer):
    _set_info(app, customer.account_id, country="US", vat_id=None)
    assert not FORMAT_SELECT.search(customer.client.get("/billing/info").text)
    _set_info(app, customer.account_id, country="FR", vat_id=None)  # a consumer in the EU
    assert not FORMAT_SELECT.search(customer.client.get("/billing/info").text)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Choose PDF, Factur-X or UBL."),
        ("it", "Scegli PDF, Factur-X o UBL."),
        ("fr", "Choisissez PDF, Factur-X ou UBL."),
    ],
)
def test_a_forged_value_is_refused_with_a_translated_error(app, customer, language, message):
    _set_info(app, customer.account_id, country="DE", vat_id="DE136695976")
    response = _save(customer, language, **GERMAN, einvoice_format="docx")
    assert response.status_code == 422
    assert message in response.text
    assert _stored(app, customer.account_id) is EInvoiceFormat.PDF


def test_factur_x_forged_for_a_customer_outside_the_eu_is_refused(app, customer):
    response = _save(customer, **AMERICAN, einvoice_format="ubl")
    assert response.status_code == 422
    assert "Factur-X and UBL are for businesses in the EU" in response.text
    assert FORMAT_SELECT.search(response.text)  # shown, with its error, to choose PDF
    assert _stored(app, customer.account_id) is EInvoiceFormat.PDF
    assert _save(customer, **AMERICAN, einvoice_format="pdf").status_code == 302


def test_a_page_that_does_not_post_the_choice_keeps_it(app, customer):
    _set_info(
        app,
        customer.account_id,
        country="DE",
        vat_id="DE136695976",
        einvoice_format=EInvoiceFormat.UBL,
    )
    assert _save(customer, **{**GERMAN, "company": "Müller AG"}).status_code == 302
    assert _stored(app, customer.account_id) is EInvoiceFormat.UBL


def _german_invoice(app, customer, factory, invoicing, chosen: EInvoiceFormat) -> int:
    _set_info(app, customer.account_id, country="DE", vat_id="DE136695976", einvoice_format=chosen)
    return invoicing.first_purchase(customer.account_id, agents=3)


def test_the_ubl_is_a_download_beside_the_pdf_when_chosen(app, customer, factory, invoicing):
    invoice_id = _german_invoice(app, customer, factory, invoicing, EInvoiceFormat.UBL)
    page = customer.client.get("/billing/invoices/").text
    assert f'href="/billing/invoices/{invoice_id}/ubl"' in page
    assert f'href="/billing/invoices/{invoice_id}/pdf"' in page
    response = customer.client.get(f"/billing/invoices/{invoice_id}/ubl")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == "attachment; filename=INV-2026-000001.xml"
    root = etree.fromstring(response.data)
    assert etree.QName(root).localname == "Invoice"
    assert root.findtext("{*}ID") == "INV-2026-000001"


def test_no_ubl_download_unless_chosen(app, customer, factory, invoicing):
    invoice_id = _german_invoice(app, customer, factory, invoicing, EInvoiceFormat.FACTURX)
    assert "/ubl" not in customer.client.get("/billing/invoices/").text
    assert customer.client.get(f"/billing/invoices/{invoice_id}/ubl").status_code == 404


def test_another_accounts_invoice_or_a_huge_id_is_404(app, customer, factory, invoicing):
    _set_info(
        app,
        customer.account_id,
        country="DE",
        vat_id="DE136695976",
        einvoice_format=EInvoiceFormat.UBL,
    )
    other = factory.account("Schmidt GmbH", country="DE", vat_id="DE136695976")
    _set_info(app, other, einvoice_format=EInvoiceFormat.UBL)
    theirs = invoicing.first_purchase(other)
    for invoice_id in (theirs, MAX_ID, 2**31, 2**63, 10**30):
        assert customer.client.get(f"/billing/invoices/{invoice_id}/ubl").status_code == 404
        assert customer.client.get(f"/billing/invoices/{invoice_id}/pdf").status_code == 404
