"""Saving billing info asks the registry: valid saves it confirmed, invalid is refused naming
the ID, no answer saves it and says VAT is charged until it is confirmed."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, BillingActivity, Role, VatCheck
from tests.billing.test_billing_info import VALID
from tests.conftest import csrf_token_from
from tests.vies.conftest import GERMAN_VAT_ID
from tests.vies.fake_vies import INVALID
from tests.wizard.conftest import Customer

GERMAN = {
    **VALID,
    "company": "Muster GmbH",
    "country": "DE",
    "vat_id": "DE 136 695 976",
    "postal_code": "10115",
    "city": "Berlin",
}
STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}


def _save(customer, **changes):
    page = customer.client.get("/billing/info")
    data = {**GERMAN, **changes, "csrf_token": csrf_token_from(page.text)}
    return customer.client.post("/billing/info", data=data)


def _checks(app, account_id):
    with app.app_context():
        rows = db.session.scalars(
            select(VatCheck).where(VatCheck.account_id == account_id).order_by(VatCheck.id)
        ).all()
        db.session.expunge_all()
        return rows


def _vat_activity(app, account_id):
    with app.app_context():
        return [
            entry.details
            for entry in db.session.scalars(
                select(BillingActivity)
                .where(
                    BillingActivity.account_id == account_id,
                    BillingActivity.kind == "vat_id_check",
                )
                .order_by(BillingActivity.id)
            )
        ]


def test_a_valid_vat_id_is_saved_confirmed_with_its_consultation_number(customer, app):
    response = _save(customer)
    assert response.status_code == 302
    (check,) = _checks(app, customer.account_id)
    assert (check.vat_id, check.verdict, check.reason) == (GERMAN_VAT_ID, "valid", "")
    assert check.consultation_number.startswith("WAPIAAAAW")
    assert check.name == "MUSTER GMBH"
    (entry,) = _vat_activity(app, customer.account_id)
    assert entry["verdict"] == "valid" and entry["previous"] is None
    assert entry["consultation_number"] == check.consultation_number
    page = customer.client.get("/billing/info").text
    assert "confirmed by the EU VAT registry (VIES)" in page
    assert check.consultation_number in page
    summary = customer.client.get("/package/edit/payment", query_string=STANDARD_ONE).text
    assert "Reverse charge" in summary
    assert "could not be confirmed" not in summary
    activity = customer.client.get("/billing/activity").text
    assert check.consultation_number in activity


def test_saving_again_does_not_ask_while_the_confirmation_is_fresh(customer, app, fake_vies):
    _save(customer)
    assert _save(customer, contact_name="Erika Muster").status_code == 302
    assert fake_vies.asked(GERMAN_VAT_ID) == 1
    assert len(_checks(app, customer.account_id)) == 1


def test_an_invalid_vat_id_is_refused_naming_it(customer, app, fake_vies):
    fake_vies.answers[GERMAN_VAT_ID] = INVALID
    response = _save(customer)
    assert response.status_code == 422
    assert "reports DE136695976 as not valid" in response.text
    assert 'aria-invalid="true"' in response.text
    with app.app_context():
        info = db.session.get(Account, customer.account_id).billing_info
        assert info.country == "IT"  # nothing saved
    assert _checks(app, customer.account_id) == []


def test_an_invalid_vat_id_is_refused_in_italian(app, client, auth, factory, fake_vies):
    account_id = factory.account("Bottega S.r.l.", country="IT")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id, locale="it")
    auth.login("billing@bottega.example.com")
    fake_vies.answers[GERMAN_VAT_ID] = INVALID
    response = _save(Customer(client, app, account_id))
    assert response.status_code == 422
    assert "(VIES) indica DE136695976 come non valida" in response.text


def test_no_answer_saves_it_and_says_vat_is_charged(customer, app, fake_vies):
    fake_vies.answers[GERMAN_VAT_ID] = "MS_UNAVAILABLE"
    response = _save(customer)
    assert response.status_code == 302
    (check,) = _checks(app, customer.account_id)
    assert (check.verdict, check.reason, check.consultation_number) == (
        "unknown",
        "MS_UNAVAILABLE",
        "",
    )
    page = customer.client.get("/billing/info").text
    assert "Reverse charge could not be confirmed yet" in page
    assert "DE136695976" in page
    assert "19" in page  # Germany's rate is charged meanwhile
    summary = customer.client.get("/package/edit/payment", query_string=STANDARD_ONE).text
    assert "Reverse charge could not be confirmed yet" in summary
    assert 'data-figure="vat"' in summary
    assert "€2.85" in summary  # 19 % of €15.00
    (entry,) = _vat_activity(app, customer.account_id)
    assert entry["verdict"] == "unknown" and entry["reason"] == "MS_UNAVAILABLE"


def test_the_seat_page_summary_says_it_too(app, client, auth, factory, fake_vies, clock):
    account_id = factory.account("Muster GmbH", country="DE", vat_id=GERMAN_VAT_ID)
    factory.subscription(account_id, agents=3, anchor=clock.today())
    factory.user("billing@muster.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@muster.example.com")
    page = client.get("/package/edit/seats", query_string={"agents": "4", "packs": "0"})
    assert page.status_code == 200
    assert "Reverse charge could not be confirmed yet" in page.text


def test_the_sellers_own_country_is_never_asked(customer, app, fake_vies):
    response = _save(
        customer,
        country="IT",
        vat_id="IT00743110157",
        postal_code="20100",
        city="Milano",
        recipient_code="M5UXCR1",
    )
    assert response.status_code == 302
    assert fake_vies.requests == []
    assert _checks(app, customer.account_id) == []


def test_with_the_check_off_nothing_is_asked_and_reverse_charge_applies(
    customer: Customer, app, fake_vies
):
    app.config["VIES_ENABLED"] = False
    assert _save(customer).status_code == 302
    assert fake_vies.requests == []
    summary = customer.client.get("/package/edit/payment", query_string=STANDARD_ONE).text
    assert "Reverse charge" in summary
    assert "could not be confirmed" not in summary
    assert "confirmed by the EU VAT registry" not in customer.client.get("/billing/info").text
