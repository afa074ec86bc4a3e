"""The Stripe gateway against a local Stripe server, through the real `stripe` package.

Card numbers go from "the browser" (this test, posting what Stripe.js posts) to the local
Stripe server, never to the portal. Webhooks are signed with the endpoint's secret exactly as
Stripe signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.config import ConfigurationError
from portal.extensions import db
from portal.models import (
    Invoice,
    Payment,
    PaymentMethod,
    PaymentStatus,
    RefundReason,
    Subscription,
)
from portal.payments.gateway import gateway
from portal.payments.stripe_gateway import StripeEvent, StripeGateway, _decline_code
from portal.renewal.run import Step, run_renewals
from tests.conftest import csrf_token_from
from tests.stripe.conftest import WEBHOOK_SECRET
from tests.wizard.conftest import read_form

VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"
VISA_SCA = "4000002760003184"
DECLINED_AT_CHARGE = "4000000000000341"
DECLINED_AT_SETUP = "4000000000000002"
STANDARD_ONE = {"plan": "standard", "period": "monthly", "currency": "EUR", "agents": "1"}


def save_card(customer, localstripe, number: str, *, approve_3ds: bool = True):
    """Add a card as the browser does: Stripe.js confirms the SetupIntent, the form posts its id."""
    page = customer.client.get("/billing/payment-methods/")
    assert page.status_code == 200
    assert 'name="number"' not in page.text  # the portal never asks for the number
    secret = re.search(r'data-client-secret="([^"]+)"', page.text).group(1)
    setup = secret.split("_secret_")[0]
    status, body = localstripe.post(
        f"/v1/setup_intents/{setup}/confirm",
        {
            "use_stripe_sdk": True,
            "client_secret": secret,
            "payment_method_data": {
                "type": "card",
                "card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"},
            },
        },
    )
    if status == 200 and body.get("status") == "requires_action" and approve_3ds:
        status, body = localstripe.post(
            f"/v1/setup_intents/{setup}/confirm", {"use_stripe_sdk": True, "client_secret": secret}
        )
    if status != 200:
        return status, body
    return customer.client.post(
        "/billing/payment-methods/stripe-card",
        data={
            "csrf_token": csrf_token_from(page.text),
            "setup_intent": setup,
            "holder": "Giulia Bianchi",
            "make_default": "y",
        },
    ), body


def methods(app) -> list[PaymentMethod]:
    """The saved methods, detached."""
    with app.app_context():
        found = db.session.scalars(select(PaymentMethod)).all()
        db.session.expunge_all()
        return list(found)


def only_payment(app) -> Payment:
    """The latest payment, detached."""
    with app.app_context():
        payment = db.session.scalar(select(Payment).order_by(Payment.id.desc()))
        db.session.expunge(payment)
        return payment


def intent(app, reference: str):
    """The PaymentIntent as the local Stripe server has it."""
    with app.app_context():
        stripe_gateway = gateway()
        assert isinstance(stripe_gateway, StripeGateway)
        return stripe_gateway.client.v1.payment_intents.retrieve(reference)


def authenticate(customer, localstripe, redirect: str, *, success: bool) -> str:
    """The 3-D Secure page: what Stripe.js does there, then back to the portal."""
    page = customer.client.get(redirect)
    assert page.status_code == 200
    assert "js.stripe.com/v3/" in page.text
    secret = re.search(r'data-client-secret="([^"]+)"', page.text).group(1)
    back = re.search(r'data-back="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    reference = secret.split("_secret_")[0]
    status, _body = localstripe.post(
        f"/v1/payment_intents/{reference}/_authenticate?success={'true' if success else 'false'}",
        {"client_secret": secret},
    )
    assert status == 200
    return back


def signed_event(kind: str, obj: dict, event_id: str) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, signed as Stripe signs them."""
    payload = json.dumps(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}
    ).encode()
    return payload, signature_of(payload)


def signature_of(payload: bytes) -> str:
    """The Stripe-Signature header Stripe sends with this body now."""
    timestamp = int(time.time())
    signature = hmac.new(
        WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={signature}"


def post_event(client, kind: str, obj: dict, event_id: str, *, header: str | None = None):
    """Stripe calling the webhook endpoint."""
    payload, signature = signed_event(kind, obj, event_id)
    return client.post(
        "/payments/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": header or signature, "Content-Type": "application/json"},
    )


