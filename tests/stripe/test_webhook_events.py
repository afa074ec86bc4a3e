"""Finding 5c: a signed Stripe event that is malformed is a 400, one about something the portal
does not know is a 200, both logged; never a 5xx, which Stripe retries for days."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Invoice, PaymentStatus
from portal.payments.stripe_gateway import StripeEvent
from tests.stripe.test_stripe_gateway import (
    STANDARD_ONE,
    VISA_SCA,
    only_payment,
    save_card,
    signature_of,
)

SUCCEEDED = "payment_intent.succeeded"
INTENT = {"id": "pi_x", "object": "payment_intent", "metadata": {}}

# Signed by Stripe's secret, but not an event the portal can read.
MALFORMED = [
    {},
    {"id": "evt_1"},
    {"type": SUCCEEDED, "data": {"object": INTENT}},
    {"id": "evt_1", "type": SUCCEEDED},
    {"id": "evt_1", "type": SUCCEEDED, "data": "x"},
    {"id": "evt_1", "type": SUCCEEDED, "data": {}},
    {"id": "evt_1", "type": SUCCEEDED, "data": {"object": "pi_x"}},
    {"id": "evt_1", "type": SUCCEEDED, "data": {"object": ["pi_x"]}},
    {"id": "evt_1", "type": SUCCEEDED, "data": {"object": {"metadata": {}}}},
    {"id": "evt_1", "type": SUCCEEDED, "data": {"object": {"id": 5}}},
    {"id": "evt_1", "type": SUCCEEDED, "data": {"object": {"id": {"a": 1}}}},
    {"id": "evt_1", "type": SUCCEEDED, "data": {"object": {"id": "pi_x", "metadata": "k"}}},
    {
        "id": "evt_1",
        "type": SUCCEEDED,
        "data": {"object": {"id": "pi_x", "metadata": {"payment_key": 5}}},
    },
    {"id": "evt_1", "type": "charge.refunded", "data": {"object": {"payment_intent": 5}}},
    {"id": "evt_1", "type": "charge.refunded", "data": {"object": "ch_x"}},
    {"id": 5, "type": SUCCEEDED, "data": {"object": INTENT}},
    {"id": None, "type": SUCCEEDED, "data": {"object": INTENT}},
    {"id": "", "type": SUCCEEDED, "data": {"object": INTENT}},
    {"id": "evt_" + "x" * 200, "type": SUCCEEDED, "data": {"object": INTENT}},
    {"id": "evt_1", "type": 5, "data": {"object": INTENT}},
    {"id": "evt_1", "type": [SUCCEEDED], "data": {"object": INTENT}},
    {"id": "evt_1", "type": None, "data": {"object": INTENT}},
    [],
    "evt_1",
    5,
    None,
]


def _post(client, body: object):
    """Stripe posting `body`, signed with the endpoint's secret."""
    payload = json.dumps(body).encode()
    return client.post(
        "/payments/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": signature_of(payload), "Content-Type": "application/json"},
    )


def _events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(StripeEvent))


@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_signed_event_is_a_logged_400(app, client, caplog, body):
    with caplog.at_level(logging.WARNING, logger="portal"):
        answer = _post(client, body)
    assert answer.status_code == 400, answer.status_code
    assert "malformed Stripe event" in caplog.text
    assert _events(app) == 0


def test_an_event_naming_an_unknown_intent_is_a_logged_200(
    app, stripe_customer, localstripe, caplog
):
    save_card(stripe_customer, localstripe, VISA_SCA)
    stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    payment = only_payment(app)
    assert payment.status is PaymentStatus.REQUIRES_ACTION
    key = payment.idempotency_key
    client = stripe_customer.client
    events = [
        # Intents Stripe never made, one carrying the key of the portal's payment.
        {"id": "pi_unknown", "object": "payment_intent", "metadata": {"payment_key": key}},
        {"id": "pi_unknown2", "object": "payment_intent", "metadata": {}},
        {"id": "pi_unknown3", "object": "payment_intent"},
    ]
    for number, obj in enumerate(events):
        body = {"id": f"evt_{number}", "type": SUCCEEDED, "data": {"object": obj}}
        with caplog.at_level(logging.INFO, logger="portal"):
            answer = _post(client, body)
        assert answer.status_code == 200, (obj, answer.status_code)
    refunded = {"id": "ch_x", "object": "charge", "payment_intent": "pi_unknown"}
    body = {"id": "evt_r", "type": "charge.refunded", "data": {"object": refunded}}
    assert _post(client, body).status_code == 200
    assert "pi_unknown" in caplog.text and "pi_unknown2" in caplog.text
    after = only_payment(app)
    assert after.status is PaymentStatus.REQUIRES_ACTION
    with app.app_context():
        assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_an_event_of_a_type_the_portal_ignores_may_carry_anything(client):
    assert _post(client, {"id": "evt_c", "type": "customer.created"}).status_code == 200
    body = {"id": "evt_d", "type": "customer.created", "data": "x"}
    assert _post(client, body).status_code == 200
