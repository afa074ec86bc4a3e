"""An Italian customer edits an invoice note in place and finds it in the downloaded PDF."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.documents.issuing import issue_document
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import Configuration, price_change
from portal.domain.tax import TaxKind, TaxTreatment
from portal.extensions import db
from portal.models import Account, InvoiceStatus, Role
from portal.reference_data import reference
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NOTE = "Ordine n. 4711 — centro di costo <Vendite> & Marketing"


@pytest.fixture
def invoice_id(app, factory) -> int:
    """An Italian owner's account with one paid invoice in Italian."""
    account_id = factory.account("Pasticceria Dolce S.r.l.", country="IT")
    factory.user("owner@dolce.example.com", Role.OWNER, account_id, locale="it")
    with app.app_context():
        account = db.session.get(Account, account_id)
        account.billing_info.invoice_language = "it"
        breakdown = price_change(
            current=None,
            target=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 3, 0),
            today=date(2026, 11, 13),
            currency="EUR",
            prices=reference().prices,
            tax=TaxTreatment(TaxKind.DOMESTIC, Decimal("22"), "IT", "IT"),
        )
        invoice = issue_document(
            account,
            breakdown,
            issued_on=date(2026, 11, 13),
            paid_with="Visa •••• 4242",
            status=InvoiceStatus.PAID,
        )
        db.session.commit()
        return invoice.id


def test_note_edited_in_place_appears_on_the_pdf(chromium, live_url, invoice_id, tmp_path):
    context = chromium.new_context(locale="it-IT", accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{live_url}/login")
        page.fill("#email", "owner@dolce.example.com")
        page.fill("#password", PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url(re.compile(r"/package$"))
        page.goto(f"{live_url}/billing/invoices/")
        assert "Fatture" in page.locator("h1").inner_text()

        cell = page.locator(f"#note-{invoice_id}")
        cell.get_by_role("link").click()
        textarea = page.locator(f"#note-text-{invoice_id}")
        expect(textarea).to_be_visible()
        assert page.url.endswith("/billing/invoices/")  # swapped in place, no navigation
        textarea.fill(NOTE)
        page.locator(f"#note-{invoice_id} button[type=submit]").click()
        expect(page.locator(f"#note-{invoice_id} .note-text")).to_have_text(NOTE)
        assert page.url.endswith("/billing/invoices/")

        with page.expect_download() as download_info:
            page.click(f"a[href$='/billing/invoices/{invoice_id}/pdf']")
        path = tmp_path / "invoice.pdf"
        download_info.value.save_as(path)
    finally:
        context.close()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert " ".join(NOTE.split()) in " ".join(text.split())
    assert "Fattura" in text


def test_a_refused_note_keeps_its_text_and_says_why(chromium, live_url, invoice_id):
    """The form comes back in place (422) with the field's translated error and the text,
    each refused character shown as U+FFFD."""
    context = chromium.new_context(locale="it-IT")
    page = context.new_page()
    try:
        page.goto(f"{live_url}/login")
        page.fill("#email", "owner@dolce.example.com")
        page.fill("#password", PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url(re.compile(r"/package$"))
        page.goto(f"{live_url}/billing/invoices/")
        error = page.locator(f"#note-error-{invoice_id}")
        page.locator(f"#note-{invoice_id}").get_by_role("link").click()
        textarea = page.locator(f"#note-text-{invoice_id}")
        typed = "Totale \u202e001\u202c euro"
        textarea.fill(typed)
        page.locator(f"#note-{invoice_id} button[type=submit]").click()
        expect(error).to_be_visible()
        expect(error).to_contain_text("caratteri di controllo invisibili")
        expect(textarea).to_have_value("Totale \ufffd001\ufffd euro")
        expect(page.locator("#request-error")).to_be_hidden()
        assert page.url.endswith("/billing/invoices/")  # swapped in place, no navigation
        # A correct note afterwards saves and clears the message.
        textarea.fill("Ordine 4711")
        page.locator(f"#note-{invoice_id} button[type=submit]").click()
        expect(page.locator(f"#note-{invoice_id} .note-text")).to_have_text("Ordine 4711")
        expect(error).to_be_hidden()
    finally:
        context.close()