def test_a_half_configuration_stops_start_up_naming_what_is_missing():
    with pytest.raises(ConfigurationError, match="STRIPE_WEBHOOK_SECRET"):
        create_app(
            {
                "TESTING": True,
                "PAYMENT_GATEWAY": "stripe",
                "STRIPE_SECRET_KEY": "sk_test_x",
                "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
                "STRIPE_WEBHOOK_SECRET": "",
            }
        )


def test_a_visa_card_is_saved_without_its_number_reaching_the_portal(
    app, stripe_customer, localstripe
):
    response, _body = save_card(stripe_customer, localstripe, VISA)
    assert response.status_code == 302
    [method] = methods(app)
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == (
        "visa",
        "4242",
        12,
        2030,
    )
    assert method.token.startswith("pm_")
    assert method.is_default
    page = stripe_customer.client.get("/billing/payment-methods/")
    assert "4242" in page.text
    assert VISA not in page.text
    policy = page.headers["Content-Security-Policy"]
    assert localstripe.base in policy
    assert "base-uri 'none'" in policy and "form-action 'self'" in policy
    assert "Link a PayPal account" not in page.text


def test_the_same_card_saved_twice_is_refused_by_its_fingerprint(
    app, stripe_customer, localstripe, monkeypatch
):
    detached = []
    real_discard = StripeGateway.discard_card

    def discard(self, token):  # type: ignore[no-untyped-def]
        detached.append(token)
        real_discard(self, token)

    monkeypatch.setattr(StripeGateway, "discard_card", discard)
    save_card(stripe_customer, localstripe, VISA)
    [kept] = methods(app)
    assert kept.fingerprint  # Stripe's name for the number, never the number
    assert VISA not in kept.fingerprint
    response, body = save_card(stripe_customer, localstripe, VISA)
    assert response.status_code == 302
    page = stripe_customer.client.get(response.headers["Location"])
    assert "This card is already saved: Visa •••• 4242, expires 12/2030." in page.text
    assert [method.id for method in methods(app)] == [kept.id]
    # The second copy was detached from the customer at Stripe, not just forgotten here.
    assert detached == [body["payment_method"]]
    with app.app_context():
        assert gateway().client.v1.payment_methods.retrieve(detached[0]).customer is None


def test_another_card_with_the_same_last_four_is_not_a_duplicate(app, stripe_customer, localstripe):
    # Where both fingerprints are known they decide, even when brand, last four and expiry
    # agree (two numbers ending alike).
    save_card(stripe_customer, localstripe, VISA)
    with app.app_context():
        method = db.session.scalar(select(PaymentMethod))
        method.fingerprint = "another-number"
        db.session.commit()
    response, _body = save_card(stripe_customer, localstripe, VISA)
    assert response.status_code == 302
    assert len(methods(app)) == 2


def test_an_american_express_card_is_refused_by_name(
    app, stripe_customer, localstripe, monkeypatch
):
    # localstripe takes 16-digit numbers only and calls every card "visa": the card is saved
    # there as a Visa, and the payment method Stripe hands back is read as American Express.
    real_retrieve = StripeGateway.finish_card_setup

    def as_amex(self, customer, setup_id):  # type: ignore[no-untyped-def]
        retrieve = self.client.v1.payment_methods.retrieve

        def amex(method_id, *args, **kwargs):  # type: ignore[no-untyped-def]
            method = retrieve(method_id, *args, **kwargs)
            method.card.brand = "amex"
            return method

        monkeypatch.setattr(self.client.v1.payment_methods, "retrieve", amex)
        return real_retrieve(self, customer, setup_id)

    monkeypatch.setattr(StripeGateway, "finish_card_setup", as_amex)
    response, body = save_card(stripe_customer, localstripe, VISA)
    assert response.status_code == 302
    page = stripe_customer.client.get(response.headers["Location"])
    assert "American Express cards are not accepted. We accept Visa and Mastercard." in page.text
    assert methods(app) == []
    # And it was detached from the customer at Stripe, not just forgotten here.
    method_id = body["payment_method"]
    with app.app_context():
        assert gateway().client.v1.payment_methods.retrieve(method_id).customer is None
    # localstripe refuses a 15-digit number outright, before the portal sees anything.
    status, _body = save_card(stripe_customer, localstripe, "378282246310005")
    assert status == 400


def test_a_card_refused_by_the_bank_when_saved_is_not_kept(app, stripe_customer, localstripe):
    status, body = save_card(stripe_customer, localstripe, DECLINED_AT_SETUP)
    assert status == 402
    assert body["error"]["code"] == "card_declined"
    assert methods(app) == []


