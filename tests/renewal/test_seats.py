"""The seat adjustment page: +/−, the delta, the summary, Pay or Confirm, credit on My package."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Invoice
from tests.wizard.conftest import app_config, read_form  # noqa: F401

HX = {"HX-Request": "true"}


def test_page_shows_current_quantities_and_no_pay_without_a_change(standard_customer):
    page = standard_customer.client.get("/package/edit/seats")
    assert page.status_code == 200
    assert 'id="agents"' in page.text and 'value="3"' in page.text
    assert "This is your current package: nothing changes." in page.text
    assert 'class="pay-form"' not in page.text


def test_plus_and_minus_buttons_change_the_total_and_the_delta(standard_customer):
    client = standard_customer.client
    plus = client.get("/package/edit/seats?agents=3&packs=0&adjust=agents:1")
    assert 'value="4"' in plus.text
    assert "+1 agent" in plus.text
    minus = client.get("/package/edit/seats?agents=3&packs=0&adjust=agents:-1")
    assert 'value="2"' in minus.text
    assert "−1 agent" in minus.text
    fragment = client.get("/package/edit/seats?agents=5&packs=0", headers=HX)
    assert fragment.text.lstrip().startswith('<div id="seats"')
    assert "+2 agents" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_three_to_five_agents_charges_the_prorated_summary(standard_customer, app):
    standard_customer.add_card()
    page = standard_customer.client.get("/package/edit/seats?agents=5&packs=0")
    assert "€45.00" in page.text and "-€27.00" in page.text
    assert "Pay €21.96" in page.text
    response = standard_customer.client.post(
        "/package/edit/pay", data=read_form(page.text, "pay-form")
    )
    assert response.status_code == 302
    account = standard_customer.account()
    assert account.subscription.agents == 5
    assert account.subscription.period_end == date(2026, 12, 1)
    with app.app_context():
        assert db.session.scalar(select(Invoice.total_minor)) == 2196


def test_five_to_three_agents_confirms_a_credit_note_and_shows_the_credit(standard_customer, app):
    with app.app_context():
        account = db.session.get(Account, standard_customer.account_id)
        account.subscription.agents = 5
        db.session.commit()
    page = standard_customer.client.get("/package/edit/seats?agents=3&packs=0")
    assert "−2 agents" in page.text
    assert ">Confirm<" in page.text
    response = standard_customer.client.post(
        "/package/edit/pay", data=read_form(page.text, "pay-form")
    )
    assert response.status_code == 302
    with app.app_context():
        account = db.session.get(Account, standard_customer.account_id)
        assert account.subscription.agents == 3
        assert account.credit_minor == 2196
        note = db.session.scalar(select(Invoice))
        assert note.kind == "credit_note"
        assert note.total_minor == -2196
    package = standard_customer.client.get("/package").text
    assert "€21.96" in package


def test_limits_on_the_seat_page(standard_customer):
    page = standard_customer.client.get("/package/edit/seats?agents=51&packs=0")
    assert "Request a quote" in page.text
    assert 'class="pay-form"' not in page.text
    zero = standard_customer.client.get("/package/edit/seats?agents=1&packs=0&adjust=agents:-1")
    assert "Choose at least 1 agent." in zero.text


def test_free_account_goes_to_the_wizard(customer):
    response = customer.client.get("/package/edit/seats")
    assert response.status_code == 302
    assert response.headers["Location"] == "/package/edit"
