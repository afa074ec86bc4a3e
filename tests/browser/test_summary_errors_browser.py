"""With JavaScript on, the live summary never keeps old figures beside a field it refuses.

Seen in Italian at 390 px: agents 0, −3 or letters, or 20 packs, left "5 agenti … 1.464,00 €"
in the summary while the field said otherwise (letters were priced as 1 agent). The htmx path
must show the same error as the page without JavaScript, in place of the figures.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from portal.models import Role
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

DUE = '#summary [data-figure="due"]'
SHOTS = os.environ.get("SCREENSHOTS_DIR")


@pytest.fixture
def owner(factory) -> str:
    """An Italian company on Free, with its owner."""
    account_id = factory.account("Trattoria Errori S.r.l.", country="IT")
    factory.user("owner@errori.example.com", Role.OWNER, account_id, locale="it")
    return "owner@errori.example.com"


def _quantities(page: Page, base: str, email: str) -> None:
    """Sign in and open step 2 with 5 agents priced."""
    sign_in(page, base, email)
    page.goto(f"{base}/package/edit/quantities?plan=standard&period=monthly&currency=EUR&agents=5")
    expect(page.locator(DUE)).to_have_text("91,50\xa0€")


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("#agents", "0", "Scegli almeno 1 agente"),
        ("#agents", "-3", "numero intero"),
        ("#agents", "abc", "numero intero"),
        ("#packs", "20", "pacchetti"),
    ],
    ids=["zero agents", "negative agents", "letters", "20 packs"],
)
def test_a_refused_quantity_replaces_the_figures_with_its_error(
    chromium, live_url, owner, field, typed, error
):
    context = chromium.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _quantities(page, live_url, owner)
        page.locator(field).click()
        page.locator(field).press("Control+a")
        page.locator(field).press("Delete")
        page.locator(field).press_sequentially(typed)
        expect(page.locator("#summary")).to_contain_text(
            "Correggi i campi evidenziati", timeout=15_000
        )
        expect(page.locator(DUE)).to_have_count(0)
        expect(page.locator(f"{field}-error")).to_contain_text(error)
        expect(page.locator(field)).to_have_attribute("aria-invalid", "true")
        if SHOTS:
            name = re.sub(r"\W+", "-", f"{field}{typed}")
            page.screenshot(path=f"{SHOTS}/summary-error-{name}-390.png", full_page=True)
    finally:
        context.close()