def test_paying_with_a_saved_card_buys_the_package_without_javascript(
    app, stripe_customer, localstripe
):
    save_card(stripe_customer, localstripe, VISA)
    response = stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    assert response.status_code == 302
    assert "/package/edit/payments/" in response.headers["Location"]
    payment = only_payment(app)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.gateway_reference.startswith("pi_")
    paid = intent(app, payment.gateway_reference)
    assert (paid.status, paid.amount, paid.currency) == ("succeeded", 1830, "eur")
    assert paid.metadata["payment_key"] == payment.idempotency_key
    assert stripe_customer.account().subscription.agents == 1


def test_a_decline_at_charge_says_so_and_changes_nothing(app, stripe_customer, localstripe):
    save_card(stripe_customer, localstripe, DECLINED_AT_CHARGE)
    response = stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    assert response.status_code == 402
    assert "Your card was declined" in response.text
    assert only_payment(app).status is PaymentStatus.DECLINED
    assert stripe_customer.account().subscription is None


@pytest.mark.parametrize(("success", "status"), [(True, 302), (False, 409)])
def test_3d_secure_goes_through_stripe_js_and_back(
    app, stripe_customer, localstripe, success, status
):
    save_card(stripe_customer, localstripe, VISA_SCA)
    response = stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    assert response.status_code == 302
    assert "/payments/stripe/pi_" in response.headers["Location"]
    assert only_payment(app).status is PaymentStatus.REQUIRES_ACTION
    back = authenticate(stripe_customer, localstripe, response.headers["Location"], success=success)
    result = stripe_customer.client.get(back)
    assert result.status_code == status
    payment = only_payment(app)
    if success:
        assert payment.status is PaymentStatus.SUCCEEDED
        assert stripe_customer.account().subscription.agents == 1
    else:
        # The customer's own cancellation, not a decline: nothing waits.
        assert payment.status is PaymentStatus.CANCELLED
        assert "not confirmed with your bank, so nothing was charged" in result.text
        again = stripe_customer.pay(read_form(result.text, "pay-form"))
        assert again.status_code == 302
        assert "/payments/stripe/pi_" in again.headers["Location"]
        assert only_payment(app).status is PaymentStatus.REQUIRES_ACTION


def test_the_3d_secure_page_of_another_account_is_404(
    app, stripe_customer, localstripe, factory, client
):
    save_card(stripe_customer, localstripe, VISA_SCA)
    response = stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    other = factory.account("Other S.r.l.")
    factory.user("other@example.com", "owner", other)
    intruder = app.test_client()
    from tests.conftest import Auth

    Auth(intruder).login("other@example.com")
    assert intruder.get(response.headers["Location"]).status_code == 404
    elsewhere = response.headers["Location"].split("?")[0] + "?back=//evil.example/"
    assert stripe_customer.client.get(elsewhere).status_code == 404


def _renewal_customer(app, stripe_customer, localstripe, number: str, clock) -> None:
    """Buy Standard with one agent on 13 November, then move to the renewal date."""
    save_card(stripe_customer, localstripe, number)
    if number == VISA_SCA:
        response = stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
        back = authenticate(
            stripe_customer, localstripe, response.headers["Location"], success=True
        )
        stripe_customer.client.get(back)
    else:
        stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    with app.app_context():
        end = db.session.scalar(select(Subscription.period_end))
    clock.moment = datetime(end.year, end.month, end.day, 1, 0, tzinfo=UTC)


def test_an_off_session_renewal_is_charged_to_the_saved_card(
    app, stripe_customer, localstripe, clock
):
    _renewal_customer(app, stripe_customer, localstripe, VISA, clock)
    with app.app_context():
        assert run_renewals().counts[Step.RENEWED] == 1
    renewal = only_payment(app)
    assert renewal.status is PaymentStatus.SUCCEEDED
    assert intent(app, renewal.gateway_reference).status == "succeeded"


def test_an_off_session_renewal_that_needs_3d_secure_leaves_an_open_invoice(
    app, stripe_customer, localstripe, clock
):
    _renewal_customer(app, stripe_customer, localstripe, VISA_SCA, clock)
    with app.app_context():
        assert run_renewals().counts[Step.DECLINED] == 1
        statuses = db.session.scalars(select(Invoice.status).order_by(Invoice.id)).all()
    renewal = only_payment(app)
    assert (renewal.status, renewal.decline_code) == (
        PaymentStatus.DECLINED,
        "authentication_required",
    )
    assert intent(app, renewal.gateway_reference).status == "canceled"
    assert statuses == ["paid", "open"]
    assert stripe_customer.account().subscription.status == "past_due"


