"""A customer buys through the wizard and downloads the invoice: the same figures, their name."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, Invoice
from tests.documents.conftest import pdf_text
from tests.wizard.conftest import customer  # noqa: F401 - fixtures

STANDARD_TWO = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "2"}


def test_the_pdf_of_a_real_purchase_shows_what_the_customer_paid(app, customer):  # noqa: F811
    with app.app_context():
        info = db.session.get(Account, customer.account_id).billing_info
        info.company = "Zakład Usług Łódź Sp. z o.o."
        info.invoice_language = "it"
        db.session.commit()
    customer.add_card()
    paid = customer.pay(customer.payment_form(**STANDARD_TWO))
    assert paid.status_code == 302
    with app.app_context():
        invoice_id = db.session.scalar(select(Invoice.id))
    response = customer.client.get(f"/billing/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Zakład Usług Łódź Sp. z o.o." in text
    assert "INV-2026-000001" in text
    assert "2 agenti × 15,00 €" in text
    assert "30,00 €" in text
    assert "6,60 €" in text
    assert "36,60 €" in text
    assert "Visa •••• 4242" in text
