"""An Italian billing admin uploads a letter of intent on a phone, in Italian, and reads its
state; once staff reject it, the reason shows in the list, which fits the screen."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import BillingInfo, LetterOfIntent, Role
from tests.browser.conftest import sign_in
from tests.letters.conftest import PDF, PROTOCOL

pytestmark = pytest.mark.browser

REASON = "Il protocollo non corrisponde alla ricevuta allegata: caricate quella giusta."
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def exporter(app, factory) -> int:
    """An Italian exporter's billing admin who reads the portal in Italian."""
    account_id = factory.account("Esporta S.p.A.", country="IT", vat_id="IT00743110157")
    with app.app_context():
        db.session.get(BillingInfo, account_id).recipient_code = "M5UXCR1"
        db.session.commit()
    factory.user("billing@esporta.example.com", Role.BILLING_ADMIN, account_id, locale="it")
    return account_id


def test_upload_and_the_letter_list_on_a_phone_in_italian(
    chromium, live_url, app, exporter, tmp_path
):
    letter_pdf = tmp_path / "dichiarazione.pdf"
    letter_pdf.write_bytes(PDF)
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_url, "billing@esporta.example.com")
        page.goto(f"{live_url}/billing/info")
        page.get_by_role("link", name="Dichiarazioni d'intento").click()
        expect(page.locator("h1")).to_have_text("Dichiarazioni d'intento")
        expect(page.locator("main")).to_contain_text("Non hai ancora caricato")

        # A text file first: refused, and what was typed stays.
        text_file = tmp_path / "nota.pdf"
        text_file.write_text("non un PDF")
        page.set_input_files("#document", str(text_file))
        page.fill("#protocol", PROTOCOL)
        page.fill("#issued_on", "2026-01-15")
        page.fill("#valid_from", "2026-01-01")
        page.fill("#valid_to", "2026-12-31")
        page.fill("#ceiling", "50000,00")
        page.locator("form.letter-upload [type=submit]").click()
        expect(page.locator("#document-error")).to_contain_text("Questo file non è un PDF")
        expect(page.locator("#protocol")).to_have_value(PROTOCOL)

        page.set_input_files("#document", str(letter_pdf))
        page.locator("form.letter-upload [type=submit]").click()
        row = page.locator("table.letters tbody tr").first
        expect(row).to_contain_text(PROTOCOL)
        expect(row).to_contain_text("In attesa della nostra verifica")
        expect(row.locator("[data-figure=left]")).to_have_text("50.000,00\u00a0€")
        assert page.evaluate(OVERFLOW) <= 0
        if os.environ.get("SCREENSHOTS_DIR"):
            page.screenshot(
                path=f"{os.environ['SCREENSHOTS_DIR']}/letters-it-390.png", full_page=True
            )

        with app.app_context():
            letter = db.session.query(LetterOfIntent).one()
            letter.state, letter.reason = "rejected", REASON
            db.session.commit()
        page.reload()
        expect(row).to_contain_text("Respinta")
        expect(row.locator(".letter-reason")).to_have_text(f"Motivo: {REASON}")
        assert page.evaluate(OVERFLOW) <= 0
    finally:
        context.close()
