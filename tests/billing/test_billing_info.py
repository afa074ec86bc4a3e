"""Billing info: validation, CC addresses, VAT IDs; issued invoices keep their details."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.activity.text import _field_labels
from portal.billing.info import FIELDS
from portal.config import LANGUAGES
from portal.extensions import db
from portal.models import Account, BillingActivity, Invoice
from tests.conftest import csrf_token_from

VALID = {
    "company": "Dvořák & Šťastný s.r.o.",
    "contact_name": "Jiří Dvořák",
    "billing_email": "fakturace@dvorak.example.com",
    "cc_emails": "one@dvorak.example.com\ntwo@dvorak.example.com",
    "address": "Vinohradská 1511/230",
    "postal_code": "100 00",
    "city": "Praha 10",
    "country": "CZ",
    "vat_id": "CZ 25123891",
    "invoice_language": "en",
    "invoices_by_email": "y",
    "purchase_order": "4500012345",
}


def _save(customer, **changes):
    """Submit the billing info form."""
    page = customer.client.get("/billing/info")
    data = {**VALID, **changes, "csrf_token": csrf_token_from(page.text)}
    return customer.client.post("/billing/info", data=data)


def _info(app, account_id):
    """The stored billing info."""
    with app.app_context():
        info = db.session.get(Account, account_id).billing_info
        db.session.expunge_all()
        return info


def test_form_shows_the_current_details(customer):
    page = customer.client.get("/billing/info")
    assert page.status_code == 200
    assert 'value="Bottega S.r.l."' in page.text
    assert "Czechia" in page.text or "Czech Republic" in page.text


def test_save_valid_details(customer, app):
    response = _save(customer)
    assert response.status_code == 302
    info = _info(app, customer.account_id)
    assert info.company == "Dvořák & Šťastný s.r.o."
    assert info.vat_id == "CZ25123891"
    assert info.cc_emails == ["one@dvorak.example.com", "two@dvorak.example.com"]
    assert info.invoices_by_email is True
    with app.app_context():
        entry = db.session.scalar(
            select(BillingActivity).where(BillingActivity.kind == "billing_info")
        )
        assert "company" in entry.details["fields"]


def test_wrong_vat_id_is_refused_and_nothing_is_lost(customer, app):
    response = _save(customer, vat_id="CZ25123890")
    assert response.status_code == 422
    assert "check digit does not match" in response.text
    assert 'value="Dvořák &amp; Šťastný s.r.o."' in response.text  # the typed values stay
    assert _info(app, customer.account_id).company == "Bottega S.r.l."


def test_vat_id_of_another_country_is_refused(customer):
    response = _save(customer, vat_id="PL5260250009")
    assert response.status_code == 422
    assert "belongs to another country" in response.text


def test_vat_id_garbage_is_refused(customer):
    response = _save(customer, vat_id="hello")
    assert response.status_code == 422
    assert "not valid" in response.text


def test_more_than_five_cc_addresses_are_refused(customer):
    response = _save(customer, cc_emails="\n".join(f"a{i}@example.com" for i in range(6)))
    assert response.status_code == 422
    assert "at most 5 addresses" in response.text


def test_each_cc_address_is_validated(customer):
    response = _save(customer, cc_emails="ok@example.com, not-an-address")
    assert response.status_code == 422
    assert "not-an-address is not a valid e-mail address." in response.text


def test_opting_out_of_invoice_emails(customer, app):
    data = dict(VALID)
    data.pop("invoices_by_email")
    page = customer.client.get("/billing/info")
    customer.client.post("/billing/info", data={**data, "csrf_token": csrf_token_from(page.text)})
    assert _info(app, customer.account_id).invoices_by_email is False


def test_every_field_of_the_billing_info_is_on_the_form_and_saved(customer, app):
    # A business in the EU (a VAT ID), so that the e-invoice format is offered too.
    with app.app_context():
        info = db.session.get(Account, customer.account_id).billing_info
        info.country, info.vat_id = "DE", "DE136695976"
        db.session.commit()
    page = customer.client.get("/billing/info").text
    assert [name for name in FIELDS if f'name="{name}"' not in page] == []
    data = {
        **VALID,
        "invoice_language": "fr",
        "einvoice_format": "ubl",
        "csrf_token": csrf_token_from(page),
    }
    data.pop("invoices_by_email")  # from on (the default) to off
    assert customer.client.post("/billing/info", data=data).status_code == 302
    with app.app_context():
        entry = db.session.scalar(
            select(BillingActivity).where(BillingActivity.kind == "billing_info")
        )
        assert entry.details["fields"] == list(FIELDS)
        with app.test_request_context():
            assert list(_field_labels()) == list(FIELDS)


def test_the_invoice_language_offers_each_language_named_in_itself(customer):
    page = customer.client.get("/billing/info", headers={"Accept-Language": "it"}).text
    offered = re.findall(r'<option[^>]*value="([a-z]{2})"[^>]*>([^<]+)</option>', page)
    assert [(code, name) for code, name in offered if code in LANGUAGES] == [
        ("it", "Italiano"),
        ("fr", "Français"),
        ("en", "English"),
    ]


def test_forged_country_or_language_is_refused(customer):
    assert _save(customer, country="XX").status_code == 422
    assert _save(customer, invoice_language="de").status_code == 422


def test_a_change_applies_to_future_invoices_only(customer, issue, app):
    older = issue(customer.account_id, agents=1, on=date(2026, 10, 13))
    latest = issue(customer.account_id, agents=2, on=date(2026, 11, 13))
    with app.app_context():
        before = {
            invoice.id: (dict(invoice.customer), invoice.language, invoice.total_minor)
            for invoice in db.session.scalars(select(Invoice))
        }
    assert _save(customer, invoice_language="fr").status_code == 302
    with app.app_context():
        after = {
            invoice.id: (dict(invoice.customer), invoice.language, invoice.total_minor)
            for invoice in db.session.scalars(select(Invoice))
        }
        assert after == before and set(after) == {older, latest}
        assert after[latest][0]["company"] == "Bottega S.r.l."
    new = issue(customer.account_id, agents=3, on=date(2026, 11, 14))
    with app.app_context():
        issued = db.session.get(Invoice, new)
        assert issued.customer["company"] == "Dvořák & Šťastný s.r.o."
        assert issued.customer["vat_id"] == "CZ25123891"
        assert issued.language == "fr"


def test_members_cannot_change_billing_info(client, auth, factory):
    from portal.models import Role

    account = factory.account("Members S.r.l.")
    factory.user("agent@members.example.com", Role.MEMBER, account)
    auth.login("agent@members.example.com")
    assert client.get("/billing/info").status_code == 403
    assert client.get("/billing/activity").status_code == 403


def test_a_country_and_vat_id_change_leaves_every_issued_pdf_byte_identical(
    customer, issue, credit, app
):
    """Italy without VAT ID -> Germany with a VAT ID: every issued document, drawn again after
    the change from nothing stored, is the same PDF byte for byte (parties, IVA 22 %)."""
    import io

    from pypdf import PdfReader

    from portal.models import InvoicePdf

    older = issue(customer.account_id, agents=1, on=date(2026, 10, 13))
    latest = issue(customer.account_id, agents=2, on=date(2026, 11, 13))
    note = credit(older, change_kind="refund", on=date(2026, 11, 13))
    ids = [older, latest, note]
    before = {i: customer.client.get(f"/billing/invoices/{i}/pdf").data for i in ids}
    assert all(content.startswith(b"%PDF") for content in before.values())

    germany = {"country": "DE", "vat_id": "DE123456788", "postal_code": "10115"}
    assert _save(customer, **germany, city="Berlin").status_code == 302
    assert [customer.client.get(f"/billing/invoices/{i}/pdf").data for i in ids] == list(
        before.values()
    )
    with app.app_context():
        db.session.execute(InvoicePdf.__table__.delete())  # nothing stored: drawn again
        db.session.commit()
    redrawn = {i: customer.client.get(f"/billing/invoices/{i}/pdf").data for i in ids}
    assert redrawn == before

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(redrawn[latest])).pages)
    assert "Bottega S.r.l." in text and "Berlin" not in text and "DE123456788" not in text
    assert "22" in text


def test_a_purchase_order_number_is_printed_on_the_invoices_issued_from_then_on(
    customer, issue, app
):
    import io

    from pypdf import PdfReader

    before = issue(customer.account_id, agents=1, on=date(2026, 11, 13))
    assert _save(customer, purchase_order="  PO-4711/2026 ").status_code == 302  # trimmed
    assert _info(app, customer.account_id).purchase_order == "PO-4711/2026"
    assert 'value="PO-4711/2026"' in customer.client.get("/billing/info").text
    after = issue(customer.account_id, agents=2, on=date(2026, 11, 14))
    with app.app_context():
        assert db.session.get(Invoice, before).purchase_order == ""
        assert db.session.get(Invoice, after).purchase_order == "PO-4711/2026"

    def text(invoice_id: int) -> str:
        content = customer.client.get(f"/billing/invoices/{invoice_id}/pdf").data
        return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)

    assert "Your purchase order: PO-4711/2026" in text(after)
    assert "purchase order" not in text(before)
    listing = customer.client.get("/billing/invoices/").text
    assert listing.count("your PO PO-4711/2026") == 1


def test_a_purchase_order_number_longer_than_35_characters_is_refused(customer, app):
    response = _save(customer, purchase_order="P" * 36)
    assert response.status_code == 422
    assert "purchase_order-error" in response.text
    assert _info(app, customer.account_id).purchase_order == ""
    assert _save(customer, purchase_order="P" * 35).status_code == 302
    nul = _save(customer, purchase_order="PO\x00 1")
    assert nul.status_code == 422 and "purchase_order-error" in nul.text  # the field's error
    assert _info(app, customer.account_id).purchase_order == "P" * 35
