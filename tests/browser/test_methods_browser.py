"""The payment methods page: an empty card form names every missing field (French, 1280 px),
the same card is refused naming the saved one (Italian, 390 px), and removing a method that
is not the default asks first (Italian, 390 px)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.conftest import shoot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def owner(factory) -> str:
    """An Italian company on Free, with its owner."""
    account_id = factory.account("Ferramenta Doppia S.r.l.", country="IT")
    factory.user("owner@doppia.example.com", Role.OWNER, account_id)
    return "owner@doppia.example.com"


def _add_card(page: Page, base: str, number: str, expiry: str = "12/28") -> None:
    """Fill in and send the add-card form."""
    page.goto(f"{base}/billing/payment-methods/")
    page.fill("#holder", "Carla Bianchi")
    page.fill("#number", number)
    page.fill("#expiry", expiry)
    page.fill("#cvc", "123")
    page.locator("form[action$='/cards'] [type=submit]").click()
    page.wait_for_load_state()


def test_an_empty_card_form_names_every_missing_field_in_french(chromium, live_url, owner):
    context = chromium.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_url, owner)
        page.goto(f"{live_url}/billing/payment-methods/")
        page.locator("form[action$='/cards'] [type=submit]").click()
        page.wait_for_load_state()
        errors = page.locator("form[action$='/cards'] .field-error")
        expect(errors).to_have_text(
            [
                "Saisissez le nom figurant sur la carte.",
                "Saisissez le numéro de la carte.",
                "Saisissez la date d'expiration (MM/AA).",
                "Saisissez le code de sécurité (CVC) à 3 chiffres figurant au dos de la carte.",
            ]
        )
        expect(page.locator("form[action$='/cards'] [aria-invalid=true]")).to_have_count(4)
        shoot(page, "card-form-empty-fr")
    finally:
        context.close()


def test_the_same_card_twice_is_refused_and_a_removal_asks_first_in_italian(
    chromium, live_url, owner
):
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, live_url, owner)
        _add_card(page, live_url, "4242 4242 4242 4242")
        _add_card(page, live_url, "5555 5555 5555 4444")
        _add_card(page, live_url, "4242424242424242")
        expect(page.locator("form[action$='/cards'] [role=alert]")).to_have_text(
            "Questa carta è già salvata: Visa •••• 4242, scadenza 12/2028."
        )
        expect(page.locator("table.reflow tbody tr")).to_have_count(2)
        shoot(page, "card-duplicate-it")

        row = page.locator("table.reflow tbody tr", has_text="4444")
        row.get_by_role("button", name="Rimuovi").click()
        confirm = page.locator("#remove-confirm")
        expect(confirm).to_contain_text("Rimuovere Mastercard •••• 4444?")
        expect(confirm).to_contain_text("Non verrà più proposto quando paghi.")
        expect(page.locator("table.reflow tbody tr")).to_have_count(2)  # nothing gone yet
        shoot(page, "remove-confirm-it")
        confirm.get_by_role("button", name="Annulla").click()
        page.wait_for_load_state()
        expect(page.locator("table.reflow tbody tr")).to_have_count(2)

        page.locator("table.reflow tbody tr", has_text="4444").get_by_role(
            "button", name="Rimuovi"
        ).click()
        page.locator("#remove-confirm").get_by_role("button", name="Rimuovi").click()
        page.wait_for_load_state()
        expect(page.locator("table.reflow tbody tr")).to_have_count(1)
        expect(page.locator("main")).to_contain_text("Mastercard •••• 4444 è stato rimosso.")
    finally:
        context.close()
