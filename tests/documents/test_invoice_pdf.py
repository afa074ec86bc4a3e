"""What an invoice PDF says: names in any Latin script, the note as typed, figures, language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency

from portal.documents import pdf as documents
from portal.extensions import db
from portal.models import Invoice, InvoiceStatus
from tests.documents.conftest import embedded_fonts, flat, pdf_text

POLISH = "Zakład Usług Łódź Sp. z o.o."
CZECH = "Dvořák & Šťastný s.r.o."
DASH = "\N{EN DASH}"  # between the dates of a period


def render(app, invoice_id: int) -> bytes:
    """The invoice's PDF, rendered now."""
    with app.app_context():
        return documents.render_invoice_pdf(db.session.get(Invoice, invoice_id))


def html(app, invoice_id: int) -> str:
    """The HTML given to xhtml2pdf."""
    with app.app_context():
        return documents.render_invoice_html(db.session.get(Invoice, invoice_id))


def money(amount: str, currency: str, language: str) -> str:
    """An amount as Babel writes it in the language (the PDF must show exactly this)."""
    return flat(format_currency(Decimal(amount), currency, locale=language))


@pytest.mark.parametrize(
    ("company", "country", "contact", "city"),
    [
        (POLISH, "PL", "Paweł Żółć-Gęślą", "Łódź"),
        (CZECH, "CZ", "Jiří Dvořák", "Ústí nad Labem"),
    ],
)
def test_latin_script_names_come_out_exactly_in_an_embedded_dejavu_font(
    app, factory, invoicing, caplog, company, country, contact, city
):
    account = invoicing.customer(factory, company, country=country, contact_name=contact, city=city)
    content = render(app, invoicing.first_purchase(account))
    text = pdf_text(content)
    assert company in text
    assert contact in text
    assert city in text
    fonts = embedded_fonts(content)
    drawing = {name.split("+", 1)[-1]: embedded for name, embedded in fonts.items() if "+" in name}
    assert drawing == {"DejaVuSans": True, "DejaVuSans-Bold": True}
    assert "missing glyph" not in caplog.text.lower()
    assert "No font this document has can draw" not in caplog.text


def test_note_is_shown_literally_never_as_markup(app, factory, invoicing):
    account = invoicing.customer(factory, "Acme S.r.l.")
    invoice_id = invoicing.first_purchase(account)
    invoicing.update(invoice_id, note="<b>bold</b> & co\nsecond line <script>x</script>")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html(app, invoice_id)
    text = pdf_text(render(app, invoice_id))
    assert "<b>bold</b> & co" in text
    assert "second line <script>x</script>" in text


def test_italian_seat_change_shows_the_quote_figures_as_babel_writes_them(app, factory, invoicing):
    account = invoicing.customer(factory, "Caffè Sàrl S.r.l.", country="IT", language="it")
    text = pdf_text(render(app, invoicing.seat_change(account, before=3, after=5)))
    assert "5 agenti × 15,00 € × 18/30 giorni" in text
    assert "Sconto per abbonamento non utilizzato: 3 agenti × 15,00 € × 18/30 giorni" in text
    for amount in ("45.00", "-27.00", "18.00", "3.96", "21.96"):
        assert money(amount, "EUR", "it") in text
    assert "21,96 €" in text
    assert "-27,00 €" in text  # the discount is visibly negative
    assert "Imponibile" in text
    assert "IVA 22%" in text
    assert "Totale" in text
    assert "Standard · Mensile" in text
    assert "13 novembre 2026" in text  # issue date
    assert f"13 nov 2026 {DASH} 1 dic 2026" in text  # the lines' period


# English labels of the PDF that have no Italian or French translation until the lead adds them.
NEW_LABELS = (
    "Invoice",
    "Issue date",
    "Seller",
    "Customer",
    "VAT ID:",
    "Amount paid",
    "Paid with",
    "VAT ID of the seller",
    "VAT ID of the customer",
)


def test_italian_labels_of_the_document(app, factory, invoicing):
    account = invoicing.customer(factory, "Caffè S.r.l.", country="IT", language="it")
    invoice_id = invoicing.seat_change(account)
    invoicing.update(invoice_id, note="Ordine 17")
    text = pdf_text(render(app, invoice_id))
    assert "Fattura" in text
    assert [label for label in (*NEW_LABELS, "Note") if label in text] == []


