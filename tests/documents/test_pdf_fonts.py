"""The embedded font: every Latin-script letter drawn, a clear error when it is not installed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import current_app

from portal import pdf
from portal.documents import pdf as documents
from portal.extensions import db
from portal.models import Invoice
from portal.pdf import FontFilesMissing, PdfRenderError, font_directory, html_to_pdf
from tests.documents.conftest import pdf_text

# Czech, Polish, French, Italian, and the rest of the Latin-script languages of the EU.
LATIN_NAMES = (
    "Dvořák Šťastný Ůžasný Ďáblický Ňoumová Těšínská Říčany",
    "Zakład Usług Łódź Źdźbło Ćma Ńa Śląsk Żółć Gęś Ąę Óó",
    "Crème Brûlée Œuvre Ça Leçon Noël Hôtel Île Maïs Ÿ Æ œ æ «»",
    "Caffè Città Perché Più Così Ò È À Ì Ù",
    "Straße Müller Größe Ärger Öl Über ß",
    "Señor Niño Acción São João Coração Ñ Ã Õ",
    "Ångström Ørsted Æble Hjørring Åland",
    "Ştefan Ţară Șiret Țuică Înghețată Ăsta Â",
    "Kőrösi Csoma Sándor Űrhajó Ő",
    "Čakovec Đakovo Ćuprija Žužemberk",
    "Šiauliai Ėglė Įvykis Ųsas Ūkis Ąžuolas Ērglis Ģirts Ķekava Ļaudis Ņemt Ōzols Īle",
    "Õun Tšekk Žürii Ä Ö Ü Š Ž",
    "Ħamrun Ġgantija Ċirkewwa Żejtun",
    "Íslenska Þór Ðorri Ýmir",
    "İstanbul Iğdır Şişli Çağlayan",  # noqa: RUF001 - the dotless i is the point
)


def test_every_latin_script_letter_has_a_glyph(app, factory, invoicing):
    sample = " · ".join(LATIN_NAMES)
    invoice_id = invoicing.first_purchase(invoicing.customer(factory, "Acme s.r.o."))
    # In the bold company name and the regular note: both faces must cover every letter.
    invoicing.update(invoice_id, customer={"company": sample, "country": "CZ"}, note=sample)
    with app.app_context():
        document = documents.render_invoice_html(db.session.get(Invoice, invoice_id))
        rendered = html_to_pdf(document, font_directory(current_app.config["VENDOR_DIR"]))
    assert rendered.missing_glyphs == ()
    text = pdf_text(rendered.content)
    for name in LATIN_NAMES:
        for word in name.split():
            assert word in text, word


def test_a_character_no_font_has_is_logged_and_the_document_still_renders(
    app, factory, invoicing, caplog
):
    account = invoicing.customer(factory, "Acme S.r.l.")
    invoice_id = invoicing.first_purchase(account)
    invoicing.update(invoice_id, note="Thanks 漢字")
    with app.app_context():
        content = documents.render_invoice_pdf(db.session.get(Invoice, invoice_id))
    assert content.startswith(b"%PDF")
    assert "INV-2026-000001 PDF: No font this document has can draw" in caplog.text


def test_missing_font_files_fail_with_a_message_naming_npm_ci(app, factory, invoicing, tmp_path):
    account = invoicing.customer(factory, "Acme S.r.l.")
    invoice_id = invoicing.first_purchase(account)
    app.config["VENDOR_DIR"] = str(tmp_path)
    with app.app_context(), pytest.raises(FontFilesMissing) as failure:
        documents.render_invoice_pdf(db.session.get(Invoice, invoice_id))
    message = str(failure.value)
    assert "`npm ci`" in message
    assert "dejavu-fonts-ttf" in message
    assert "DejaVuSans.ttf" in message
    assert str(tmp_path) in message


def test_the_link_callback_resolves_the_two_font_files_only(app):
    with app.app_context():
        fonts = font_directory(current_app.config["VENDOR_DIR"])
    resolve = pdf.font_link_callback(fonts)
    assert resolve("DejaVuSans.ttf", None) == str(fonts / "DejaVuSans.ttf")
    assert resolve("DejaVuSans-Bold.ttf", None) == str(fonts / "DejaVuSans-Bold.ttf")
    for other in ("DejaVuSerif.ttf", "../../package.json", "/etc/passwd", "http://example.com/x"):
        assert resolve(other, None) is None


def test_a_document_cannot_read_other_local_files(app, tmp_path):
    secret = tmp_path / "secret.ttf"
    secret.write_bytes(b"not yours")
    document = (
        f'<html><head><style>@font-face {{ font-family: Other; src: url("{secret}"); }}'
        "</style></head><body><p>x</p></body></html>"
    )
    with app.app_context():
        fonts = font_directory(current_app.config["VENDOR_DIR"])
    with pytest.raises(PdfRenderError, match="not embedded"):
        html_to_pdf(document, fonts)


def test_xhtml2pdf_errors_raise_a_clear_error(app, factory, invoicing, monkeypatch):
    account = invoicing.customer(factory, "Acme S.r.l.")
    invoice_id = invoicing.first_purchase(account)
    failed = SimpleNamespace(err=1, log=[("error", 3, "broken table", "<table>")])
    broken = SimpleNamespace(CreatePDF=lambda *args, **kwargs: failed)
    monkeypatch.setattr(pdf, "_pisa", lambda: broken)
    with app.app_context(), pytest.raises(documents.InvoicePdfError) as failure:
        documents.render_invoice_pdf(db.session.get(Invoice, invoice_id))
    assert "INV-2026-000001" in str(failure.value)
    assert "broken table" in str(failure.value)
