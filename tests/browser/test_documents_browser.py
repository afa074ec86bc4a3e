"""In Italian and French, in Chromium: billing info changed -> reissue -> both PDFs, with the
purchase-order number and the quote's number on them.

A billing admin of an Italian company with a paid invoice gives a German address, a VAT ID and
a purchase-order number; the billing info page offers to reissue the most recent invoice; the
reissue page shows both documents' figures; confirming issues the credit note and the new
invoice, whose PDFs say what they cancel and replace (and the new one the PO number), while
the old invoice's PDF stays what it was.
"""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from portal.documents.issuing import issue_document
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import Configuration, price_change
from portal.extensions import db
from portal.models import Account, Invoice, InvoiceStatus, Role
from portal.reference_data import reference
from tests.browser.conftest import shoot, sign_in
from tests.invoices.conftest import ITALY

pytestmark = pytest.mark.browser

TEXTS = {
    "it": {
        "offer": "Riemetti la fattura",
        "saved": "Dati di fatturazione salvati",
        "reissued": "Fattura riemessa",
        "replaces": "Sostituisce la fattura",
        "corrects": "Rettifica la fattura",
        "order": "Rif. ordine di acquisto: PO-4711",
        "quote": "Rif. preventivo Q-2026-000007",
    },
    "fr": {
        "offer": "Réémettre la facture",
        "saved": "Coordonnées de facturation enregistrées",
        "reissued": "Facture réémise",
        "replaces": "Remplace la facture",
        "corrects": "Rectifie la facture",
        "order": "Votre bon de commande : PO-4711",
        "quote": "Selon le devis Q-2026-000007",
    },
}


def _pdf_text(page: Page, url: str) -> str:
    """The text of a PDF downloaded with the page's session."""
    content = page.request.get(url).body()
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("language", ["it", "fr"])
def test_billing_info_change_then_reissue_gives_both_pdfs(
    chromium, live_url, app, factory, language
):
    account_id = factory.account("Bottega Dvořák S.r.l.", country="IT")
    email = f"admin-{language}@bottega.example.com"
    factory.user(email, Role.BILLING_ADMIN, account_id, locale=language)
    with app.app_context():
        account = db.session.get(Account, account_id)
        account.billing_info.invoice_language = language
        breakdown = price_change(
            current=None,
            target=Configuration(Plan.STANDARD, BillingPeriod.MONTHLY, 2, 0),
            today=factory_today(app),
            currency="EUR",
            prices=reference().prices,
            tax=ITALY,
        )
        old = issue_document(
            account,
            breakdown,
            issued_on=factory_today(app),
            paid_with="Visa •••• 4242",
            status=InvoiceStatus.PAID,
            quote_number="Q-2026-000007",  # as if issued by accepting that quote
        )
        db.session.commit()
        old_id, old_number = old.id, old.number

    context = chromium.new_context(
        locale=f"{language}-{language.upper()}", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    try:
        sign_in(page, live_url, email)
        old_pdf = page.request.get(f"{live_url}/billing/invoices/{old_id}/pdf").body()

        page.goto(f"{live_url}/billing/info")
        page.select_option("#country", "DE")
        page.fill("#vat_id", "DE123456788")
        page.fill("#city", "Berlin")
        page.fill("#purchase_order", "PO-4711")
        page.locator("main form.billing-info [type=submit]").click()
        page.wait_for_load_state()
        texts = TEXTS[language]
        expect(page.locator(".flash-success")).to_contain_text(texts["saved"])
        offer = page.locator(".reissue-offer a")
        expect(offer).to_contain_text(texts["offer"])
        shoot(page, f"billing-info-offer-{language}")
        offer.click()
        page.wait_for_url(re.compile(r"/reissue$"))
        main = page.locator("main")
        expect(main).to_contain_text("Bottega Dvořák S.r.l.")
        expect(main).to_contain_text("DE123456788")
        expect(page.locator("[data-figure=credit-added]")).to_contain_text("6,60")
        shoot(page, f"reissue-{language}")
        page.locator("main form [type=submit]").click()
        page.wait_for_url(re.compile(r"/billing/invoices/$"))
        expect(page.locator(".flash-success")).to_contain_text(texts["reissued"])
        shoot(page, f"reissued-list-{language}")

        with app.app_context():
            note, new = db.session.scalars(
                select(Invoice).where(Invoice.id != old_id).order_by(Invoice.id)
            ).all()
            note_id, new_id = note.id, new.id
        assert page.request.get(f"{live_url}/billing/invoices/{old_id}/pdf").body() == old_pdf
        new_text = _pdf_text(page, f"{live_url}/billing/invoices/{new_id}/pdf")
        assert f"{texts['replaces']} {old_number}" in new_text
        assert "DE123456788" in new_text and texts["order"] in new_text
        assert texts["quote"] in new_text  # the quote it came from, kept by the reissue
        assert texts["quote"] in _pdf_text(page, f"{live_url}/billing/invoices/{old_id}/pdf")
        note_text = _pdf_text(page, f"{live_url}/billing/invoices/{note_id}/pdf")
        assert old_number in note_text and texts["corrects"] in note_text
    finally:
        context.close()


def factory_today(app):
    """The app's pinned day."""
    from portal import clock

    with app.app_context():
        return clock.today()
