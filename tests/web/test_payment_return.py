"""One way back from the gateway's page for every purpose; the old addresses lead to it.

A package change, an open invoice and a quote's checkout each come back from the bank's
3-D Secure page to /payments/<id>/return, which settles the payment and shows the purpose's
own page. Payments started before there was one way back carry their purpose's old address
(/package/edit/…, /billing/invoices/…, /quotes/…/return): it redirects to the one way back.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    Role,
)
from tests.conftest import csrf_token_from, post_form
from tests.invoices.conftest import issue  # noqa: F401
from tests.quotes.conftest import Setting, setting  # noqa: F401
from tests.quotes.test_customer import _accept_all_steps
from tests.renewal.test_renewal_run import at, run
from tests.wizard.conftest import (  # noqa: F401
    VISA_OK,
    VISA_SCA,
    Customer,
    customer,
    read_form,
    standard_customer,
)

OLD_RETURNS = {
    PaymentPurpose.CHECKOUT: "/package/edit/payments/{}/return",
    PaymentPurpose.INVOICE: "/billing/invoices/payments/{}/return",
    PaymentPurpose.QUOTE: "/quotes/payments/{}/return",
}


def _path(url: str) -> str:
    """The path of an address (the gateway hands out absolute ones, on the public URL)."""
    return urlsplit(url).path


def _approve(client, challenge: str) -> str:
    """Approve on the sandbox's 3-D Secure page; the path it sends the customer back to."""
    page = client.get(_path(challenge))
    assert page.status_code == 200
    action = re.search(r'action="(/sandbox/[^"]+)"', page.text).group(1)
    decided = client.post(action, data={"csrf_token": csrf_token_from(page.text), "approve": "1"})
    assert decided.status_code == 302
    return _path(decided.headers["Location"])


def _only_payment(app) -> Payment:
    """The one payment of the test, detached."""
    with app.app_context():
        payment = db.session.scalars(select(Payment)).one()
        db.session.expunge(payment)
        return payment


def _back_through_the_old_address(client, app, back: str, purpose: PaymentPurpose) -> str:
    """The payment came back to the one way back; its old address leads there too. Follows the
    old address as a payment made before the change would, and returns where it ends."""
    payment = _only_payment(app)
    assert payment.purpose is purpose
    assert back == f"/payments/{payment.id}/return"
    for other, address in OLD_RETURNS.items():
        if other is not purpose:  # an old address serves its own purpose's payments only
            assert client.get(address.format(payment.id)).status_code == 404
    old = client.get(OLD_RETURNS[purpose].format(payment.id))
    assert old.status_code == 302
    assert _path(old.headers["Location"]) == back
    settled = client.get(back)
    assert settled.status_code == 302
    assert _only_payment(app).status is PaymentStatus.SUCCEEDED
    return _path(settled.headers["Location"])


def test_a_package_change_comes_back_the_one_way(app, client, customer: Customer):  # noqa: F811
    customer.add_card(VISA_SCA)
    form = customer.payment_form(plan="standard", period="monthly", currency="EUR", agents="1")
    response = customer.pay(form)
    assert response.status_code == 302
    back = _approve(client, response.headers["Location"])
    ends = _back_through_the_old_address(client, app, back, PaymentPurpose.CHECKOUT)
    assert ends == f"/package/edit/payments/{_only_payment(app).id}"
    assert "INV-2026-000001" in client.get(ends).text


def test_an_open_invoice_comes_back_the_one_way(app, client, customer: Customer, issue):  # noqa: F811
    invoice_id = issue(customer.account_id, status=InvoiceStatus.OPEN)
    customer.add_card(VISA_SCA)
    page = client.get(f"/billing/invoices/{invoice_id}/pay")
    response = client.post(
        f"/billing/invoices/{invoice_id}/pay", data=read_form(page.text, "pay-form")
    )
    assert response.status_code == 302
    back = _approve(client, response.headers["Location"])
    ends = _back_through_the_old_address(client, app, back, PaymentPurpose.INVOICE)
    assert ends == "/billing/invoices/"
    assert "Thank you: the invoice is paid." in client.get(ends).text


def test_a_quote_comes_back_the_one_way(app, setting: Setting):  # noqa: F811
    quote_id = setting.sent_quote()
    post_form(
        setting.client,
        "/billing/payment-methods/",
        "/billing/payment-methods/cards",
        {"holder": "Giulia Bianchi", "number": VISA_SCA, "expiry": "12/30", "cvc": "123"},
    )
    with app.app_context():
        method = db.session.scalar(select(PaymentMethod.id))
    response = _accept_all_steps(setting, quote_id, method=method)
    assert response.status_code == 302
    back = _approve(setting.client, response.headers["Location"])
    ends = _back_through_the_old_address(setting.client, app, back, PaymentPurpose.QUOTE)
    assert ends == "/package"
    assert "accepted" in setting.client.get(ends).text


def test_another_accounts_payment_has_no_way_back(app, client, auth, factory, customer: Customer):  # noqa: F811
    customer.add_card(VISA_SCA)
    form = customer.payment_form(plan="standard", period="monthly", currency="EUR", agents="1")
    assert customer.pay(form).status_code == 302
    payment_id = _only_payment(app).id
    auth.logout()
    other = factory.account("Other S.r.l.")
    factory.user("other@example.com", Role.OWNER, other)
    auth.login("other@example.com")
    assert client.get(f"/payments/{payment_id}/return").status_code == 404
    for address in OLD_RETURNS.values():
        assert client.get(address.format(payment_id)).status_code == 404
    assert _only_payment(app).status is PaymentStatus.REQUIRES_ACTION


def test_a_renewal_has_no_way_back(app, clock, client, standard_customer: Customer):  # noqa: F811
    """Nobody is at the screen when the renewal run charges: there is no page to come back to."""
    standard_customer.add_card(VISA_OK)
    at(clock, date(2026, 12, 1))
    run(app)
    payment = _only_payment(app)
    assert (payment.purpose, payment.status) == (PaymentPurpose.RENEWAL, PaymentStatus.SUCCEEDED)
    assert client.get(f"/payments/{payment.id}/return").status_code == 404
    for address in OLD_RETURNS.values():
        assert client.get(address.format(payment.id)).status_code == 404
