"""In Chromium: a customer adds a card through the (local) Stripe script and buys Standard,
approving the bank's 3-D Secure check in Stripe.js's window."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account, PaymentMethod, Role
from tests.conftest import PASSWORD
from tests.stripe.conftest import app_config, localstripe  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

SCA_CARD = "4000002760003184"


@pytest.mark.parametrize("card", ["4242424242424242", SCA_CARD], ids=["visa", "3ds"])
def test_a_customer_adds_a_card_with_stripe_js_and_buys_standard(
    chromium,
    live_url,
    app,
    factory,
    localstripe,  # noqa: F811 - the fixture imported above
    card,
):
    account_id = factory.account("Trattoria Nuova S.r.l.", country="IT")
    factory.user("owner@trattoria.example.com", Role.OWNER, account_id)
    context = chromium.new_context(locale="it-IT")
    page = context.new_page()
    try:
        page.goto(f"{live_url}/login")
        page.fill("#email", "owner@trattoria.example.com")
        page.fill("#password", PASSWORD)
        page.locator("form input[type=submit], form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/package$"))

        page.goto(f"{live_url}/billing/payment-methods/")
        assert page.locator("#number").count() == 0  # no card field of the portal's own
        page.fill("#stripe-holder", "Anna Verdi")
        element = page.locator("[data-card-element]")
        element.locator("input[placeholder=number]").fill(card)
        element.locator("input[placeholder=exp_month]").fill("12")
        element.locator("input[placeholder=exp_year]").fill("34")
        element.locator("input[placeholder=cvc]").fill("123")
        element.locator("input[placeholder=postal_code]").fill("20100")
        page.locator("form[data-stripe-card-setup] button[type=submit]").click()
        if card == SCA_CARD:
            # localstripe's stand-in for the bank's 3-D Secure window.
            page.get_by_text("Complete authentication").click()
        page.get_by_text("Carta salvata.").wait_for(timeout=20_000)
        assert f"•••• {card[-4:]}" in page.content() or card[-4:] in page.content()

        page.goto(
            f"{live_url}/package/edit/payment?plan=standard&period=monthly&currency=EUR&agents=1"
        )
        page.click("button.pay")
        if card == SCA_CARD:
            page.wait_for_url(re.compile(r"/payments/stripe/pi_\w+/authenticate"))
            page.get_by_text("Complete authentication").click()
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"), timeout=20_000)
        assert "INV-" in page.content()
    finally:
        context.close()
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.id == account_id))
        assert account.subscription.plan == "standard"
        method = db.session.scalar(select(PaymentMethod))
        assert (method.last4, method.token[:3]) == (card[-4:], "pm_")


# Records what the page's script hands Stripe.js, around whichever Stripe the page loads.
RECORD_STRIPE_OPTIONS = """
(() => {
  let real;
  Object.defineProperty(window, "Stripe", {
    configurable: true,
    get() {
      return real && function (key, options) {
        window.stripeOptions = options;
        const stripe = real(key, options);
        const elements = stripe.elements.bind(stripe);
        stripe.elements = (elementOptions) => {
          window.elementsOptions = elementOptions;
          return elements(elementOptions);
        };
        return stripe;
      };
    },
    set(value) { real = value; },
  });
})();
"""


def test_the_card_field_speaks_the_page_language_not_the_browsers(
    chromium,
    live_url,
    factory,
    localstripe,  # noqa: F811 - the fixture imported above
):
    account_id = factory.account("Bistrot Lumière SARL", country="FR")
    factory.user("owner@bistrot.example.com", Role.OWNER, account_id, locale="fr")
    context = chromium.new_context(locale="en-US")
    context.add_init_script(RECORD_STRIPE_OPTIONS)
    page = context.new_page()
    try:
        page.goto(f"{live_url}/login")
        page.fill("#email", "owner@bistrot.example.com")
        page.fill("#password", PASSWORD)
        page.locator("form input[type=submit], form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/package$"))
        page.goto(f"{live_url}/billing/payment-methods/")
        page.locator("form[data-stripe-card-setup] button[type=submit]:enabled").wait_for()
        assert page.evaluate("document.documentElement.lang") == "fr"
        assert page.evaluate("window.stripeOptions") == {"locale": "fr"}
        assert page.evaluate("window.elementsOptions") == {"locale": "fr"}
    finally:
        context.close()
