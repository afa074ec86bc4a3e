"""Two tabs, five tabs, a double click: real parallel requests on SQLite and on PostgreSQL.

Each tab is its own test client sharing the signed-in cookie, each request runs in its own
thread with its own database connection, released together by a barrier: the account lock
(SQLite's write lock, PostgreSQL's row lock) is what keeps them apart, nothing is mocked.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Account,
    Invoice,
    Payment,
    PaymentStatus,
)
from portal.payments.sandbox import SandboxCharge, SandboxRefund
from portal.renewal.run import run_renewals
from tests.conftest import at_once
from tests.wizard.conftest import VISA_DECLINED, Customer, read_form

STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}
TABS = 5


def tab(app, customer: Customer):
    """Another browser tab of the same signed-in user."""
    twin = app.test_client()
    twin.set_cookie("session", customer.client.get_cookie("session").value)
    return twin


def money(app, account_id: int) -> dict[str, object]:
    """What moved: succeeded charges and their total, refunds, documents, the package."""
    with app.app_context():
        charges = db.session.scalars(
            select(SandboxCharge).where(SandboxCharge.status == "succeeded")
        ).all()
        account = db.session.get(Account, account_id)
        subscription = account.subscription
        invoices = db.session.scalars(
            select(Invoice).where(Invoice.account_id == account_id).order_by(Invoice.id)
        ).all()
        return {
            "charges": len(charges),
            "charged": sum(charge.amount_minor for charge in charges),
            "refunds": db.session.scalar(select(func.count()).select_from(SandboxRefund)),
            "invoices": [(i.kind, i.status, i.total_minor) for i in invoices],
            "agents": subscription.agents if subscription else None,
            "credit": account.credit_minor,
            "in_flight": db.session.scalar(
                select(func.count(Payment.id)).where(
                    Payment.status.in_([PaymentStatus.CREATED, PaymentStatus.PROCESSING])
                )
            ),
        }


def post_at_once(clients, url: str, forms):
    """Each tab submits its form, all at the same moment."""
    return at_once(
        *[lambda c=c, f=f: c.post(url, data=f) for c, f in zip(clients, forms, strict=True)]
    )


def seat_form(customer: Customer, agents: int) -> dict[str, str]:
    """The seat page's Pay form for a new number of agents."""
    page = customer.client.get(f"/package/edit/seats?agents={agents}&packs=0")
    return read_form(page.text, "pay-form")


def told(response) -> bool:
    """The tab was told what happened: paid, sent to the payment in progress, or a message."""
    if response.status_code == 302:
        return "/package/edit/payments/" in response.headers["Location"] or (
            "/billing/invoices" in response.headers["Location"]
        )
    return response.status_code in (402, 409) and (
        "being confirmed" in response.text or "price changed" in response.text
    )


def test_two_tabs_buying_a_first_package_at_once_buy_once(app, customer):
    customer.add_card()
    forms = [customer.payment_form(**STANDARD_ONE) for _ in range(2)]
    clients = [customer.client, tab(app, customer)]
    responses = post_at_once(clients, "/package/edit/pay", forms)
    assert all(told(r) for r in responses), [r.status_code for r in responses]
    after = money(app, customer.account_id)
    assert after["charges"] == 1
    assert after["charged"] == 1830  # €15.00 + 22 % VAT
    assert after["invoices"] == [("invoice", "paid", 1830)]
    assert after["agents"] == 1
    assert after["refunds"] == 0


def test_five_tabs_posting_the_same_seat_change_charge_once(app, standard_customer):
    standard_customer.add_card()
    pages = [
        standard_customer.client.get("/package/edit/seats?agents=5&packs=0") for _ in range(TABS)
    ]
    forms = [read_form(page.text, "pay-form") for page in pages]
    assert len({form["confirmation_key"] for form in forms}) == TABS
    clients = [standard_customer.client] + [tab(app, standard_customer) for _ in range(TABS - 1)]
    responses = post_at_once(clients, "/package/edit/pay", forms)
    assert all(told(r) for r in responses), [
        (r.status_code, re.findall(r'role="alert">([^<]+)', r.text)) for r in responses
    ]
    after = money(app, standard_customer.account_id)
    assert after["charges"] == 1
    assert after["charged"] == 2196
    assert after["invoices"] == [("invoice", "paid", 2196)]
    assert after["agents"] == 5


