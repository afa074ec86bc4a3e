"""Pay: one charge and one invoice per confirmation, declines, retries, SCA, PayPal, credit."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from portal.domain.catalog import BillingPeriod
from portal.extensions import db
from portal.models import (
    Account,
    BillingActivity,
    Invoice,
    Payment,
    PaymentStatus,
    Role,
    Subscription,
)
from portal.payments.sandbox import SandboxCharge, SandboxRefund
from tests.conftest import csrf_token_from
from tests.wizard.conftest import VISA_DECLINED, VISA_NO_FUNDS, VISA_OK, VISA_SCA, read_form

STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}


def _follow_action(customer, response, button: str):
    """On the sandbox's 3-D Secure or PayPal page, press a button and come back."""
    assert response.status_code == 302
    page = customer.client.get(response.headers["Location"])
    assert page.status_code == 200
    action = re.search(r'action="(/sandbox/[^"]+)"', page.text).group(1)
    decided = customer.client.post(
        action, data={"csrf_token": csrf_token_from(page.text), button: "1"}
    )
    assert decided.status_code == 302
    return customer.client.get(decided.headers["Location"])


def test_first_purchase(customer):
    customer.add_card()
    form = customer.payment_form(**{**STANDARD_ONE, "agents": "2"})
    response = customer.pay(form)
    assert response.status_code == 302
    confirmation = customer.client.get(response.headers["Location"])
    assert confirmation.status_code == 200
    assert "INV-2026-000001" in confirmation.text
    assert "€36.60" in confirmation.text  # 2 × 15.00 + 22 % VAT
    assert customer.counts() == (1, 1, 1)
    account = customer.account()
    assert account.currency == "EUR"
    assert account.subscription.plan == "standard"
    assert account.subscription.agents == 2
    assert account.subscription.auto_renew is True
    assert account.subscription.period_start == date(2026, 11, 13)
    assert account.subscription.period_end == date(2026, 12, 13)
    package = customer.client.get("/package").text
    assert "Standard" in package
    assert "2 agents" in package
    with customer.app.app_context():
        invoice = db.session.scalar(select(Invoice))
        assert (invoice.net_minor, invoice.vat_minor, invoice.total_minor) == (3000, 660, 3660)
        assert invoice.status == "paid"
        assert invoice.paid_with == "Visa •••• 4242"
        assert [line.amount_minor for line in invoice.lines] == [3000]
        kinds = [entry.kind for entry in db.session.scalars(select(BillingActivity))]
        assert "purchase" in kinds


def test_resending_the_same_confirmation_charges_once(customer):
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)
    first = customer.pay(form)
    for _ in range(3):  # double click, reload, back and resubmit
        again = customer.pay(form)
        assert again.status_code == 302
        assert again.headers["Location"] == first.headers["Location"]
    assert customer.counts() == (1, 1, 1)


def test_a_second_tab_with_the_old_summary_does_not_buy_twice(customer):
    customer.add_card()
    tab_one = customer.payment_form(**STANDARD_ONE)
    tab_two = customer.payment_form(**STANDARD_ONE)
    assert tab_one["confirmation_key"] != tab_two["confirmation_key"]
    assert customer.pay(tab_one).status_code == 302
    second = customer.pay(tab_two)
    assert second.status_code == 409
    assert "The price changed" in second.text
    assert "This is your current package: nothing changes." in second.text
    assert customer.counts() == (1, 1, 1)


def test_changed_price_shows_the_new_summary_before_any_charge(customer, app):
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)
    with app.app_context():  # credit arrives between the page and the click
        db.session.get(Account, customer.account_id).credit_minor = 500
        db.session.commit()
    response = customer.pay(form)
    assert response.status_code == 409
    assert "Check the new summary before paying" in response.text
    assert "Pay €13.30" in response.text
    assert customer.counts() == (0, 0, 0)


def test_forged_fingerprint_or_selection_charges_nothing(customer):
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)
    assert customer.pay(form, fingerprint="0" * 32).status_code == 409
    assert customer.pay(form, agents="50").status_code == 409
    assert customer.pay(form, plan="gold").status_code == 400
    assert customer.pay(form, currency="USD").status_code == 409
    assert customer.pay(form, agents="0").status_code == 400
    assert customer.pay(form, confirmation_key="").status_code == 400
    assert customer.counts() == (0, 0, 0)


