"""After the default card is declined and another one pays, My package flags the declined
default, and the confirmation offers the card that paid as the default: Italian, 390 px;
the flags in French, 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser

STANDARD_TWO = "plan=standard&period=monthly&currency=EUR&agents=2"


@pytest.fixture
def owner(factory) -> str:
    """An Italian company on Free, with its owner."""
    account_id = factory.account("Pasticceria Rifiuto S.r.l.", country="IT")
    factory.user("owner@rifiuto.example.com", Role.OWNER, account_id)
    return "owner@rifiuto.example.com"


def _add_card(page: Page, base: str, number: str, *, make_default: bool = False) -> None:
    """Save a card on the payment methods page."""
    page.goto(f"{base}/billing/payment-methods/")
    page.fill("#holder", "Carla Bianchi")
    page.fill("#number", number)
    page.fill("#expiry", "12/34")
    page.fill("#cvc", "123")
    if make_default:
        page.check("#card-make-default")
    page.locator("form[action$='/cards'] [type=submit]").click()
    page.wait_for_load_state()


def _declined_then_paid_with_another(page: Page, base: str) -> str:
    """The default (declined) card first, then the other one: the confirmation's address."""
    _add_card(page, base, "4242 4242 4242 4242")
    _add_card(page, base, "4000 0000 0000 0002", make_default=True)
    page.goto(f"{base}/package/edit/payment?{STANDARD_TWO}")
    page.click("button.pay")
    page.wait_for_load_state()
    expect(page.locator("input[name=method]:checked")).to_have_count(1)
    page.click("button.pay")  # with the other card, preselected after the decline
    page.wait_for_url(re.compile(r"/package/edit/payments/\d+$"))
    return page.url


def test_the_declined_default_is_flagged_and_the_card_that_paid_offered_in_italian(
    chromium, live_url, owner
):
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_url, owner)
        confirmation = _declined_then_paid_with_another(page, live_url)
        offer = page.locator("form.make-default-offer")
        expect(offer).to_contain_text("Visa •••• 0002, che la banca ha rifiutato")
        expect(offer.get_by_role("button")).to_have_text("Imposta Visa •••• 4242 come predefinito")
        shoot(page, "confirmation-offer-it")

        page.goto(f"{live_url}/package")
        flag = page.locator(".next-payment .declined-default")
        expect(flag).to_contain_text("La banca ha rifiutato Visa •••• 0002 il")
        shoot(page, "package-declined-default-it")
        page.goto(f"{live_url}/billing/payment-methods/")
        row = page.locator("table.reflow tbody tr", has_text="0002")
        expect(row.locator(".declined-method")).to_contain_text("Rifiutato dalla banca il")
        shoot(page, "methods-declined-it")

        page.goto(confirmation)
        page.locator("form.make-default-offer button").click()
        page.wait_for_url(confirmation)
        expect(page.locator("main")).to_contain_text(
            "Visa •••• 4242 è ora il metodo di pagamento predefinito."
        )
        expect(page.locator("form.make-default-offer")).to_have_count(0)
        page.goto(f"{live_url}/package")
        expect(page.locator(".next-payment")).to_contain_text("Addebitato su Visa •••• 4242.")
        expect(page.locator(".next-payment .declined-default")).to_have_count(0)
    finally:
        context.close()


def test_the_declined_default_flag_in_french_on_a_desktop(chromium, live_url, owner):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_url, owner)
        _declined_then_paid_with_another(page, live_url)
        expect(page.locator("form.make-default-offer button")).to_have_text(
            "Définir Visa •••• 4242 par défaut"
        )
        shoot(page, "confirmation-offer-fr")
        page.goto(f"{live_url}/package")
        expect(page.locator(".next-payment .declined-default")).to_contain_text(
            "La banque a refusé Visa •••• 0002 le"
        )
        shoot(page, "package-declined-default-fr")
        page.goto(f"{live_url}/billing/payment-methods/")
        expect(page.locator(".declined-method")).to_contain_text("Refusé par la banque le")
        shoot(page, "methods-declined-fr")
    finally:
        context.close()
