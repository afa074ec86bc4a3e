"""The e-invoice format on the billing info page of a phone (390 px), in Italian and French: a
business in the EU chooses Factur-X, sees the hint, and finds the choice kept; the invoice page
then offers UBL beside the PDF when UBL is chosen."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Account, EInvoiceFormat, Role
from tests.browser.conftest import sign_in
from tests.documents.conftest import Invoicing

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
HINTS = {
    "it": "Fatture elettroniche EN 16931",
    "fr": "Factures électroniques EN 16931",
}
LABELS = {"it": "Formato della fattura elettronica", "fr": "Format de la facture électronique"}


@pytest.fixture
def german_business(app, factory) -> int:
    """A German company with a VAT ID, and its owner."""
    account_id = factory.account("Müller GmbH", country="DE", vat_id="DE136695976")
    factory.user("owner@mueller.example.com", Role.OWNER, account_id, locale="it")
    return account_id


def _no_overflow(page) -> None:
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner, (scroll, inner)


def _shot(page, name: str) -> None:
    folder = os.environ.get("PAGE_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.mark.parametrize("language", ["it", "fr"])
def test_a_business_in_the_eu_chooses_factur_x_on_a_phone(
    chromium, live_url, app, german_business, language
):
    with app.app_context():
        db.session.get(Account, german_business).users[0].locale = language
        db.session.commit()
    context = chromium.new_context(locale=language, viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@mueller.example.com")
        page.goto(f"{live_url}/billing/info")
        choice = page.get_by_label(LABELS[language])
        expect(choice).to_be_visible()
        expect(choice).to_have_value("pdf")
        expect(page.locator(".einvoice-format small")).to_contain_text(HINTS[language])
        box = choice.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        _no_overflow(page)
        _shot(page, f"einvoice-format-{language}-390")
        choice.select_option("facturx")
        page.locator("main form [type=submit]").last.click()
        page.wait_for_url(f"{live_url}/billing/info")
        expect(page.get_by_label(LABELS[language])).to_have_value("facturx")
        _no_overflow(page)
    finally:
        context.close()
    with app.app_context():
        info = db.session.get(Account, german_business).billing_info
        assert info.einvoice_format is EInvoiceFormat.FACTURX


def test_the_ubl_download_sits_beside_the_pdf_on_a_phone(chromium, live_url, app, german_business):
    with app.app_context():
        db.session.get(Account, german_business).billing_info.einvoice_format = EInvoiceFormat.UBL
        db.session.commit()
    invoice_id = Invoicing(app).first_purchase(german_business, agents=3)
    context = chromium.new_context(locale="it", viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, live_url, "owner@mueller.example.com")
        page.goto(f"{live_url}/billing/invoices/")
        ubl = page.locator(f"a[href$='/billing/invoices/{invoice_id}/ubl']")
        expect(ubl).to_have_text("XML UBL")
        _no_overflow(page)
        _shot(page, "einvoice-ubl-it-390")
        with page.expect_download() as download:
            ubl.click()
        assert download.value.suggested_filename == "INV-2026-000001.xml"
    finally:
        context.close()