def test_pay_without_csrf_is_refused(customer):
    customer.add_card()
    form = customer.payment_form(**STANDARD_ONE)
    form.pop("csrf_token")
    assert customer.pay(form).status_code == 400
    assert customer.counts() == (0, 0, 0)


def test_declined_card_creates_nothing_and_waits_an_hour(customer, clock):
    customer.add_card(VISA_DECLINED)
    form = customer.payment_form(**STANDARD_ONE)
    declined = customer.pay(form)
    assert declined.status_code == 402
    assert "Your card was declined." in declined.text
    assert "4000" not in declined.text.replace("4000 0000 0000 0002", "")  # no number echoed
    account = customer.account()
    assert account.subscription is None
    assert account.currency is None
    payments, invoices, _ = customer.counts()
    assert (payments, invoices) == (1, 0)

    retry = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert retry.status_code == 429
    assert "less than an hour ago" in retry.text

    clock.advance(minutes=61)
    later = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert later.status_code == 402  # the card is tried again (and declines again)
    assert customer.counts()[1] == 0


def test_another_method_can_be_tried_at_once(customer):
    customer.add_card(VISA_NO_FUNDS)
    declined = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert "insufficient funds" in declined.text
    customer.add_card()  # the new card becomes the default
    paid = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert paid.status_code == 302
    assert customer.counts()[1] == 1


def test_too_many_declines_in_a_day(customer, clock):
    customer.add_card(VISA_DECLINED)
    for _ in range(5):
        assert customer.pay(customer.payment_form(**STANDARD_ONE)).status_code == 402
        clock.advance(minutes=61)
    blocked = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert blocked.status_code == 429
    assert "Too many declined payments in the last 24 hours" in blocked.text
    clock.advance(hours=20)
    assert customer.pay(customer.payment_form(**STANDARD_ONE)).status_code == 402


def test_sca_card_approved(customer):
    customer.add_card(VISA_SCA)
    response = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert "/sandbox/3ds/" in response.headers["Location"]
    assert customer.counts()[1] == 0  # nothing issued before the customer confirms
    result = _follow_action(customer, response, "approve")
    assert result.status_code == 302
    confirmation = customer.client.get(result.headers["Location"])
    assert "INV-2026-000001" in confirmation.text
    assert customer.counts() == (1, 1, 1)


def test_sca_card_failed_is_the_customers_cancellation_and_may_be_retried_at_once(customer):
    customer.add_card(VISA_SCA)
    response = customer.pay(customer.payment_form(**STANDARD_ONE))
    result = _follow_action(customer, response, "fail")
    assert result.status_code == 409
    assert "not confirmed with your bank, so nothing was charged" in result.text
    assert "less than an hour ago" not in result.text
    assert customer.account().subscription is None
    assert customer.counts()[1] == 0
    assert _payment_statuses(customer) == [PaymentStatus.CANCELLED]
    assert _activity(customer) == [("payment_cancelled", "authentication_failed")]
    again = customer.pay(read_form(result.text, "pay-form"))
    assert again.status_code == 302
    assert "/sandbox/3ds/" in again.headers["Location"]
    paid = _follow_action(customer, again, "approve")
    assert paid.status_code == 302
    assert customer.counts()[:2] == (2, 1)


def _payment_statuses(customer) -> list[PaymentStatus]:
    """The account's payments' states, oldest first."""
    with customer.app.app_context():
        return list(
            db.session.scalars(
                select(Payment.status)
                .where(Payment.account_id == customer.account_id)
                .order_by(Payment.id)
            )
        )


def _activity(customer) -> list[tuple[str, str]]:
    """Kinds and reasons of the account's payment refusals in billing activity."""
    with customer.app.app_context():
        entries = db.session.scalars(
            select(BillingActivity)
            .where(BillingActivity.account_id == customer.account_id)
            .order_by(BillingActivity.id)
        ).all()
        return [
            (str(entry.kind), entry.details.get("reason", ""))
            for entry in entries
            if entry.kind in ("payment_declined", "payment_cancelled")
        ]


def test_resending_while_sca_is_pending_goes_back_to_the_challenge(customer):
    customer.add_card(VISA_SCA)
    form = customer.payment_form(**STANDARD_ONE)
    first = customer.pay(form)
    again = customer.pay(form)
    assert again.headers["Location"] == first.headers["Location"]
    other_tab = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert other_tab.headers["Location"] == first.headers["Location"]
    assert customer.counts()[0] == 1


