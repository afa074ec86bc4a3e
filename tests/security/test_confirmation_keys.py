"""Finding 6: confirmation keys are ASCII letters and digits; ids and numbers in other scripts'
digits are not numbers (a 404 in a URL, a field error or the default in a query string)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import InvoiceStatus, Payment, Role
from portal.payments.sandbox import SandboxCharge
from portal.security import BadConfirmationKey, ConfirmationKey
from tests.conftest import csrf_token_from
from tests.invoices.conftest import issue  # noqa: F401
from tests.quotes.conftest import Setting, setting  # noqa: F401
from tests.wizard.conftest import Customer, read_form

STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}
# Letters and digits to str.isalnum(), not ASCII: full-width, accented, Arabic-Indic, Greek.
BAD_KEYS = [
    "\uff21\uff22\uff23\uff24\uff25\uff26\uff27\uff28\uff11\uff12\uff13\uff14",
    "abcdefgh1234\u00e9",
    "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
    "abcdefgh\u03b1",
    "abcd-efgh-1234",
    "abc",
    "a" * 65,
    "",
]
REFUSAL = "This payment form was changed or is out of date"
# Digits that \d and int() accept, and str.isdigit() too (superscript two).
OTHER_DIGITS = ["\uff12", "\u0662", "\u00b2", "1\uff10"]
INT_SEGMENT = re.compile(r"<int:(\w+)>")


def _no_payment(app) -> None:
    """Nothing was recorded nor charged."""
    with app.app_context():
        assert db.session.scalar(select(func.count(Payment.id))) == 0
        assert db.session.scalar(select(func.count()).select_from(SandboxCharge)) == 0


def _refused(response) -> None:
    """A clear, translated 400 page, before any payment row."""
    assert response.status_code == 400, response.status_code
    assert REFUSAL in response.text


@pytest.fixture
def card_customer(app, client, auth, factory) -> Customer:
    """A Free Italian company's billing admin with a default card, signed in."""
    account_id = factory.account("Bottega S.r.l.", country="IT")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@bottega.example.com")
    customer = Customer(client, app, account_id)
    assert customer.add_card().status_code == 302
    return customer


def test_one_key_type_refuses_every_bad_key_and_makes_good_ones() -> None:
    """Every Pay form's key is a ConfirmationKey: made fresh for a page, or checked when posted."""
    for key in [*BAD_KEYS, None, 12345678]:
        with pytest.raises(BadConfirmationKey):
            ConfirmationKey(key)
    fresh = {ConfirmationKey.new() for _ in range(3)}
    assert len(fresh) == 3
    assert all(ConfirmationKey(str(key)) == key for key in fresh)


def test_wizard_pay_refuses_a_key_that_is_not_ascii(app, card_customer):
    form = card_customer.payment_form(**STANDARD_ONE)
    for key in BAD_KEYS:
        _refused(card_customer.pay(form, confirmation_key=key))
    _no_payment(app)
    assert card_customer.pay(form).status_code == 302


def test_seat_pay_refuses_a_key_that_is_not_ascii(app, client, auth, factory):
    account_id = factory.account("Caffe S.r.l.", country="IT")
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.user("billing@caffe.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@caffe.example.com")
    Customer(client, app, account_id).add_card()
    page = client.get("/package/edit/seats?agents=4&packs=0")
    form = read_form(page.text, "pay-form")
    assert form["origin"] == "seats"
    for key in BAD_KEYS:
        _refused(client.post("/package/edit/pay", data={**form, "confirmation_key": key}))
    _no_payment(app)


def test_invoice_pay_refuses_a_key_that_is_not_ascii(app, card_customer, issue):  # noqa: F811
    invoice_id = issue(card_customer.account_id, status=InvoiceStatus.OPEN)
    page = card_customer.client.get(f"/billing/invoices/{invoice_id}/pay")
    form = read_form(page.text, "pay-form")
    for key in BAD_KEYS:
        answer = card_customer.client.post(
            f"/billing/invoices/{invoice_id}/pay", data={**form, "confirmation_key": key}
        )
        _refused(answer)
    _no_payment(app)


def test_quote_checkout_refuses_a_key_that_is_not_ascii(app, setting: Setting):  # noqa: F811
    quote_id = setting.sent_quote(agent_discount_kind="percent", agent_discount_value="100")
    client = setting.client
    confirm = client.get(f"/quotes/{quote_id}/accept/confirm")
    assert confirm.status_code == 200
    fingerprint = confirm.text.split('name="fingerprint" type="hidden" value="')[1].split('"')[0]
    for key in BAD_KEYS:
        answer = client.post(
            f"/quotes/{quote_id}/accept/confirm",
            data={
                "csrf_token": csrf_token_from(confirm.text),
                "fingerprint": fingerprint,
                "confirmation_key": key,
                "method": "",
                "accept": "y",
            },
        )
        _refused(answer)
    _no_payment(app)


def test_the_refusal_is_translated(card_customer):
    form = card_customer.payment_form(**STANDARD_ONE)
    answer = card_customer.client.post(
        "/package/edit/pay",
        data={**form, "confirmation_key": BAD_KEYS[0]},
        headers={"Accept-Language": "it"},
    )
    assert answer.status_code == 400
    assert "Il modulo di pagamento" in answer.text


def _int_routes(app) -> list[tuple[str, str]]:
    """Every route with an integer in its path, and a method it answers."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            routes.append((rule.rule, "GET" if "GET" in rule.methods else "POST"))
    return routes


@pytest.mark.parametrize("role", [Role.OWNER, Role.STAFF])
def test_ids_in_other_digits_are_404_in_every_url(app, client, auth, factory, issue, role):  # noqa: F811
    account_id = factory.account("Bottega S.r.l.")
    issue(account_id)  # invoices 1 and 2 exist: the digits name them in another script
    issue(account_id)
    email = f"{role.value}@example.com"
    factory.user(email, role, account_id if role.is_customer else None)
    auth.login(email)
    token = csrf_token_from(client.get("/", follow_redirects=True).text)
    routes = _int_routes(app)
    assert len(routes) >= 10
    for rule, method in routes:
        for digits in OTHER_DIGITS:
            url = INT_SEGMENT.sub(digits, rule)
            answer = client.open(url, method=method, data={"csrf_token": token})
            assert answer.status_code == 404, (url, answer.status_code)
    if role is Role.OWNER:
        assert client.get("/billing/invoices/2/pdf").status_code == 200


def test_numbers_in_other_digits_in_a_query_string(client, auth, factory):
    """The wizard's typed quantities and the quote list's account filter read ASCII digits only."""
    account_id = factory.account("Bottega S.r.l.")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id)
    factory.user("staff@vendor.example", Role.STAFF)
    auth.login("billing@bottega.example.com")
    for agents in OTHER_DIGITS:
        answer = client.get(
            "/package/edit/quantities", query_string={**STANDARD_ONE, "agents": agents}
        )
        assert answer.status_code == 200, agents
        assert "Enter a whole number of agents." in answer.text, agents
    auth.logout()
    auth.login("staff@vendor.example")
    for account in [*OTHER_DIGITS, str(2**31), str(2**64)]:
        answer = client.get("/backoffice/quotes", query_string={"account": account})
        assert answer.status_code == 200, account
        assert "Quotes of" not in answer.text