def test_french_reverse_charge_invoice_says_autoliquidation_with_both_vat_ids(
    app, factory, invoicing
):
    account = invoicing.customer(
        factory,
        "Société Générale d'Équipement",
        country="FR",
        vat_id="FR40303265045",
        language="fr",
    )
    invoice_id = invoicing.first_purchase(account, agents=2)
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).tax_kind == "reverse_charge"
    text = pdf_text(render(app, invoice_id))
    assert "Autoliquidation" in text
    assert "FR40303265045" in text
    assert "IT12345670017" in text
    assert money("30.00", "EUR", "fr") in text
    assert "Société Générale d'Équipement" in text
    assert "13 novembre 2026" in text
    assert "Montant HT" in text


def test_french_labels_of_the_reverse_charge_invoice(app, factory, invoicing):
    account = invoicing.customer(
        factory, "Société Lyonnaise", country="FR", vat_id="FR40303265045", language="fr"
    )
    text = pdf_text(render(app, invoicing.first_purchase(account)))
    assert "Facture" in text
    assert [label for label in NEW_LABELS if label in text] == []


def test_english_invoice_has_every_part(app, factory, invoicing):
    account = invoicing.customer(
        factory,
        "Acme Ltd",
        contact_name="Jane Doe",
        address="Via Roma 10",
        postal_code="00100",
        city="Roma",
        vat_id="IT00743110157",
    )
    text = pdf_text(render(app, invoicing.first_purchase(account, agents=2, packs=1)))
    for expected in (
        "Invoice",
        "INV-2026-000001",
        "Issue date",
        "November 13, 2026",
        f"Nov 13, 2026 {DASH} Dec 13, 2026",
        "Seller",
        "Chatdesk S.r.l.",
        "Via Example 1, 20100 Milano",
        "VAT ID: IT12345670017",
        "Customer",
        "Acme Ltd",
        "Jane Doe",
        "Via Roma 10",
        "00100 Roma",
        "Italy",
        "VAT ID: IT00743110157",
        "Standard · Monthly",
        "2 agents × €15.00",
        "1 conversation pack × €10.00",
        "Net",
        "€40.00",
        "VAT 22%",
        "€8.80",
        "Total",
        "€48.80",
        "Amount paid",
        "Paid with Visa •••• 4242",
        "Paid",
    ):
        assert expected in text, expected
    assert "Reverse charge" not in text


def test_open_invoice_with_credit_used_shows_the_amount_to_pay(app, factory, invoicing):
    account = invoicing.customer(factory, "Acme S.r.l.")
    invoice_id = invoicing.first_purchase(
        account, status=InvoiceStatus.OPEN, paid_with="", credit_minor=500
    )
    text = pdf_text(render(app, invoice_id))
    assert "Open" in text
    assert "Account credit used" in text
    assert "-€5.00" in text
    assert "Amount to pay" in text
    assert "€31.60" in text  # 36.60 - 5.00
    assert "Paid with" not in text


def test_credit_note_refers_to_the_invoice_it_corrects(app, factory, invoicing):
    account = invoicing.customer(factory, "Acme S.r.l.")
    invoice_id = invoicing.seat_change(account, before=3, after=5)
    credit_id = invoicing.seat_change(account, before=5, after=3, corrects=invoice_id)
    text = pdf_text(render(app, credit_id))
    assert "Credit note" in text
    assert "CN-2026-000001" in text
    assert "Corrects invoice INV-2026-000001" in text
    assert "Unused value of 2 removed agents × €15.00 × 18/30 days" in text
    assert "-€18.00" in text
    assert "-€3.96" in text
    assert "-€21.96" in text
    assert "Added to your account credit" in text
    assert "€21.96" in text


def test_customer_outside_the_eu_gets_the_out_of_scope_mention(app, factory, invoicing):
    account = invoicing.customer(factory, "Acme Inc.", country="US")
    text = pdf_text(render(app, invoicing.first_purchase(account, currency="USD")))
    assert "VAT not applicable: customer outside the EU" in text
    assert "United States" in text
    assert "$32.00" in text


def test_document_language_is_the_invoices_not_the_viewers(app, factory, invoicing):
    account = invoicing.customer(factory, "Caffè S.r.l.", language="it")
    invoice_id = invoicing.first_purchase(account)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        invoice = db.session.get(Invoice, invoice_id)
        document = documents.render_invoice_html(invoice)
        content = documents.render_invoice_pdf(invoice)
    assert '<html lang="it">' in document
    text = pdf_text(content)
    assert "Imponibile" in text
    assert "36,60 €" in text
    assert "Montant HT" not in text


def test_the_same_inputs_give_the_same_bytes(app, factory, invoicing):
    account = invoicing.customer(factory, CZECH, country="CZ")
    invoice_id = invoicing.first_purchase(account)
    assert render(app, invoice_id) == render(app, invoice_id)
