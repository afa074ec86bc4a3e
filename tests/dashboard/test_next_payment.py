"""My package shows the next payment before it happens, as the renewal run will charge it."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from portal.accounts import load_account
from portal.dashboard.package import billing_facts
from portal.extensions import db
from portal.payments.sandbox import SandboxCharge
from portal.payments.saved_methods import default_method
from portal.renewal.run import run_renewals
from tests.renewal.test_renewal_run import at, set_credit
from tests.wizard.conftest import VISA_DECLINED


def next_payment_text(customer) -> str:
    """The text of the Next payment section, tags removed."""
    page = customer.client.get("/package").text
    section = page.split('class="next-payment"', 1)[1].split("</section>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_the_figure_shown_is_what_the_renewal_run_charges(app, clock, standard_customer, runner):
    standard_customer.add_card()
    set_credit(app, standard_customer.account_id, 1234)
    shown = next_payment_text(standard_customer)
    # 3 agents × €15.00 + 22 % VAT = €54.90, less €12.34 of credit.
    assert "On December 1, 2026: €42.56." in shown
    assert "After €12.34 of account credit." in shown
    assert "Charged to Visa •••• 4242." in shown

    at(clock, date(2026, 12, 1))
    assert runner.invoke(args=["billing", "renew"]).exit_code == 0
    with app.app_context():
        charged = db.session.scalars(select(SandboxCharge.amount_minor)).all()
    assert charged == [4256]


def test_credit_covering_the_renewal_means_nothing_is_charged(app, clock, standard_customer):
    standard_customer.add_card()
    set_credit(app, standard_customer.account_id, 10000)
    shown = next_payment_text(standard_customer)
    assert "Your account credit covers the renewal on December 1, 2026" in shown
    assert "nothing will be charged" in shown


def test_without_a_method_the_page_says_so_and_links_to_add_one(standard_customer):
    shown = next_payment_text(standard_customer)
    assert "On December 1, 2026: €54.90." in shown
    assert "There is no payment method to charge it to." in shown
    page = standard_customer.client.get("/package").text
    assert 'href="/billing/payment-methods/">Add a payment method' in page


def test_without_a_method_auto_renewal_does_not_promise_a_default_method(standard_customer):
    page = standard_customer.client.get("/package").text
    assert "There is no payment method to charge it to." in page
    assert "charged to your default payment method" not in page
    assert "Auto-renewal is on: add a payment method before December 1, 2026" in page
    standard_customer.add_card()
    page = standard_customer.client.get("/package").text
    assert "There is no payment method to charge it to." not in page
    assert "charged to your default payment method" in page


def test_paypal_as_default_is_named(standard_customer):
    standard_customer.add_paypal("giulia@example.com")
    assert "Charged to PayPal (giulia@example.com)." in next_payment_text(standard_customer)


def test_auto_renewal_off_shows_the_day_the_account_is_blocked(app, standard_customer):
    standard_customer.add_card()
    page = standard_customer.client.get("/package/stop").text
    token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)
    standard_customer.client.post("/package/stop", data={"csrf_token": token, "reason": "other"})
    shown = next_payment_text(standard_customer)
    assert "auto-renewal is off, and the account will be blocked on December 1, 2026" in shown


def test_past_due_shows_the_unpaid_invoice_and_the_block_date(app, clock, standard_customer):
    standard_customer.add_card(VISA_DECLINED)
    at(clock, date(2026, 12, 1))
    with app.app_context():
        run_renewals()
    shown = next_payment_text(standard_customer)
    assert re.search(r"The renewal invoice \S+ of €54.90 is unpaid", shown), shown
    assert "Pay it by December 4, 2026" in shown
    assert "Pay now" in shown


def test_next_payment_in_italian(standard_customer):
    standard_customer.add_card()
    page = standard_customer.client.get("/package", headers={"Accept-Language": "it"}).text
    assert "Prossimo pagamento" in page


def test_the_method_named_is_the_default_the_renewal_charges(app, standard_customer):
    standard_customer.add_card()
    standard_customer.add_card("5555 5555 5555 4444", make_default=True)
    standard_customer.add_card("4000 0000 0000 0002", make_default=False)
    assert "Charged to Mastercard •••• 4444." in next_payment_text(standard_customer)
    with app.app_context():
        account = load_account(standard_customer.account_id)
        assert billing_facts(account).default_method == default_method(account.id)
