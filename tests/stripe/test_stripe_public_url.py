"""Issue 21, finding 2, with Stripe: the 3-D Secure page and the way back are on PUBLIC_URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.models import PaymentStatus
from tests.security.test_public_url import ALIAS, PUBLIC, arrival, public_path  # noqa: F401
from tests.stripe.test_stripe_gateway import (
    STANDARD_ONE,
    VISA_SCA,
    authenticate,
    only_payment,
    save_card,
)


@pytest.fixture
def app_config(app_config: dict[str, object]) -> dict[str, object]:
    """The Stripe gateway of tests/stripe, on a public URL with a path prefix."""
    return {**app_config, "PUBLIC_URL": PUBLIC, "ALLOWED_HOSTS": [ALIAS]}


def test_the_3d_secure_page_and_the_way_back_are_on_the_public_url(
    app,
    stripe_customer,
    localstripe,
    arrival,  # noqa: F811
):
    save_card(stripe_customer, localstripe, VISA_SCA)
    response = stripe_customer.pay(stripe_customer.payment_form(**STANDARD_ONE))
    assert response.status_code == 302
    page = public_path(response.headers["Location"])
    assert page.startswith("/payments/stripe/pi_")
    [back] = parse_qs(urlsplit(page).query)["back"]
    # The way back is a path under the public URL's prefix, where the proxy mounts the portal.
    assert re.fullmatch(r"/portal/payments/\d+/return", back), back
    assert authenticate(stripe_customer, localstripe, page, success=True) == back
    assert stripe_customer.client.get(back.removeprefix("/portal")).status_code == 302
    assert only_payment(app).status is PaymentStatus.SUCCEEDED
