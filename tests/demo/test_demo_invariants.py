"""The demo companies are what real customers in their situations would look like.

`flask seed-demo` is run as a developer runs it; then every account is checked against what
the product itself would have produced: each paid invoice has its settled payment, a
subscription that renews has a method to charge, the refund offer follows the first payment,
billing details are valid, and My package never says two contradicting things.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from stdnum.eu import vat

from portal import clock
from portal.demo import STANDARD, USERS
from portal.extensions import db
from portal.full_refund import REFUND_WINDOW, refund_offer
from portal.models import (
    Account,
    BillingActivity,
    BillingInfo,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Role,
    Subscription,
    User,
)
from portal.payments.gateway import EXTENSION_KEY, CardEntry, GatewayCapabilities
from portal.payments.sandbox import SandboxCharge
from portal.payments.saved_methods import default_method, describe
from tests.conftest import Auth

NO_METHOD = "There is no payment method to charge it to."
DEFAULT_METHOD = "charged to your default payment method"


def _seed(app: Flask, runner: FlaskCliRunner, instance: Path) -> dict[str, str]:
    """Run `flask seed-demo`; each printed e-mail with its password."""
    app.instance_path = str(instance)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()[1:]]
    return {words[1]: words[2] for words in lines}


@pytest.fixture
def passwords(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> dict[str, str]:
    """The seeded demo's sign-ins."""
    return _seed(app, runner, tmp_path)


def _paying_accounts() -> list[Account]:
    """The demo accounts that bought a package."""
    return list(db.session.scalars(select(Account).join(Subscription).order_by(Account.id)))


def test_every_paid_invoice_has_the_settled_payment_of_its_amount(app, passwords):
    with app.app_context():
        invoices = db.session.scalars(
            select(Invoice).where(
                Invoice.kind == DocumentKind.INVOICE, Invoice.status == InvoiceStatus.PAID
            )
        ).all()
        assert len(invoices) == 2
        for invoice in invoices:
            payment = db.session.scalar(select(Payment).where(Payment.invoice_id == invoice.id))
            assert payment is not None, invoice.number
            assert payment.status is PaymentStatus.SUCCEEDED
            assert payment.account_id == invoice.account_id
            assert (payment.amount_minor, payment.currency) == (
                invoice.amount_due_minor,
                invoice.currency,
            )
            assert invoice.amount_due_minor == invoice.total_minor  # no credit in the demo
            assert payment.completed_at is not None
            assert clock.as_utc(payment.completed_at).date() == invoice.issued_on
            assert payment.method_label == invoice.paid_with
            method = db.session.get(PaymentMethod, payment.method_id)
            assert method is not None and describe(method) == invoice.paid_with
            # The gateway took exactly that money.
            charge = db.session.get(SandboxCharge, payment.gateway_reference)
            assert charge is not None
            assert (charge.status, charge.amount_minor, charge.currency) == (
                "succeeded",
                invoice.amount_due_minor,
                invoice.currency,
            )
        # Every payment belongs to an invoice: none was left in flight or declined.
        assert db.session.scalar(select(func.count(Payment.id))) == len(invoices)


def test_each_subscription_matches_its_purchase_and_renews_with_a_default_method(app, passwords):
    with app.app_context():
        accounts = _paying_accounts()
        assert {account.currency for account in accounts} == {"EUR", "CZK"}
        for account in accounts:
            subscription = account.subscription
            assert subscription is not None and subscription.auto_renew
            method = default_method(account.id)
            assert method is not None, account.name
            assert method.token.startswith("tok_succeed_")  # renewals will go through
            payment = db.session.scalar(select(Payment).where(Payment.account_id == account.id))
            assert payment is not None and payment.method_id == method.id
            assert subscription.period_start == subscription.anchor_date
            assert clock.as_utc(payment.completed_at).date() == subscription.anchor_date
            purchase = db.session.scalar(
                select(BillingActivity).where(
                    BillingActivity.account_id == account.id, BillingActivity.kind == "purchase"
                )
            )
            assert purchase is not None and purchase.user_id == payment.user_id
        free = db.session.scalars(select(Account).where(Account.currency.is_(None))).all()
        assert len(free) == 2
        for account in free:
            assert account.subscription is None
            assert (
                db.session.scalar(
                    select(func.count(Payment.id)).where(Payment.account_id == account.id)
                )
                == 0
            )