def test_paypal_cancelled(customer):
    customer.add_paypal()
    response = customer.pay(customer.payment_form(**STANDARD_ONE))
    cancelled = _follow_action(customer, response, "cancel")
    assert cancelled.status_code == 409
    assert "PayPal payment was cancelled. Nothing was charged" in cancelled.text
    assert customer.account().subscription is None
    assert customer.counts()[1] == 0
    assert _payment_statuses(customer) == [PaymentStatus.CANCELLED]
    assert _activity(customer) == [("payment_cancelled", "paypal_cancelled")]
    activity = customer.client.get("/billing/activity")
    assert "was cancelled: nothing was charged" in activity.text


def test_after_a_paypal_cancel_paypal_stays_chosen_and_pays_at_once(customer):
    customer.add_card()  # the default
    customer.add_paypal()
    form = customer.payment_form(**STANDARD_ONE)
    paypal_id = re.search(
        r'value="(\d+)"[^>]*>\s*PayPal',
        customer.client.get("/package/edit/payment", query_string=STANDARD_ONE).text,
    )
    assert paypal_id is not None
    response = customer.pay(form, method=paypal_id[1])
    cancelled = _follow_action(customer, response, "cancel")
    assert re.search(r'value="(\d+)" checked', cancelled.text)[1] == paypal_id[1]
    again = customer.pay(read_form(cancelled.text, "pay-form"))
    assert "/sandbox/paypal/" in again.headers["Location"]
    assert _follow_action(customer, again, "approve").status_code == 302
    assert _payment_statuses(customer) == [PaymentStatus.CANCELLED, PaymentStatus.SUCCEEDED]


def test_a_cancelled_payment_does_not_count_towards_the_daily_declines(customer, clock):
    customer.add_paypal()
    for _ in range(6):
        response = customer.pay(customer.payment_form(**STANDARD_ONE))
        assert response.status_code == 302, response.text
        assert _follow_action(customer, response, "cancel").status_code == 409
    assert _payment_statuses(customer) == [PaymentStatus.CANCELLED] * 6


def test_paypal_approved(customer):
    customer.add_paypal()
    response = customer.pay(customer.payment_form(**STANDARD_ONE))
    assert "/sandbox/paypal/" in response.headers["Location"]
    result = _follow_action(customer, response, "approve")
    assert result.status_code == 302
    assert customer.counts() == (1, 1, 1)
    with customer.app.app_context():
        assert db.session.scalar(select(Invoice)).paid_with.startswith("PayPal")


def test_quantity_increase_charges_the_spec_example(standard_customer):
    standard_customer.add_card()
    form = standard_customer.payment_form(
        plan="standard", period="monthly", currency="EUR", agents="5", packs="0"
    )
    assert (
        "Pay €21.96"
        in standard_customer.client.get(
            "/package/edit/payment?plan=standard&period=monthly&agents=5&packs=0"
        ).text
    )
    assert standard_customer.pay(form).status_code == 302
    account = standard_customer.account()
    assert account.subscription.agents == 5
    assert account.subscription.period_end == date(2026, 12, 1)  # the renewal date stays
    with standard_customer.app.app_context():
        invoice = db.session.scalar(select(Invoice))
        assert [line.amount_minor for line in invoice.lines] == [4500, -2700]
        assert (invoice.net_minor, invoice.vat_minor, invoice.total_minor) == (1800, 396, 2196)
        payment = db.session.scalar(select(Payment))
        assert payment.amount_minor == 2196


def test_plan_change_starts_a_new_period_with_a_discount(standard_customer):
    standard_customer.add_card()
    form = standard_customer.payment_form(
        plan="pro", period="monthly", currency="EUR", agents="3", packs="0"
    )
    assert standard_customer.pay(form).status_code == 302
    account = standard_customer.account()
    assert account.subscription.plan == "pro"
    assert account.subscription.period_start == date(2026, 11, 13)
    with standard_customer.app.app_context():
        invoice = db.session.scalar(select(Invoice))
        # 3 × 24.00 − 3 × 15.00 × 18/30 = 72.00 − 27.00 = 45.00; VAT 9.90.
        assert [line.amount_minor for line in invoice.lines] == [7200, -2700]
        assert invoice.total_minor == 5490


