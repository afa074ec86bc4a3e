"""Billing info: validation, CC addresses, VAT IDs; issued invoices keep their details."""

from __future__ import annotations

import re
from datetime import date

import pytest
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


# An Italian business: a VAT ID, and where the exchange system delivers its e-invoices.
ITALIAN_BUSINESS = {
    "country": "IT",
    "vat_id": "IT00743110157",
    "recipient_code": "m5uxcr1",
    "pec": "Fatture@PEC.Bottega.example.it",
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
    # An Italian business: the e-invoice delivery fields and the e-invoice format are offered.
    with app.app_context():
        info = db.session.get(Account, customer.account_id).billing_info
        info.vat_id = "IT00743110157"
        db.session.commit()
    page = customer.client.get("/billing/info").text
    assert [name for name in FIELDS if f'name="{name}"' not in page] == []
    data = {
        **VALID,
        **ITALIAN_BUSINESS,
        "tax_code": "00743110157",
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
        # The customer is in Italy with that VAT ID already: every other field changed.
        assert entry.details["fields"] == [
            name for name in FIELDS if name not in ("country", "vat_id")
        ]
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


def test_an_italian_business_keeps_its_recipient_code_in_capitals_and_its_pec(customer, app):
    response = _save(customer, **ITALIAN_BUSINESS)
    assert response.status_code == 302
    info = _info(app, customer.account_id)
    assert (info.recipient_code, info.pec, info.tax_code) == (
        "M5UXCR1",
        "fatture@pec.bottega.example.it",
        "",
    )


def test_an_italian_business_needs_a_recipient_code_or_a_pec(customer, app):
    response = _save(customer, **{**ITALIAN_BUSINESS, "recipient_code": "", "pec": ""})
    assert response.status_code == 422
    assert "needs an SdI recipient code or a PEC address" in response.text
    assert _info(app, customer.account_id).vat_id is None
    # A PEC alone, or the code for "unknown" alone, is enough.
    assert _save(customer, **{**ITALIAN_BUSINESS, "recipient_code": ""}).status_code == 302
    assert (
        _save(customer, **{**ITALIAN_BUSINESS, "pec": "", "recipient_code": "0000000"}).status_code
        == 302
    )
    assert _info(app, customer.account_id).recipient_code == "0000000"


@pytest.mark.parametrize(
    ("code", "stored"),
    [
        ("M5UXCR", None),
        ("M5UXCR12", None),
        ("M5U-CR1", None),
        ("M5UX\x00R1", None),
        ("m5uxcr1", "M5UXCR1"),
    ],
    ids=["six-characters", "eight-characters", "dash", "nul-byte", "lower-case-is-capitalised"],
)
def test_a_recipient_code_is_seven_letters_and_digits(customer, app, code, stored):
    response = _save(customer, **{**ITALIAN_BUSINESS, "recipient_code": code, "pec": ""})
    if stored is None:
        assert response.status_code == 422
        assert _info(app, customer.account_id).vat_id is None
    else:
        assert response.status_code == 302
        assert _info(app, customer.account_id).recipient_code == stored


def test_a_private_person_in_italy_needs_a_valid_tax_code(customer, app):
    person = {"country": "IT", "vat_id": "", "recipient_code": "", "pec": ""}
    missing = _save(customer, **person, tax_code="")
    assert missing.status_code == 422
    assert "enter your tax code" in missing.text
    # The check character of RSSMRA85T10A562S is S: another one is refused.
    wrong = _save(customer, **person, tax_code="RSSMRA85T10A562T")
    assert wrong.status_code == 422
    assert "This tax code is not valid" in wrong.text
    nul = _save(customer, **person, tax_code="RSSMRA85T10\x00562S")
    assert nul.status_code == 422
    assert _info(app, customer.account_id).vat_id is None
    assert _save(customer, **person, tax_code="rssmra 85t10 a562s").status_code == 302
    assert _info(app, customer.account_id).tax_code == "RSSMRA85T10A562S"


def test_a_company_may_give_its_eleven_digit_tax_code(customer, app):
    assert _save(customer, **ITALIAN_BUSINESS, tax_code="00743110158").status_code == 422
    assert _save(customer, **ITALIAN_BUSINESS, tax_code="00743110157").status_code == 302
    assert _info(app, customer.account_id).tax_code == "00743110157"


def test_outside_italy_the_e_invoice_delivery_fields_are_not_kept(customer, app):
    assert (
        _save(customer, recipient_code="bad", pec="x@pec.example.it", tax_code="x").status_code
        == 302
    )
    info = _info(app, customer.account_id)
    assert (info.country, info.recipient_code, info.pec, info.tax_code) == ("CZ", "", "", "")


def test_the_italian_fields_are_in_the_documents_customer_snapshot(customer, issue, app):
    assert _save(customer, **ITALIAN_BUSINESS).status_code == 302
    invoice_id = issue(customer.account_id)
    with app.app_context():
        snapshot = db.session.get(Invoice, invoice_id).customer
    assert snapshot["recipient_code"] == "M5UXCR1"
    assert snapshot["pec"] == "fatture@pec.bottega.example.it"
    assert snapshot["tax_code"] == ""