def test_five_to_six_and_five_to_seven_at_once_apply_one_change_paid_once(app, standard_customer):
    standard_customer.add_card()
    with app.app_context():
        db.session.get(Account, standard_customer.account_id).subscription.agents = 5
        db.session.commit()
    six = seat_form(standard_customer, 6)
    seven = seat_form(standard_customer, 7)
    other = tab(app, standard_customer)
    responses = at_once(
        lambda: standard_customer.client.post("/package/edit/pay", data=six),
        lambda: other.post("/package/edit/pay", data=seven),
    )
    assert all(told(r) for r in responses), [r.status_code for r in responses]
    after = money(app, standard_customer.account_id)
    assert after["charges"] == 1
    # One agent for 18 of 30 days: €9.00 + VAT = €10.98; two agents: €21.96.
    expected = {6: 1098, 7: 2196}
    assert after["agents"] in expected
    assert after["charged"] == expected[after["agents"]]
    assert after["invoices"] == [("invoice", "paid", expected[after["agents"]])]


def test_a_decrease_and_an_increase_at_once_apply_one_of_them(app, standard_customer):
    standard_customer.add_card()
    with app.app_context():
        db.session.get(Account, standard_customer.account_id).subscription.agents = 5
        db.session.commit()
    down = seat_form(standard_customer, 3)
    up = seat_form(standard_customer, 7)
    other = tab(app, standard_customer)
    responses = at_once(
        lambda: standard_customer.client.post("/package/edit/pay", data=down),
        lambda: other.post("/package/edit/pay", data=up),
    )
    assert all(told(r) for r in responses), [r.status_code for r in responses]
    after = money(app, standard_customer.account_id)
    assert len(after["invoices"]) == 1
    if after["agents"] == 3:
        assert after["invoices"] == [("credit_note", "paid", -2196)]
        assert after["credit"] == 2196
        assert after["charges"] == 0
    else:
        assert after["agents"] == 7
        assert after["invoices"] == [("invoice", "paid", 2196)]
        assert after["charges"] == 1
        assert after["credit"] == 0


def test_five_tabs_paying_one_open_invoice_charge_it_once(app, standard_customer, clock):
    # The renewal on 1 December is declined off-session: an open invoice, the account past due.
    standard_customer.add_card(VISA_DECLINED)
    clock.moment = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    with app.app_context():
        run_renewals()
        invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.status == "open"))
    standard_customer.add_card()
    url = f"/billing/invoices/{invoice_id}/pay"
    forms = [read_form(standard_customer.client.get(url).text, "pay-form") for _ in range(TABS)]
    clients = [standard_customer.client] + [tab(app, standard_customer) for _ in range(TABS - 1)]
    responses = post_at_once(clients, url, forms)
    assert all(told(r) for r in responses), [r.status_code for r in responses]
    after = money(app, standard_customer.account_id)
    assert after["charges"] == 1  # the declined renewal was never charged
    assert after["charged"] == 5490
    assert after["refunds"] == 0
    assert after["invoices"] == [("invoice", "paid", 5490)]
    assert standard_customer.account().subscription.status == "active"


@pytest.mark.parametrize("method", ["99999999999999999999", "-1", "0", "abc"])
def test_a_forged_method_id_is_refused_without_a_500(app, customer, method):
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)
    response = customer.client.post("/package/edit/pay", data={**form, "method": method})
    assert response.status_code == 409
    assert "Choose a payment method" in response.text
    assert money(app, customer.account_id)["charges"] == 0
