"""After paying: the confirmation links to the document it issued, and a decrease says what
was credited instead of "Amount paid €0.00" (Italian, 1280 px)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def owner(factory) -> str:
    """An Italian company on Free, with its owner."""
    account_id = factory.account("Osteria Conferma S.r.l.", country="IT")
    factory.user("owner@conferma.example.com", Role.OWNER, account_id, locale="it")
    return "owner@conferma.example.com"


def _sign_in_with_a_card(page: Page, base: str, email: str) -> None:
    """Sign in and save a card that pays without 3-D Secure."""
    sign_in(page, base, email)
    page.goto(f"{base}/billing/payment-methods/")
    page.fill("#holder", "Carla Bianchi")
    page.fill("#number", "4242 4242 4242 4242")
    page.fill("#expiry", "12/34")
    page.fill("#cvc", "123")
    page.locator("form[action$='/cards'] [type=submit]").click()
    page.wait_for_load_state()


def test_the_confirmation_links_the_invoice_and_a_decrease_says_what_was_credited(
    chromium, live_url, owner
):
    context = chromium.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        _sign_in_with_a_card(page, live_url, owner)
        page.goto(
            f"{live_url}/package/edit/payment?plan=standard&period=monthly&currency=EUR&agents=3"
        )
        page.click("button.pay")
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
        link = page.locator("a.document-link")
        expect(link).to_contain_text("INV-2026-000001")
        pdf = page.request.get(f"{live_url}{link.get_attribute('href')}")
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        expect(page.locator("main")).to_contain_text("Importo pagato")

        page.goto(f"{live_url}/package/edit/seats?agents=1&packs=0")
        page.locator("form.pay-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
        expect(page.locator("a.document-link")).to_contain_text("CN-2026-000001")
        expect(page.locator("[data-figure=credit-added]")).to_contain_text("€")
        expect(page.locator("main")).not_to_contain_text("Importo pagato")
    finally:
        context.close()