def test_monthly_to_annual(standard_customer):
    standard_customer.add_card()
    form = standard_customer.payment_form(
        plan="standard", period="annual", currency="EUR", agents="3", packs="0"
    )
    assert standard_customer.pay(form).status_code == 302
    account = standard_customer.account()
    assert account.subscription.billing_period == "annual"
    assert account.subscription.period_end == date(2027, 11, 13)


def test_credit_covering_everything_needs_no_method(app, client, auth, factory):
    account_id = factory.account("Credit S.r.l.", credit_minor=10000)
    factory.user("credit@example.com", Role.OWNER, account_id)
    auth.login("credit@example.com")
    page = client.get("/package/edit/payment?plan=standard&period=monthly&currency=EUR&agents=2")
    assert ">Confirm<" in page.text
    form = read_form(page.text, "pay-form")
    assert client.post("/package/edit/pay", data=form).status_code == 302
    with app.app_context():
        account = db.session.get(Account, account_id)
        assert account.credit_minor == 10000 - 3660
        invoice = db.session.scalar(select(Invoice))
        assert invoice.credit_used_minor == 3660
        assert invoice.amount_due_minor == 0
        assert invoice.paid_with == "Account credit"


def test_reactivating_a_blocked_account(app, client, auth, factory):
    account_id = factory.account("Back S.r.l.")
    factory.subscription(
        account_id, period=BillingPeriod.MONTHLY, anchor=date(2026, 9, 1), status="blocked"
    )
    factory.user("back@example.com", Role.OWNER, account_id)
    auth.login("back@example.com")
    from tests.wizard.conftest import Customer

    customer = Customer(client, app, account_id)
    customer.add_card()
    assert customer.pay(customer.payment_form(**{**STANDARD_ONE, "agents": "4"})).status_code == 302
    with app.app_context():
        subscriptions = db.session.scalars(select(Subscription)).all()
        assert len(subscriptions) == 1
        assert subscriptions[0].status == "active"
        assert subscriptions[0].agents == 4
        assert subscriptions[0].period_start == date(2026, 11, 13)


def test_invoice_numbers_follow_each_other(customer):
    customer.add_card()
    customer.pay(customer.payment_form(**STANDARD_ONE))
    customer.pay(customer.payment_form(**{**STANDARD_ONE, "agents": "3"}))
    with customer.app.app_context():
        numbers = db.session.scalars(select(Invoice.number).order_by(Invoice.id)).all()
    assert numbers == ["INV-2026-000001", "INV-2026-000002"]


def test_other_accounts_payments_are_404(customer, app, client, auth, factory):
    customer.add_card()
    paid = customer.pay(customer.payment_form(**STANDARD_ONE))
    confirmation_url = paid.headers["Location"]
    with app.app_context():
        payment_id = db.session.scalar(select(Payment.id))
    auth.logout()
    other = factory.account("Other S.r.l.")
    factory.user("other@example.com", Role.OWNER, other)
    auth.login("other@example.com")
    assert client.get(confirmation_url).status_code == 404
    assert client.get(f"/package/edit/payments/{payment_id}/return").status_code == 404


def test_a_confirmation_after_the_payment_was_given_up_charges_nothing(customer, clock, app):
    customer.add_card(VISA_SCA)
    response = customer.pay(customer.payment_form(**STANDARD_ONE))
    challenge = customer.client.get(response.headers["Location"])
    # The customer leaves the bank's page open; 31 minutes later another payment starts,
    # which gives the first one up: it is cancelled at the gateway, so it can never charge.
    clock.advance(minutes=31)
    customer.add_card(VISA_OK)
    customer.pay(customer.payment_form(**{**STANDARD_ONE, "agents": "2"}))
    action = re.search(r'action="(/sandbox/[^"]+)"', challenge.text).group(1)
    decided = customer.client.post(
        action, data={"csrf_token": csrf_token_from(challenge.text), "approve": "1"}
    )
    result = customer.client.get(decided.headers["Location"])
    assert result.status_code == 409
    assert "nothing was charged" in result.text
    assert customer.account().subscription.agents == 2
    with app.app_context():
        first = db.session.scalar(select(Payment).order_by(Payment.id))
        assert first.status is PaymentStatus.ABANDONED
        charge = db.session.get(SandboxCharge, first.gateway_reference)
        assert charge.status == "cancelled"
        assert db.session.scalar(select(SandboxRefund)) is None
        assert db.session.scalar(select(func.count(Invoice.id))) == 1
