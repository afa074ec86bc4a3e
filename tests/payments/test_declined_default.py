"""A default method the bank declined is flagged on My package and the payment methods page
until it is replaced or pays; a payment with another method offers to make it the default."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import PaymentMethod
from portal.renewal.run import run_renewals
from tests.conftest import csrf_token_from
from tests.renewal.test_renewal_run import at
from tests.wizard.conftest import VISA_DECLINED, VISA_OK, VISA_SCA, read_form

SEVEN = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "7"}
FLAG = "The bank declined Visa •••• 0002 on"


def methods_by_last4(app, account_id: int) -> dict[str, PaymentMethod]:
    """The account's saved methods by their last four digits, detached."""
    with app.app_context():
        found = db.session.scalars(
            select(PaymentMethod).where(PaymentMethod.account_id == account_id)
        ).all()
        db.session.expunge_all()
        return {method.last4 or "paypal": method for method in found}


def _declined_then_paid_with_another(app, customer) -> str:
    """Pay seats with the declined default, then with another card: the confirmation page."""
    customer.add_card(VISA_OK, make_default=False)
    customer.add_card(VISA_DECLINED, make_default=True)
    declined = customer.pay(customer.payment_form(**SEVEN))
    assert declined.status_code == 402
    paid = customer.pay(read_form(declined.text, "pay-form"))  # another card is preselected
    assert paid.status_code == 302
    return customer.client.get(paid.headers["Location"]).text


def test_a_declined_default_is_flagged_until_replaced(app, standard_customer):
    customer = standard_customer
    confirmation = _declined_then_paid_with_another(app, customer)
    methods = methods_by_last4(app, customer.account_id)
    assert methods["0002"].declined_at is not None and methods["0002"].is_default
    assert methods["4242"].declined_at is None
    package = customer.client.get("/package").text
    assert FLAG in package and "December 1, 2026" in package
    assert "Declined by the bank on" in customer.client.get("/billing/payment-methods/").text

    # The confirmation offers the card that paid as the default: a real post with CSRF.
    assert "Make Visa •••• 4242 the default" in confirmation
    assert "Renewals are charged to your default method, Visa •••• 0002, which the bank" in (
        confirmation
    )
    action = re.search(r'<form[^>]*action="([^"]+/default)"', confirmation)[1]
    back = re.search(r'name="back" value="([^"]+)"', confirmation)[1]
    refused = customer.client.post(action, data={"back": back})
    assert refused.status_code == 400
    made = customer.client.post(
        action, data={"csrf_token": csrf_token_from(confirmation), "back": back}
    )
    assert made.status_code == 302 and made.headers["Location"] == back
    again = customer.client.get(back).text
    assert "Visa •••• 4242 is now the default payment method." in again
    assert "Make Visa •••• 4242 the default" not in again
    assert methods_by_last4(app, customer.account_id)["4242"].is_default
    package = customer.client.get("/package").text
    assert "The bank declined" not in package
    assert "Charged to Visa •••• 4242." in package
    # The declined card itself still says so where it is listed.
    assert "Declined by the bank on" in customer.client.get("/billing/payment-methods/").text


def test_the_offer_goes_back_only_to_a_page_of_this_site(app, standard_customer):
    customer = standard_customer
    confirmation = _declined_then_paid_with_another(app, customer)
    action = re.search(r'<form[^>]*action="([^"]+/default)"', confirmation)[1]
    made = customer.client.post(
        action,
        data={"csrf_token": csrf_token_from(confirmation), "back": "//evil.example/"},
    )
    assert made.headers["Location"] == "/billing/payment-methods/"


def test_a_later_payment_with_the_declined_card_clears_the_flag(app, standard_customer, clock):
    customer = standard_customer
    customer.add_card(VISA_SCA)
    methods = methods_by_last4(app, customer.account_id)
    with app.app_context():
        method = db.session.get(PaymentMethod, methods["3184"].id)
        method.declined_at = clock.moment
        db.session.commit()
    assert "The bank declined Visa •••• 3184" in customer.client.get("/package").text
    response = customer.pay(customer.payment_form(**SEVEN))
    challenge = customer.client.get(response.headers["Location"])
    action = re.search(r'action="(/sandbox/[^"]+)"', challenge.text)[1]
    approved = customer.client.post(
        action, data={"csrf_token": csrf_token_from(challenge.text), "approve": "1"}
    )
    assert customer.client.get(approved.headers["Location"]).status_code == 302
    assert methods_by_last4(app, customer.account_id)["3184"].declined_at is None
    assert "The bank declined" not in customer.client.get("/package").text


def test_the_customers_own_cancellation_flags_nothing(app, standard_customer):
    customer = standard_customer
    customer.add_card(VISA_SCA)
    response = customer.pay(customer.payment_form(**SEVEN))
    challenge = customer.client.get(response.headers["Location"])
    action = re.search(r'action="(/sandbox/[^"]+)"', challenge.text)[1]
    customer.client.post(action, data={"csrf_token": csrf_token_from(challenge.text), "fail": "1"})
    assert methods_by_last4(app, customer.account_id)["3184"].declined_at is None
    assert "The bank declined" not in customer.client.get("/package").text


def test_a_declined_renewal_flags_the_default(app, standard_customer, clock):
    customer = standard_customer
    customer.add_card(VISA_DECLINED)
    at(clock, date(2026, 12, 1), hour=2)
    with app.app_context():
        run_renewals()
    assert methods_by_last4(app, customer.account_id)["0002"].declined_at is not None
    assert FLAG in customer.client.get("/package").text


def test_paying_with_the_default_offers_nothing(app, standard_customer):
    customer = standard_customer
    customer.add_card(VISA_OK)
    paid = customer.pay(customer.payment_form(**SEVEN))
    confirmation = customer.client.get(paid.headers["Location"]).text
    assert "the default" not in confirmation
    assert "/default" not in confirmation
