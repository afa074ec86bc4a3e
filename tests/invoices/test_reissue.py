"""Reissuing the most recent invoice with the current billing info, within its calendar month.

A credit note cancels it, a new invoice with the same lines carries the new details; the tax
difference becomes account credit (a VAT ID now valid: reverse charge) or stays open to pay
(a VAT ID removed). The old documents stay as they were, byte for byte.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import BillingActivity, Invoice, OutgoingEmail
from tests.conftest import at_once, csrf_token_from

ITALY = {
    "company": "Bottega S.r.l.",
    "contact_name": "Giulia Bianchi",
    "billing_email": "conti@bottega.example.com",
    "cc_emails": "",
    "address": "Via Roma 1",
    "postal_code": "20121",
    "city": "Milano",
    "country": "IT",
    "vat_id": "",
    "invoice_language": "en",
    "invoices_by_email": "y",
    "purchase_order": "",
    # Without a VAT ID, an Italian customer gives its tax code (for its e-invoices).
    "tax_code": "RSSMRA85T10A562S",
}
GERMANY = {
    **ITALY,
    "company": "Bottega GmbH",
    "address": "Unter den Linden 1",
    "postal_code": "10117",
    "city": "Berlin",
    "country": "DE",
    "vat_id": "DE123456788",
}


def save_billing(customer, details: dict[str, str]) -> None:
    """Save the billing info form."""
    page = customer.client.get("/billing/info")
    data = {**details, "csrf_token": csrf_token_from(page.text)}
    if not data.get("invoices_by_email"):
        data.pop("invoices_by_email")
    response = customer.client.post("/billing/info", data=data)
    assert response.status_code == 302, response.text


def buy(customer) -> None:
    """Standard monthly with 2 agents, paid with a card: €30.00 net."""
    customer.add_card()
    form = customer.payment_form(plan="standard", period="monthly", currency="EUR", agents="2")
    assert customer.pay(form).status_code == 302


def fingerprint(html: str) -> str:
    """The fingerprint the reissue page's form carries."""
    return re.search(r'name="fingerprint" value="([0-9a-f]+)"', html).group(1)


def confirm(client, invoice_id: int, page: str):
    """Press "Reissue the invoice" on the page shown."""
    data = {"csrf_token": csrf_token_from(page), "fingerprint": fingerprint(page)}
    return client.post(f"/billing/invoices/{invoice_id}/reissue", data=data)


def documents(app) -> list[Invoice]:
    """Every document, in the order issued."""
    with app.app_context():
        found = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        for document in found:
            _ = document.lines
        db.session.expunge_all()
        return list(found)


def pdf_text(client, invoice_id: int) -> str:
    """The PDF's text."""
    content = client.get(f"/billing/invoices/{invoice_id}/pdf").data
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_valid_eu_vat_id_reissues_with_reverse_charge_and_the_vat_becomes_credit(app, customer):
    save_billing(customer, ITALY)
    buy(customer)
    [first] = documents(app)
    assert (first.vat_minor, first.total_minor, first.status) == (660, 3660, "paid")
    before = customer.client.get(f"/billing/invoices/{first.id}/pdf").data

    save_billing(customer, GERMANY)
    info = customer.client.get("/billing/info").text
    assert f"/billing/invoices/{first.id}/reissue" in info
    page = customer.client.get(f"/billing/invoices/{first.id}/reissue")
    assert page.status_code == 200
    text = page.text
    assert "Bottega S.r.l." in text and "Bottega GmbH" in text and "DE123456788" in text
    assert "€36.60" in text and "€30.00" in text  # the old total, the new one (0 % VAT)
    assert "€6.60" in text  # what comes back as credit

    response = confirm(customer.client, first.id, text)
    assert response.status_code == 302, response.text
    old, note, new = documents(app)
    assert (note.kind, note.change_kind, note.corrects_id) == ("credit_note", "reissue", old.id)
    assert note.total_minor == -3660
    assert (new.kind, new.replaces_id, new.status) == ("invoice", old.id, "paid")
    assert (new.net_minor, new.vat_minor, new.total_minor) == (3000, 0, 3000)
    assert new.tax_kind == "reverse_charge" and new.customer["vat_id"] == "DE123456788"
    assert [line.amount_minor for line in new.lines] == [line.amount_minor for line in old.lines]
    assert (new.credit_used_minor, new.amount_due_minor) == (3000, 0)
    assert customer.account().credit_minor == 660
    assert old.customer["company"] == "Bottega S.r.l." and old.status == "paid"

    # The old PDF is as it was; the new one names the new customer and what it replaces.
    assert customer.client.get(f"/billing/invoices/{old.id}/pdf").data == before
    new_text = pdf_text(customer.client, new.id)
    assert "Bottega GmbH" in new_text and f"Replaces invoice {old.number}" in new_text
    assert f"Corrects invoice {old.number}" in pdf_text(customer.client, note.id)
    with app.app_context():
        emailed = db.session.scalars(select(OutgoingEmail.invoice_id)).all()
        assert note.id in emailed and new.id in emailed
        kinds = db.session.scalars(select(BillingActivity.kind)).all()
        assert "invoice_reissued" in kinds
    activity = customer.client.get("/billing/activity").text
    assert f"Invoice {old.number} reissued as {new.number}" in activity
    # Reissued once: no offer any more, and the refund of a lone first payment is gone too.
    assert "/reissue" not in customer.client.get("/billing/info").text


