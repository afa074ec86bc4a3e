"""An Italian customer edits an invoice note in place and finds it in the downloaded PDF."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from portal.documents.issuing import issue_document
from portal.domain.catalog import BillingPeriod, Plan
from portal.domain.pricing import Configuration, price_change
from portal.domain.tax import TaxKind, TaxTreatment
from portal.extensions import db
from portal.models import Account, Invoice, InvoiceStatus, Role
from portal.pdf import font_directory
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


def _sign_in_italian(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", "owner@dolce.example.com")
    page.fill("#password", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(re.compile(r"/package$"))


def test_editing_a_note_puts_the_cursor_at_its_end_and_escape_cancels(
    app, chromium, live_url, invoice_id
):
    """Italian at 390 px (item 12): Edit opens the note with the cursor after its text; Escape
    puts the cell back as it was, saving nothing, and the focus on Edit."""
    with app.app_context():
        db.session.get(Invoice, invoice_id).note = "Ordine 4711"
        db.session.commit()
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _sign_in_italian(page, live_url)
        page.goto(f"{live_url}/billing/invoices/")
        page.locator(f"#note-{invoice_id} a").focus()
        page.keyboard.press("Enter")
        textarea = page.locator(f"#note-text-{invoice_id}")
        expect(textarea).to_be_focused()
        caret = textarea.evaluate("e => [e.selectionStart, e.selectionEnd, e.value.length]")
        assert caret == [11, 11, 11], caret
        page.keyboard.type(" — urgente")
        expect(textarea).to_have_value("Ordine 4711 — urgente")
        page.keyboard.press("Escape")
        expect(textarea).to_have_count(0)
        expect(page.locator(f"#note-{invoice_id} .note-text")).to_have_text("Ordine 4711")
        expect(page.locator(f"#note-{invoice_id} a")).to_be_focused()
    finally:
        context.close()
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).note == "Ordine 4711"


def test_a_long_note_without_spaces_wraps_on_the_pdf(app, chromium, live_url, invoice_id, tmp_path):
    """Italian (item 12): a 500-character note without a space stays inside the page's
    margins, broken over lines, every character kept."""
    note = ("IT60X0542811101000000123456/RIF-ORDINE-4711_" * 12)[:500]
    context = chromium.new_context(locale="it-IT", accept_downloads=True)
    page = context.new_page()
    try:
        _sign_in_italian(page, live_url)
        page.goto(f"{live_url}/billing/invoices/")
        page.locator(f"#note-{invoice_id}").get_by_role("link").click()
        page.locator(f"#note-text-{invoice_id}").fill(note)
        page.locator(f"#note-{invoice_id} button[type=submit]").click()
        expect(page.locator(f"#note-{invoice_id} .note-text")).to_have_text(note)
        # On the page too the note wraps: the list keeps its columns in view.
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            scroll = page.locator("main .table-scroll")
            assert scroll.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), width
        with page.expect_download() as download_info:
            page.click(f"a[href$='/billing/invoices/{invoice_id}/pdf']")
        path = tmp_path / "invoice.pdf"
        download_info.value.save_as(path)
    finally:
        context.close()
    pdf = PdfReader(io.BytesIO(path.read_bytes())).pages[0]
    width = float(pdf.mediabox.width)
    pieces: list[tuple[float, str]] = []

    def keep(text, cm, tm, font_dict, font_size) -> None:
        if "RIF-ORDINE" in text or "0542811" in text or text.strip().startswith("_"):
            pieces.append((tm[4] * cm[0] + cm[4], text))

    text = pdf.extract_text(visitor_text=keep)
    assert note in "".join(text.split())  # every character, in order
    assert len(pieces) >= 5, pieces  # broken over several lines
    # Each line ends inside the right margin (1.8 cm), measured in the PDF's own font.
    fonts = font_directory(app.config["VENDOR_DIR"])
    pdfmetrics.registerFont(TTFont("NoteTestSans", str(fonts / "DejaVuSans.ttf")))
    right_margin = width - 1.8 / 2.54 * 72
    for x, piece in pieces:
        end = x + pdfmetrics.stringWidth(piece.strip(), "NoteTestSans", 9)
        assert end <= right_margin + 0.5, (end, right_margin, piece)
