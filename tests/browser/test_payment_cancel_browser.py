"""The customer's own cancellation is not a decline: after PayPal's Cancel (Italian, 390 px)
or a refused 3-D Secure step (French, 1280 px) the same method can be tried again at once,
and billing activity says "cancelled"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser

STANDARD_ONE = "plan=standard&period=monthly&currency=EUR&agents=1"


@pytest.fixture
def owner(factory) -> str:
    """An Italian company on Free, with its owner."""
    account_id = factory.account("Trattoria Annulla S.r.l.", country="IT")
    factory.user("owner@annulla.example.com", Role.OWNER, account_id)
    return "owner@annulla.example.com"


def _add_card(page: Page, base: str, number: str) -> None:
    """Save a card on the payment methods page."""
    page.goto(f"{base}/billing/payment-methods/")
    page.fill("#holder", "Carla Bianchi")
    page.fill("#number", number)
    page.fill("#expiry", "12/34")
    page.fill("#cvc", "123")
    page.locator("form[action$='/cards'] [type=submit]").click()
    page.wait_for_load_state()


def _pay(page: Page, base: str) -> None:
    """Step 3 of the wizard, Pay with the preselected method."""
    page.goto(f"{base}/package/edit/payment?{STANDARD_ONE}")
    page.click("button.pay")
    page.wait_for_load_state()


def test_paypal_cancel_in_italian_on_a_phone_lets_the_customer_pay_again_at_once(
    chromium, live_url, owner
):
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_url, owner)
        page.goto(f"{live_url}/billing/payment-methods/")
        page.fill("#email", "carla@example.com")
        page.click("#paypal-submit")
        page.wait_for_load_state()
        _pay(page, live_url)
        expect(page).to_have_url(re.compile(r"/sandbox/paypal/"))
        page.locator("input[name=cancel]").click()
        page.wait_for_load_state()
        alert = page.locator("main [role=alert]:not([hidden])")
        expect(alert).to_contain_text("Non è stato addebitato nulla: puoi riprovare subito.")
        expect(page.locator("main")).not_to_contain_text("meno di un'ora")
        shoot(page, "paypal-cancelled-it")
        page.click("button.pay")  # at once, with PayPal still chosen
        expect(page).to_have_url(re.compile(r"/sandbox/paypal/"))
        page.locator("input[name=approve]").click()
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
        page.goto(f"{live_url}/billing/activity")
        expect(page.locator("main")).to_contain_text("è stato annullato: non è stato addebitato")
        expect(page.locator("main")).not_to_contain_text("rifiutato")
    finally:
        context.close()


def test_a_refused_3d_secure_step_in_french_on_a_desktop_is_no_decline(chromium, live_url, owner):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_url, owner)
        _add_card(page, live_url, "4000 0027 6000 3184")
        _pay(page, live_url)
        expect(page).to_have_url(re.compile(r"/sandbox/3ds/"))
        page.locator("input[name=fail]").click()
        page.wait_for_load_state()
        alert = page.locator("main [role=alert]:not([hidden])")
        expect(alert).to_contain_text("aucun montant n'a donc été débité")
        expect(page.locator("main")).not_to_contain_text("moins d'une heure")
        shoot(page, "3ds-cancelled-fr")
        page.click("button.pay")
        expect(page).to_have_url(re.compile(r"/sandbox/3ds/"))
        page.locator("input[name=approve]").click()
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
    finally:
        context.close()
