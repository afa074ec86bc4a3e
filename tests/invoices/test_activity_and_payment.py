"""The billing activity page, and paying an open invoice from the list."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import BillingActivity, Invoice, InvoiceStatus, Payment
from tests.wizard.conftest import VISA_DECLINED, read_form


def test_activity_lists_who_when_what(customer, app):
    customer.add_card()
    form = customer.payment_form(plan="standard", period="monthly", currency="EUR", agents="2")
    customer.pay(form)
    page = customer.client.get("/billing/activity")
    assert page.status_code == 200
    assert (
        "Package changed to Standard · Monthly with 2 agents; INV-2026-000001, paid €36.60."
        in page.text
    )
    assert "Payment method added: Visa •••• 4242." in page.text
    assert "Billing" in page.text  # who: the signed-in billing admin's name


def test_activity_is_paged_and_in_the_viewers_language(customer, app):
    with app.app_context():
        for number in range(30):
            db.session.add(
                BillingActivity(
                    account_id=customer.account_id,
                    kind="invoice_note",
                    details={"document": f"INV-{number}"},
                )
            )
        db.session.commit()
    first = customer.client.get("/billing/activity").text
    assert "Page 1 of 2" in first
    assert "INV-29" in first and "INV-0." not in first
    italian = customer.client.get("/billing/activity", headers={"Accept-Language": "it"}).text
    assert "Note of INV-29 changed." not in italian


def test_pay_an_open_invoice_from_the_list(customer, issue, app):
    customer.add_card()
    invoice_id = issue(customer.account_id, agents=2, status=InvoiceStatus.OPEN)
    page = customer.client.get(f"/billing/invoices/{invoice_id}/pay")
    assert "Pay €36.60" in page.text
    form = read_form(page.text, "pay-form")
    response = customer.client.post(f"/billing/invoices/{invoice_id}/pay", data=form)
    assert response.status_code == 302
    again = customer.client.post(f"/billing/invoices/{invoice_id}/pay", data=form)
    assert again.status_code == 302
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.status == "paid"
        assert invoice.paid_with == "Visa •••• 4242"
        payments = db.session.scalars(select(Payment)).all()
        assert len(payments) == 1
        assert payments[0].amount_minor == 3660
    assert customer.client.get(f"/billing/invoices/{invoice_id}/pay").status_code == 302


def test_declined_open_invoice_stays_open(customer, issue, app):
    customer.add_card(VISA_DECLINED)
    invoice_id = issue(customer.account_id, status=InvoiceStatus.OPEN)
    page = customer.client.get(f"/billing/invoices/{invoice_id}/pay")
    response = customer.client.post(
        f"/billing/invoices/{invoice_id}/pay", data=read_form(page.text, "pay-form")
    )
    assert response.status_code == 402
    assert "Your card was declined." in response.text
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).status == "open"
