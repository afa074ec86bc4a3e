"""A customer ready to buy: signed in as billing admin, with a clock the tests move."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Account, Invoice, Payment, Role
from portal.payments.sandbox import SandboxCharge
from tests.conftest import csrf_token_from, post_form

VISA_OK = "4242 4242 4242 4242"
VISA_DECLINED = "4000 0000 0000 0002"
VISA_NO_FUNDS = "4000 0000 0000 9995"
VISA_SCA = "4000 0027 6000 3184"


@dataclass
class Customer:
    """A signed-in billing admin of one account."""

    client: object
    app: object
    account_id: int

    def add_card(self, number: str = VISA_OK, *, make_default: bool = True):
        """Add a card on the payment methods page."""
        return post_form(
            self.client,
            "/billing/payment-methods/",
            "/billing/payment-methods/cards",
            {
                "holder": "Giulia Bianchi",
                "number": number,
                "expiry": "12/30",
                "cvc": "123",
                **({"make_default": "y"} if make_default else {}),
            },
        )

    def add_paypal(self, email: str = "giulia@example.com"):
        """Link a PayPal account."""
        return post_form(
            self.client,
            "/billing/payment-methods/",
            "/billing/payment-methods/paypal",
            {"email": email},
        )

    def payment_form(self, **selection: str) -> dict[str, str]:
        """Open step 3 and read its form as the browser would submit it."""
        page = self.client.get("/package/edit/payment", query_string=selection)
        assert page.status_code == 200, page.text
        return read_form(page.text, "pay-form")

    def pay(self, form: dict[str, str], **changes: str):
        """Press Pay with the form (optionally changed)."""
        return self.client.post("/package/edit/pay", data={**form, **changes})

    def counts(self) -> tuple[int, int, int]:
        """Payments, documents and gateway charges of this account."""
        with self.app.app_context():
            payments = db.session.scalar(
                select(func.count(Payment.id)).where(Payment.account_id == self.account_id)
            )
            invoices = db.session.scalar(
                select(func.count(Invoice.id)).where(Invoice.account_id == self.account_id)
            )
            charges = db.session.scalar(select(func.count()).select_from(SandboxCharge))
            return payments, invoices, charges

    def account(self) -> Account:
        """The account, detached, with its subscription loaded."""
        with self.app.app_context():
            account = db.session.get(Account, self.account_id)
            assert account is not None
            _ = account.subscription, account.billing_info
            db.session.expunge_all()
            return account


def read_form(html: str, css_class: str) -> dict[str, str]:
    """The named inputs of a form: hidden fields, checked radios, the CSRF token."""
    start = html.index(f'class="{css_class}"')
    end = html.index("</form>", start)
    form = html[start:end]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="radio"' in tag and "checked" not in tag:
            continue
        values[name.group(1)] = value.group(1) if value else ""
    values.setdefault("csrf_token", csrf_token_from(html))
    return values


@pytest.fixture
def customer(app, client, auth, factory) -> Customer:
    """A Free Italian company's billing admin, signed in."""
    account_id = factory.account("Bottega S.r.l.", country="IT")
    factory.user("billing@bottega.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@bottega.example.com")
    return Customer(client, app, account_id)


@pytest.fixture
def standard_customer(app, client, auth, factory) -> Customer:
    """Standard monthly EUR, 3 agents, period 1 Nov - 1 Dec 2026 (18 of 30 days left)."""
    account_id = factory.account("Caffè S.r.l.", country="IT")
    factory.subscription(account_id, agents=3, anchor=date(2026, 11, 1))
    factory.user("billing@caffe.example.com", Role.BILLING_ADMIN, account_id)
    auth.login("billing@caffe.example.com")
    return Customer(client, app, account_id)