def test_a_vat_id_removed_reissues_with_vat_due_on_an_open_invoice(app, customer):
    save_billing(customer, GERMANY)
    buy(customer)
    [first] = documents(app)
    assert (first.vat_minor, first.total_minor) == (0, 3000)
    save_billing(customer, {**GERMANY, "vat_id": ""})
    page = customer.client.get(f"/billing/invoices/{first.id}/reissue").text
    response = confirm(customer.client, first.id, page)
    assert response.status_code == 302, response.text
    _old, note, new = documents(app)
    assert note.total_minor == -3000
    assert new.vat_minor > 0 and new.status == "open"
    assert (new.credit_used_minor, new.amount_due_minor) == (3000, new.vat_minor)
    assert customer.account().credit_minor == 0
    listing = customer.client.get("/billing/invoices/").text
    assert f"/billing/invoices/{new.id}/pay" in listing


def test_outside_its_month_an_invoice_is_not_reissued(app, clock, customer):
    save_billing(customer, ITALY)
    buy(customer)  # 13 November
    [first] = documents(app)
    save_billing(customer, GERMANY)
    page = customer.client.get(f"/billing/invoices/{first.id}/reissue").text
    clock.advance(days=18)  # 1 December
    response = confirm(customer.client, first.id, page)
    assert response.status_code == 409
    assert "within its calendar month" in response.text
    assert len(documents(app)) == 1
    assert "/reissue" not in customer.client.get("/billing/info").text
    assert customer.client.get(f"/billing/invoices/{first.id}/reissue").status_code == 409


def test_nothing_changed_or_a_forged_fingerprint_reissues_nothing(app, customer):
    save_billing(customer, ITALY)
    buy(customer)
    [first] = documents(app)
    unchanged = customer.client.get(f"/billing/invoices/{first.id}/reissue")
    assert unchanged.status_code == 409 and "nothing to reissue" in unchanged.text
    save_billing(customer, GERMANY)
    page = customer.client.get(f"/billing/invoices/{first.id}/reissue").text
    forged = customer.client.post(
        f"/billing/invoices/{first.id}/reissue",
        data={"csrf_token": csrf_token_from(page), "fingerprint": "0" * 32},
    )
    assert forged.status_code == 409 and "check them again" in forged.text
    no_token = customer.client.post(
        f"/billing/invoices/{first.id}/reissue", data={"fingerprint": fingerprint(page)}
    )
    assert no_token.status_code == 400
    assert len(documents(app)) == 1
    assert customer.client.get(f"/billing/invoices/{2**64}/reissue").status_code == 404


def test_another_account_s_invoice_is_not_found(app, customer, factory, other_account_invoice):
    page = customer.client.get(f"/billing/invoices/{other_account_invoice}/reissue")
    assert page.status_code == 404
    token = csrf_token_from(customer.client.get("/billing/invoices/").text)
    response = customer.client.post(
        f"/billing/invoices/{other_account_invoice}/reissue",
        data={"csrf_token": token, "fingerprint": "x"},
    )
    assert response.status_code == 404


def test_two_tabs_confirming_at_once_reissue_once(app, customer, auth):
    save_billing(customer, ITALY)
    buy(customer)
    [first] = documents(app)
    save_billing(customer, GERMANY)
    tabs = []
    for _tab in range(2):
        client = app.test_client()
        login = client.get("/login")
        client.post(
            "/login",
            data={
                "csrf_token": csrf_token_from(login.text),
                "email": "billing@bottega.example.com",
                "password": "correct horse battery staple",
            },
        )
        tabs.append((client, client.get(f"/billing/invoices/{first.id}/reissue").text))
    results = at_once(*(lambda c=c, p=p: confirm(c, first.id, p).status_code for c, p in tabs))
    assert sorted(results) == [302, 409]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 3
    assert customer.account().credit_minor == 660
