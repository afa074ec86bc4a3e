"""Real concurrency on SQLite and PostgreSQL: simultaneous Pay posts, parallel numbering."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Invoice, Role
from tests.conftest import Auth, at_once
from tests.wizard.conftest import Customer

STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}


def _twin(app, customer: Customer):
    """A second browser tab: another client sharing the signed-in session cookie."""
    twin = app.test_client()
    cookie = customer.client.get_cookie("session")
    twin.set_cookie("session", cookie.value)
    return twin


def test_two_simultaneous_pays_with_the_same_key_charge_once(app, customer):
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)
    twin = _twin(app, customer)
    first, second = at_once(
        lambda: customer.client.post("/package/edit/pay", data=form),
        lambda: twin.post("/package/edit/pay", data=form),
    )
    assert first.status_code in (302, 202), first.text
    assert second.status_code in (302, 202), second.text
    assert customer.counts() == (1, 1, 1)
    assert customer.account().subscription.agents == 1


def test_two_tabs_paying_at_once_buy_once(app, customer):
    customer.add_card()
    form_one = customer.payment_form(**{**STANDARD_ONE, "agents": "2"})
    form_two = customer.payment_form(**{**STANDARD_ONE, "agents": "2"})
    twin = _twin(app, customer)
    at_once(
        lambda: customer.client.post("/package/edit/pay", data=form_one),
        lambda: twin.post("/package/edit/pay", data=form_two),
    )
    _payments, invoices, charges = customer.counts()
    assert (invoices, charges) == (1, 1)
    assert customer.account().subscription.agents == 2


def test_parallel_confirmations_never_share_an_invoice_number(app, auth, factory):
    customers = []
    for index in range(4):
        account_id = factory.account(f"Parallel {index} S.r.l.")
        factory.user(f"p{index}@example.com", Role.OWNER, account_id)
        client = app.test_client()
        Auth(client).login(f"p{index}@example.com")
        customer = Customer(client, app, account_id)
        customer.add_card()
        customers.append(customer)
    forms = [c.payment_form(**STANDARD_ONE) for c in customers]
    results = at_once(
        *[
            (lambda c=c, f=f: c.client.post("/package/edit/pay", data=f))
            for c, f in zip(customers, forms, strict=True)
        ]
    )
    assert all(r.status_code == 302 for r in results)
    with app.app_context():
        numbers = db.session.scalars(select(Invoice.sequence).order_by(Invoice.sequence)).all()
    assert numbers == [1, 2, 3, 4]