def test_refund_offer_follows_the_first_payment(app, passwords):
    with app.app_context():
        now = clock.now()
        offered = []
        for account in _paying_accounts():
            first = db.session.scalar(
                select(Payment)
                .where(Payment.account_id == account.id)
                .order_by(Payment.completed_at)
                .limit(1)
            )
            assert first is not None
            deadline = clock.as_utc(first.completed_at) + REFUND_WINDOW
            offer = refund_offer(account.id, now)
            if now < deadline:
                assert offer is not None, account.name
                assert (offer.amount_minor, offer.currency) == (first.amount_minor, first.currency)
                assert offer.deadline == deadline
                assert not offer.needs_support
                offered.append(account.name)
            else:
                assert offer is None, account.name
        # Caffè Dante bought 12 days ago: three days of its window are left.
        assert offered == [STANDARD.name]
        dante = db.session.scalar(select(Account).where(Account.name == STANDARD.name))
        offer = refund_offer(dante.id, now)
        assert offer is not None and offer.deadline - now > timedelta(days=2)


def test_billing_details_are_complete_and_valid(app, passwords):
    seller_vat = vat.compact(app.config["SELLER_VAT_ID"])
    with app.app_context():
        infos = db.session.scalars(select(BillingInfo)).all()
        assert len(infos) == 4
        for info in infos:
            assert info.contact_name.strip(), info.company
            if info.vat_id is not None:
                assert vat.is_valid(info.vat_id), info.vat_id
                assert vat.compact(info.vat_id) != seller_vat, info.company
                assert info.vat_id.startswith(info.country)
        dante = next(info for info in infos if info.company == STANDARD.name)
        assert dante.vat_id is not None  # an Italian customer with a VAT ID of its own
        for invoice in db.session.scalars(select(Invoice)):
            assert invoice.customer.get("vat_id") != invoice.seller.get("vat_id"), invoice.number


@pytest.mark.parametrize("user", [user for user in USERS if user.company], ids=lambda u: u.email)
def test_my_package_never_contradicts_itself(app, client, passwords, user):
    auth = Auth(client)
    response = auth.login(user.email, passwords[user.email], **{"Accept-Language": "en"})
    assert response.status_code == 302
    page = client.get("/package", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.text
    assert not (NO_METHOD in text and DEFAULT_METHOD in text)
    assert NO_METHOD not in text  # every renewing demo account has its method
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.name == user.company))
        paying = account.subscription is not None
    manages_billing = user.role in (Role.OWNER, Role.BILLING_ADMIN)
    if paying and manages_billing:
        assert "Charged to Visa •••• 4242." in text
        assert DEFAULT_METHOD in text
    else:
        assert "Charged to" not in text
    if user.company == STANDARD.name and manages_billing:
        assert "full refund of your first payment, €54.90" in text
    else:
        assert "Request a full refund" not in text
    if not paying:
        assert "You are on the Free package" in text


def test_seeding_twice_changes_nothing(app, runner, tmp_path):
    def snapshot() -> dict[str, object]:
        with app.app_context():
            rows = {
                model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (
                    Account,
                    User,
                    Subscription,
                    PaymentMethod,
                    Payment,
                    Invoice,
                    BillingActivity,
                    SandboxCharge,
                )
            }
            rows["payments"] = [
                (p.account_id, p.status, p.amount_minor, p.completed_at, p.invoice_id)
                for p in db.session.scalars(select(Payment).order_by(Payment.id))
            ]
            rows["invoices"] = [
                (i.number, i.status, i.total_minor, i.issued_on)
                for i in db.session.scalars(select(Invoice).order_by(Invoice.id))
            ]
            rows["users"] = [
                (u.email, u.password_hash)
                for u in db.session.scalars(select(User).order_by(User.id))
            ]
            return rows

    first = _seed(app, runner, tmp_path)
    before = snapshot()
    assert before["Payment"] == 2 and before["PaymentMethod"] == 2
    second = _seed(app, runner, tmp_path)
    assert second == first  # the same passwords printed again
    assert snapshot() == before


def test_seed_refuses_a_gateway_other_than_the_sandbox(app, runner, tmp_path, monkeypatch):
    class RealMoney:
        """A gateway without test cards: the demo has no card it may pay with."""

        capabilities = GatewayCapabilities(CardEntry.HOSTED_FIELDS, paypal=False, test_cards=False)

    monkeypatch.setitem(app.extensions, EXTENSION_KEY, RealMoney())
    app.instance_path = str(tmp_path)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "sandbox gateway" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Payment.id))) == 0
