"""Finding 9 on the Stripe card form: a control or text-direction character in the name on the
card is said on the page (the card fields are Stripe's), never a bare 400; nothing is saved."""

from __future__ import annotations

import io

import pytest

from portal.forms import FORBIDDEN_TEXT
from tests.conftest import csrf_token_from
from tests.stripe.test_stripe_gateway import methods


@pytest.mark.parametrize("holder", ["Giulia\x00", "Giulia \u202eiggaM", "Giulia\x1b"])
def test_an_unsafe_name_on_the_card_is_said_on_the_page(app, stripe_customer, holder):
    client = stripe_customer.client
    page = client.get("/billing/payment-methods/")
    response = client.post(
        "/billing/payment-methods/stripe-card",
        data={"csrf_token": csrf_token_from(page.text), "setup_intent": "seti_x", "holder": holder},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "invisible control or text-direction characters" in response.text
    assert not FORBIDDEN_TEXT.search(response.text)
    assert methods(app) == []


def test_a_file_as_the_name_on_the_card_is_said_on_the_page(app, stripe_customer):
    client = stripe_customer.client
    page = client.get("/billing/payment-methods/")
    response = client.post(
        "/billing/payment-methods/stripe-card",
        data={
            "csrf_token": csrf_token_from(page.text),
            "setup_intent": "seti_x",
            "holder": (io.BytesIO(b"Giulia"), "name.txt"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "This field takes text, not a file" in response.text
    assert methods(app) == []