def test_a_full_refund_goes_through_the_refunds_api(app, stripe_customer, localstripe):
    save_card(stripe_customer, localstripe, VISA)
    stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    page = stripe_customer.client.get("/package")
    form = read_form(page.text, "refund-form")
    response = stripe_customer.client.post("/package/refund", data=form)
    assert response.status_code == 302
    payment = only_payment(app)
    assert (payment.status, payment.refund_reason) == (
        PaymentStatus.REFUNDED,
        RefundReason.FULL_REFUND,
    )
    assert payment.refund_reference.startswith("re_")
    charge = intent(app, payment.gateway_reference).latest_charge
    assert stripe_customer.account().subscription is None
    assert charge is not None


@pytest.mark.parametrize("webhook_first", [True, False])
def test_a_webhook_before_or_after_the_return_page_settles_once(
    app, stripe_customer, localstripe, webhook_first
):
    save_card(stripe_customer, localstripe, VISA_SCA)
    response = stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    back = authenticate(stripe_customer, localstripe, response.headers["Location"], success=True)
    reference = only_payment(app).gateway_reference
    event = intent(app, reference).to_dict()
    if webhook_first:
        assert (
            post_event(
                stripe_customer.client, "payment_intent.succeeded", event, "evt_1"
            ).status_code
            == 200
        )
        assert only_payment(app).status is PaymentStatus.SUCCEEDED
    assert stripe_customer.client.get(back).status_code == 302
    if not webhook_first:
        assert (
            post_event(
                stripe_customer.client, "payment_intent.succeeded", event, "evt_1"
            ).status_code
            == 200
        )
    # The same event again (Stripe retries): answered, without effect.
    assert (
        post_event(stripe_customer.client, "payment_intent.succeeded", event, "evt_1").status_code
        == 200
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Invoice.id))) == 1
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
    assert only_payment(app).status is PaymentStatus.SUCCEEDED


def test_a_forged_or_unknown_webhook_changes_nothing(app, stripe_customer, localstripe):
    save_card(stripe_customer, localstripe, VISA_SCA)
    stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    reference = only_payment(app).gateway_reference
    event = intent(app, reference).to_dict()
    forged = post_event(
        stripe_customer.client, "payment_intent.succeeded", event, "evt_f", header="t=1,v1=00"
    )
    assert forged.status_code == 400
    unknown = post_event(stripe_customer.client, "customer.created", {"id": "cus_x"}, "evt_u")
    assert unknown.status_code == 200
    stranger = post_event(
        stripe_customer.client,
        "payment_intent.succeeded",
        {"id": "pi_unknown", "metadata": {}},
        "evt_s",
    )
    assert stranger.status_code == 200
    assert only_payment(app).status is PaymentStatus.REQUIRES_ACTION
    with app.app_context():
        assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_a_charge_refunded_event_completes_a_refund_the_portal_asked_for(
    app, stripe_customer, localstripe
):
    # localstripe sends no charge.refunded events: the test signs one as Stripe would.
    save_card(stripe_customer, localstripe, VISA)
    stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    payment = only_payment(app)
    with app.app_context():
        row = db.session.get(Payment, payment.id)
        row.status = PaymentStatus.PROCESSING  # charged, a give-back owed, the portal cut off
        row.refund_reason = RefundReason.ORDER_CHANGED
        db.session.commit()
    charge = {"id": "ch_x", "object": "charge", "payment_intent": payment.gateway_reference}
    assert post_event(stripe_customer.client, "charge.refunded", charge, "evt_r").status_code == 200
    after = only_payment(app)
    assert (after.status, after.refund_reason) == (
        PaymentStatus.REFUNDED,
        RefundReason.ORDER_CHANGED,
    )


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ({"code": "card_declined", "decline_code": "insufficient_funds"}, "insufficient_funds"),
        ({"code": "expired_card"}, "expired_card"),
        ({"code": "card_declined", "decline_code": "generic_decline"}, "card_declined"),
        ({"code": "payment_intent_authentication_failure"}, "authentication_failed"),
        ({"code": "authentication_required"}, "authentication_required"),
        (None, "card_declined"),
    ],
)
def test_stripe_errors_become_the_portals_decline_codes(error, code):
    # localstripe declines its "insufficient funds" card when it is saved, not when it is
    # charged: Stripe's own error shapes are mapped here instead.
    assert _decline_code(error) == code
