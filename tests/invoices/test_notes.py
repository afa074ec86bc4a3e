"""Notes edited in place: htmx fragments, the page without JavaScript, limits, other accounts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import BillingActivity, Invoice
from tests.conftest import csrf_token_from

HX = {"HX-Request": "true"}


def _token(customer) -> str:
    """The CSRF token from the invoices page."""
    return csrf_token_from(customer.client.get("/billing/invoices/").text)


def _note(app, invoice_id: int) -> str:
    """The stored note."""
    with app.app_context():
        return db.session.get(Invoice, invoice_id).note


def test_edit_swaps_the_cell_for_a_form(customer, issue):
    invoice_id = issue(customer.account_id)
    page = customer.client.get("/billing/invoices/").text
    assert f'hx-get="/billing/invoices/{invoice_id}/note/edit"' in page
    assert f'hx-target="#note-{invoice_id}"' in page
    fragment = customer.client.get(f"/billing/invoices/{invoice_id}/note/edit", headers=HX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith(f'<td id="note-{invoice_id}"')
    assert "<textarea" in fragment.text
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_save_puts_the_note_back_in_the_row(customer, issue, app):
    invoice_id = issue(customer.account_id)
    response = customer.client.post(
        f"/billing/invoices/{invoice_id}/note",
        data={"csrf_token": _token(customer), "note": "  PO 4711 — cost centre 12  "},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<td id="note-{invoice_id}"')
    assert "PO 4711 — cost centre 12" in response.text
    assert "<textarea" not in response.text
    assert _note(app, invoice_id) == "PO 4711 — cost centre 12"
    with app.app_context():
        entry = db.session.scalar(
            select(BillingActivity).where(BillingActivity.kind == "invoice_note")
        )
        assert entry.details["document"] == "INV-2026-000001"


def test_cancel_swaps_the_cell_back(customer, issue):
    invoice_id = issue(customer.account_id)
    cell = customer.client.get(f"/billing/invoices/{invoice_id}/note", headers=HX)
    assert cell.status_code == 200
    assert "<textarea" not in cell.text
    plain = customer.client.get(f"/billing/invoices/{invoice_id}/note")
    assert plain.status_code == 302


def test_without_javascript_the_note_has_its_own_page(customer, issue, app):
    invoice_id = issue(customer.account_id)
    page = customer.client.get(f"/billing/invoices/{invoice_id}/note/edit")
    assert "<html" in page.text
    assert 'action="/billing/invoices/' in page.text
    response = customer.client.post(
        f"/billing/invoices/{invoice_id}/note",
        data={"csrf_token": csrf_token_from(page.text), "note": "Paid by transfer"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/billing/invoices/"
    assert "Paid by transfer" in customer.client.get("/billing/invoices/").text


def test_markup_is_shown_escaped(customer, issue, app):
    invoice_id = issue(customer.account_id)
    note = '<b>bold</b> & <script>alert("x")</script>'
    customer.client.post(
        f"/billing/invoices/{invoice_id}/note",
        data={"csrf_token": _token(customer), "note": note},
        headers=HX,
    )
    assert _note(app, invoice_id) == note
    page = customer.client.get("/billing/invoices/").text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "<script>alert" not in page


def test_501_characters_are_refused_and_nothing_is_lost(customer, issue, app):
    invoice_id = issue(customer.account_id)
    customer.client.post(
        f"/billing/invoices/{invoice_id}/note",
        data={"csrf_token": _token(customer), "note": "kept"},
        headers=HX,
    )
    too_long = "x" * 501
    for headers in (HX, {}):
        response = customer.client.post(
            f"/billing/invoices/{invoice_id}/note",
            data={"csrf_token": _token(customer), "note": too_long},
            headers=headers,
        )
        assert response.status_code == 422
        assert "at most 500 characters; this one has 501" in response.text
        assert too_long in response.text  # the typed text stays in the form
    assert _note(app, invoice_id) == "kept"
    exactly = "y" * 500
    ok = customer.client.post(
        f"/billing/invoices/{invoice_id}/note",
        data={"csrf_token": _token(customer), "note": exactly},
        headers=HX,
    )
    assert ok.status_code == 200
    assert _note(app, invoice_id) == exactly


def test_501_characters_message_is_translated(customer, issue):
    invoice_id = issue(customer.account_id)
    response = customer.client.post(
        f"/billing/invoices/{invoice_id}/note",
        data={"csrf_token": _token(customer), "note": "x" * 501},
        headers={**HX, "Accept-Language": "it"},
    )
    assert response.status_code == 422
    assert "500" in response.text and "501" in response.text
    assert "at most" not in response.text


def test_another_accounts_invoice_is_404(customer, other_account_invoice, app):
    invoice_id = other_account_invoice
    token = _token(customer)
    assert customer.client.get(f"/billing/invoices/{invoice_id}/note/edit").status_code == 404
    assert (
        customer.client.get(f"/billing/invoices/{invoice_id}/note", headers=HX).status_code == 404
    )
    posted = customer.client.post(
        f"/billing/invoices/{invoice_id}/note", data={"csrf_token": token, "note": "mine"}
    )
    assert posted.status_code == 404
    assert customer.client.get(f"/billing/invoices/{invoice_id}/pdf").status_code == 404
    assert customer.client.get(f"/billing/invoices/{invoice_id}/pay").status_code == 404
    assert _note(app, invoice_id) == ""


def test_note_post_without_csrf_is_refused(customer, issue, app):
    invoice_id = issue(customer.account_id)
    response = customer.client.post(f"/billing/invoices/{invoice_id}/note", data={"note": "x"})
    assert response.status_code == 400
    assert _note(app, invoice_id) == ""


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "Edit the note of %s"),
        ("it", "Modifica la nota di %s"),
        ("fr", "Modifier la note de %s"),
    ],
)
def test_each_rows_edit_link_names_its_own_document(customer, issue, language, label):
    first, second = issue(customer.account_id), issue(customer.account_id, agents=3)
    headers = {"Accept-Language": language}
    page = customer.client.get("/billing/invoices/", headers=headers).text
    for invoice_id, number in ((first, "INV-2026-000001"), (second, "INV-2026-000002")):
        cell = customer.client.get(
            f"/billing/invoices/{invoice_id}/note", headers={**HX, **headers}
        ).text
        labels = re.findall(rf'<td id="note-{invoice_id}".*?aria-label="([^"]*)"', page, re.S)
        assert labels == re.findall(r'aria-label="([^"]*)"', cell)
        assert labels[0] == label % number
    assert f'href="/billing/invoices/{first}/pdf"' in page
