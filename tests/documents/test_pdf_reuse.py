"""What a process reuses from one PDF to the next (parsed stylesheets) never mixes documents."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from portal import pdf
from portal.documents import pdf as documents
from portal.extensions import db
from portal.models import Invoice, Role
from tests.catalogs.conftest import copy_catalogs, key_of
from tests.catalogs.test_editor import save
from tests.documents.conftest import pdf_text

TRANSLATOR = "tina@vendor.example.com"


def render(app, invoice_id: int) -> bytes:
    """The invoice's PDF, drawn now."""
    with app.app_context():
        return documents.render_invoice_pdf(db.session.get(Invoice, invoice_id))


def number_of(app, invoice_id: int) -> str:
    """The invoice's number."""
    with app.app_context():
        return db.session.get(Invoice, invoice_id).number


def test_two_invoices_drawn_in_a_row_show_their_own_number_total_and_language(
    app, factory, invoicing
):
    italian = invoicing.first_purchase(
        invoicing.customer(factory, "Caffè S.r.l.", language="it"), agents=2
    )
    french = invoicing.first_purchase(
        invoicing.customer(factory, "Société Exemple", language="fr"), agents=5
    )
    render(app, french)  # the stylesheets are parsed and kept by now
    first, second = pdf_text(render(app, italian)), pdf_text(render(app, french))
    assert number_of(app, italian) in first
    assert number_of(app, french) not in first
    assert "Imponibile" in first and "Montant HT" not in first
    assert "36,60 €" in first  # 2 agents x EUR 15.00 + 22 % VAT
    assert number_of(app, french) in second
    assert number_of(app, italian) not in second
    assert "Montant HT" in second and "Imponibile" not in second
    assert "91,50 €" in second.replace("\N{NARROW NO-BREAK SPACE}", " ")  # 5 agents


def test_reused_stylesheets_give_the_very_same_bytes(app, factory, invoicing, monkeypatch):
    account = invoicing.customer(factory, "Dvořák s.r.o.", country="CZ")
    invoice_id = invoicing.first_purchase(account)
    render(app, invoice_id)
    reused = render(app, invoice_id)
    monkeypatch.setattr(pdf, "_reusable_blocks", lambda *_args: None)  # parse every time
    assert render(app, invoice_id) == reused


def test_the_blocks_that_act_on_the_document_are_parsed_for_each_document():
    rules = "p { margin: 0; }"
    fonts = '@font-face { font-family: X; src: url("x.ttf"); }'
    context = SimpleNamespace(
        cssSources=[(rules, "<style> block 1"), (fonts, "<style> block 2"), (rules, "3")]
    )
    assert pdf._reusable_blocks(context, rules, "<style> block 1") == ((rules, "<style> block 1"),)
    assert pdf._reusable_blocks(context, fonts, "<style> block 2") is None
    # Rules after a block parsed anew would lose their place among its rules.
    assert pdf._reusable_blocks(context, rules, "3") is None
    custom = SimpleNamespace(cssSources=[(":root { --ink: red; }", "1")])
    assert pdf._reusable_blocks(custom, ":root { --ink: red; }", "1") is None


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, object]:
    """A private copy of the catalogs, which the translator's edit is saved to."""
    return {"BABEL_TRANSLATION_DIRECTORIES": str(copy_catalogs(tmp_path / "translations"))}


def test_a_translators_edit_reaches_the_next_pdf(app, client, factory, auth, invoicing):
    account = invoicing.customer(factory, "Caffè S.r.l.", language="it")
    before = pdf_text(render(app, invoicing.first_purchase(account)))
    assert "Imponibile" in before and "Imponibile netto" not in before
    factory.user(TRANSLATOR, Role.TRANSLATOR, name="Tina Translator")
    auth.login(TRANSLATOR)
    assert save(client, "it", key_of("Net"), "Imponibile netto").status_code == 302
    after = pdf_text(render(app, invoicing.first_purchase(account)))
    assert "Imponibile netto" in after


@pytest.mark.parametrize(
    "note",
    ["", "Ordine 42 <urgente> & co.\n   \n\nRiga   con   spazi  \n\tfine", "  <b>not bold</b>  "],
)
def test_drawing_without_the_whitespace_between_tags_gives_the_very_same_bytes(
    app, factory, invoicing, note
):
    account = invoicing.customer(factory, "Caffè <Nero> & Figli S.r.l.", language="it")
    invoice_id = invoicing.first_purchase(account, agents=3)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        invoice.note = note
        db.session.commit()
        html = documents.render_invoice_html(invoice)
        assert documents.tight_html(html) != html
        fonts = pdf.font_directory(app.config["VENDOR_DIR"])
        as_written = pdf.html_to_pdf(html, fonts).content
        assert documents.render_invoice_pdf(invoice) == as_written
    if note:
        assert "urgente" in pdf_text(as_written) or "not bold" in pdf_text(as_written)
